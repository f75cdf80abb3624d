package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

func TestExitCode(t *testing.T) {
	locked := &lockcore.LockedError{Holder: &lockcore.LockInfo{PID: 7, Process: "mcp-server"}, Verified: true}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("boom"), ExitError},
		{"usage", usagef("missing --id"), ExitUsage},
		{"wrapped usage", fmt.Errorf("x: %w", usagef("bad")), ExitUsage},
		{"not found", fmt.Errorf("get task: %w", &taskstore.NotFoundError{Kind: "task", ID: "X"}), ExitNotFound},
		{"missing file", fmt.Errorf("import: %w", fs.ErrNotExist), ExitNotFound},
		{"invalid", &taskstore.InvalidError{Field: "title", Reason: "empty"}, ExitError},
		{"cycle", &taskstore.CycleError{Path: []string{"A", "B", "A"}}, ExitError},
		{"conflict", taskstore.ErrConflict, ExitError},
		{"locked", fmt.Errorf("add task: %w", locked), ExitLocked},
		{"locked sentinel", taskstore.ErrLocked, ExitLocked},
		{"interrupted", fmt.Errorf("add task: %w", context.Canceled), ExitInterrupted},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%s: %v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestReportPrintsLockMessageExactly(t *testing.T) {
	var w bytes.Buffer
	err := fmt.Errorf("open database: %w", &lockcore.LockedError{
		Holder: &lockcore.LockInfo{PID: 12345, Process: "mcp-server"}, Verified: true, Waited: time.Second})
	if code := report(&w, err); code != ExitLocked {
		t.Errorf("report(locked) = %d, want %d", code, ExitLocked)
	}
	if got, want := w.String(), "Database is currently in use by mcp-server (PID: 12345). Please try again in a moment.\n"; got != want {
		t.Errorf("report(locked) printed %q, want %q", got, want)
	}
}

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		terminal bool
		noColor  string
		want     bool
	}{
		{true, "", true},
		{true, "1", false},
		{false, "", false},
		{false, "1", false},
	}
	for _, tt := range tests {
		if got := colorEnabled(tt.terminal, tt.noColor); got != tt.want {
			t.Errorf("colorEnabled(%v, %q) = %v, want %v", tt.terminal, tt.noColor, got, tt.want)
		}
	}
}

func TestColorOnlyWhenEnabled(t *testing.T) {
	task := taskstore.Task{ID: "ABCD", Title: "Write the parser", Status: taskstore.StatusDone, PriorityScore: 80}
	plain := (&env{}).taskLine(task)
	if bytes.ContainsRune([]byte(plain), 0x1b) {
		t.Errorf("taskLine without colour = %q, want no escape codes", plain)
	}
	colored := (&env{color: true}).taskLine(task)
	if want := ansiGreen + "[x]" + ansiReset; !bytes.Contains([]byte(colored), []byte(want)) {
		t.Errorf("taskLine with colour = %q, want it to contain %q", colored, want)
	}
}
