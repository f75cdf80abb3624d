package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

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
	case "HUGE":
		return 0, errors.New("disk on fire: " + strings.Repeat("é", 100_000) + " the end")
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

// TestToolErrorsAreBounded: a schema error over a 1 MB title and a store
// error 200 KB long come back as one line of at most MaxReasonBytes that
// keeps the start and the end of the message, cut on rune boundaries.
func TestToolErrorsAreBounded(t *testing.T) {
	real := newEnv(t)
	huge := strings.Repeat("x", 1<<20)
	msg := real.callErr("addTasks", map[string]any{"tasks": []any{map[string]any{"title": huge}}})
	wantBounded(t, msg, "invalid arguments: ", "more than 200")
	if n, err := real.store.ListTasks(context.Background(), taskstore.Filter{}); err != nil || len(n) != 0 {
		t.Errorf("after the refused batch, tasks = %v, %v; want none", n, err)
	}

	e := newEnvWith(t, real.loc, faultyStore{real.store})
	msg = e.callErr("deleteTask", map[string]any{"taskId": "HUGE"})
	wantBounded(t, msg, "internal error: disk on fire: éé", "éé the end")
}

// wantBounded checks that msg is at most MaxReasonBytes of valid UTF-8,
// starts with prefix, ends with suffix and says that bytes were cut.
func wantBounded(t *testing.T, msg, prefix, suffix string) {
	t.Helper()
	if len(msg) > server.MaxReasonBytes || !utf8.ValidString(msg) {
		t.Errorf("error is %d bytes (valid UTF-8: %v), want at most %d", len(msg), utf8.ValidString(msg), server.MaxReasonBytes)
	}
	if !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, suffix) || !strings.Contains(msg, " bytes cut] ... ") {
		t.Errorf("error = %q, want %q ... [N bytes cut] ... %q", msg, prefix, suffix)
	}
}

// TestAddTasksRefusesDepthAndLineBreaks: addTasks refuses, with one line
// and nothing written, a task below the deepest allowed level and a title
// with a line break.
func TestAddTasksRefusesDepthAndLineBreaks(t *testing.T) {
	e := newEnv(t)
	doc := taskstore.Document{Version: taskstore.ExportVersion}
	parent := ""
	for i := 1; i <= taskstore.MaxDepth; i++ {
		id := fmt.Sprintf("L%d", i)
		doc.Tasks = append(doc.Tasks, taskstore.Task{ID: id, ParentID: parent, Title: id})
		parent = id
	}
	if _, err := e.store.Import(context.Background(), doc, taskstore.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	e.wantErr("addTasks", map[string]any{"tasks": []any{map[string]any{"title": "too deep", "parentTaskId": parent}}},
		"invalid batch[0].parentId:", fmt.Sprintf("%d levels below the project root; the limit is %d", taskstore.MaxDepth+1, taskstore.MaxDepth))
	e.wantErr("addTasks", map[string]any{"tasks": []any{map[string]any{"title": "fake\r\nrow"}}},
		"invalid batch[0].title: contains a line break (CR or LF); a title is one line")
	if got := call[server.ListTasksOutput](e, "listTasks", map[string]any{"statuses": []string{}, "limit": server.MaxPageLimit}); len(got.Tasks) != taskstore.MaxDepth {
		t.Errorf("after refused batches, %d tasks, want %d", len(got.Tasks), taskstore.MaxDepth)
	}
}
