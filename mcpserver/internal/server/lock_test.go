package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/google/go-cmp/cmp"
)

// statusJSON is lockcore.Status as generic JSON, the form
// `astro task lock-status --json` prints.
func statusJSON(t *testing.T, loc taskstore.Location) map[string]any {
	t.Helper()
	st, err := taskstore.InspectLock(t.Context(), loc, lockOpts)
	if err != nil {
		t.Fatalf("InspectLock: %v", err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatalf("marshal Status: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal Status: %v", err)
	}
	return m
}

func TestLockStatusIdle(t *testing.T) {
	e := newEnv(t)
	e.add(task("touch the database"))
	got := call[map[string]any](e, "lockStatus", map[string]any{})
	want := statusJSON(t, e.loc)
	// The age of a leftover record grows between the two reads.
	delete(want, "ageMs")
	delete(got, "ageMs")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lockStatus differs from InspectLock's JSON (-want +got):\n%s", diff)
	}
	if got["locked"] != false {
		t.Errorf("lockStatus of an idle server: locked = %v, want false (the server holds no lock while idle)", got["locked"])
	}
}

func TestLockStatusWithoutLocation(t *testing.T) {
	real := newEnv(t)
	e := newEnvWith(t, taskstore.Location{}, real.store)
	if got := e.callErr("lockStatus", map[string]any{}); got != server.ErrNoLocation.Error() {
		t.Errorf("lockStatus without a location = %q, want %q", got, server.ErrNoLocation)
	}
}

// TestLockedDatabase holds the database lock on purpose: lockStatus names
// the holder, and tool calls fail after their budget with the friendly text.
func TestLockedDatabase(t *testing.T) {
	e := newEnvLock(t, shortLock)
	a := e.add(task("before"))[0]
	holder := lockcore.New(e.loc.Path, lockcore.Options{ProcessType: "test-holder"})
	if err := holder.Acquire(t.Context()); err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			if err := holder.Release(); err != nil {
				t.Errorf("Release: %v", err)
			}
		}
	}
	defer release()

	st := call[map[string]any](e, "lockStatus", map[string]any{})
	t.Logf("lockStatus while held: %v", st)
	if st["locked"] != true {
		t.Errorf("lockStatus while held: locked = %v, want true", st["locked"])
	}
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"addTasks", map[string]any{"tasks": []any{task("during")}}},
		{"listTasks", map[string]any{}},
		{"getTask", map[string]any{"taskId": a.ID}},
		{"updateStatus", map[string]any{"taskId": a.ID, "status": "done"}},
	} {
		msg := e.callErr(c.tool, c.args)
		if !strings.HasPrefix(msg, "Database is currently in use by ") || !strings.HasSuffix(msg, ". Please try again in a moment.") {
			t.Errorf("%s while locked: %q, want the lock-timeout message", c.tool, msg)
		}
	}
	release()
	got := call[server.ListTasksOutput](e, "listTasks", map[string]any{})
	if len(got.Tasks) != 1 || got.Tasks[0].ID != a.ID {
		t.Errorf("after release listTasks = %v, want [%s] (nothing written while locked)", ids(got.Tasks), a.ID)
	}
}

// TestReadsShareTheLock: getTask and getNextTask read under the shared
// lock, so they answer while another reader holds it, and the writes still
// wait for it.
func TestReadsShareTheLock(t *testing.T) {
	e := newEnvLock(t, shortLock)
	a := e.add(task("read me"))[0]
	reader := lockcore.New(e.loc.Path, lockcore.Options{ProcessType: "test-reader"})
	if err := reader.AcquireShared(t.Context()); err != nil {
		t.Fatalf("AcquireShared: %v", err)
	}
	defer reader.Release()

	if got := call[server.TaskOutput](e, "getTask", map[string]any{"taskId": a.ID}); got.Task.ID != a.ID {
		t.Errorf("getTask beside a reader = %s, want %s", got.Task.ID, a.ID)
	}
	if got := call[server.NextTaskOutput](e, "getNextTask", map[string]any{}); got.Task == nil || got.Task.ID != a.ID {
		t.Errorf("getNextTask beside a reader = %+v, want %s", got.Task, a.ID)
	}
	msg := e.callErr("updateStatus", map[string]any{"taskId": a.ID, "status": "done"})
	if !strings.HasPrefix(msg, "Database is currently in use by ") {
		t.Errorf("updateStatus beside a reader = %q, want the lock-timeout message", msg)
	}
}
