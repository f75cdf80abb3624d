package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
)

// faultyStore fails in the ways a real store must never make the server
// crash or speak out of turn.
type faultyStore struct {
	taskstore.Store
}

func (faultyStore) Claim(context.Context, taskstore.ClaimRequest) (*taskstore.Task, error) {
	panic("claim exploded")
}

func (faultyStore) DeleteTask(_ context.Context, id string, _ taskstore.DeleteOptions) (int, error) {
	switch id {
	case "LOCKED":
		return 0, fmt.Errorf("delete task: %w", &lockcore.LockedError{Holder: &lockcore.LockInfo{PID: 42, Process: "astro"}, Verified: true})
	case "BUSY":
		return 0, &taskstore.DatabaseError{Op: "delete task", Msg: "database is locked", Err: taskstore.ErrLocked}
	case "CANCEL":
		return 0, fmt.Errorf("delete task: %w", context.Canceled)
	}
	return 0, errors.New("disk on fire\nsecond line")
}

func (faultyStore) ListPage(context.Context, taskstore.Filter) (taskstore.Page, error) {
	return taskstore.Page{}, &taskstore.InvalidError{Field: "parentId", Reason: "spans\ntwo lines"}
}

func TestToolErrors(t *testing.T) {
	real := newEnv(t)
	e := newEnvWith(t, real.loc, faultyStore{real.store})
	tests := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"claimTask", map[string]any{"taskId": "ABCD"}, "internal error: claim exploded"},
		{"deleteTask", map[string]any{"taskId": "LOCKED"}, "Database is currently in use by astro (PID: 42). Please try again in a moment."},
		{"deleteTask", map[string]any{"taskId": "BUSY"}, "Database is currently in use by another process. Please try again in a moment."},
		{"deleteTask", map[string]any{"taskId": "CANCEL"}, "request cancelled: delete task: context canceled"},
		{"deleteTask", map[string]any{"taskId": "OTHER"}, "internal error: disk on fire second line"},
		{"listTasks", map[string]any{}, "invalid parentId: spans two lines"},
	}
	for _, tt := range tests {
		if got := e.callErr(tt.tool, tt.args); got != tt.want {
			t.Errorf("%s(%v) error = %q, want %q", tt.tool, tt.args, got, tt.want)
		}
	}
	// The server survived the panic and still answers.
	if got := call[server.ListTasksOutput](real, "listTasks", map[string]any{}); len(got.Tasks) != 0 {
		t.Errorf("listTasks after panic = %d tasks, want 0", len(got.Tasks))
	}
	if got := e.callRaw("getTask", map[string]any{"taskId": "ZZZZ"}); !got.IsError || !strings.Contains(text(got), "not found") {
		t.Errorf("getTask after panic = %v %q, want a not-found tool error", got.IsError, text(got))
	}
}

func TestToolErrorUnwrap(t *testing.T) {
	inner := &taskstore.NotFoundError{Kind: "task", ID: "X"}
	var err error = &server.ToolError{Reason: inner.Error(), Err: inner}
	if !errors.Is(err, taskstore.ErrNotFound) {
		t.Errorf("errors.Is(ToolError{NotFound}, ErrNotFound) = false, want true")
	}
	if err.Error() != "task X not found" {
		t.Errorf("Error() = %q", err.Error())
	}
}
