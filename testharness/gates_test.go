package testharness

import (
	"path/filepath"
	"testing"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestWriterSeenAtItsGate checks harness.AwaitGated, which is how the
// crash and hung-holder tests see a writer waiting where the kernel lists
// no lock waiters (every system but Linux): a lockcore writer queued
// behind a holder is found at its gate, and the gate is gone once it holds
// the lock. It runs everywhere, so a change to lockcore's gate layout
// fails here, on Linux too.
func TestWriterSeenAtItsGate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tasks.db")
	h := start(t, "holder", harness.RoleHolder, harness.Args{DB: db, ProcessType: "mcp-server"})
	expect(t, h, "holding")
	w := start(t, "waiter", harness.RoleWaiter, harness.Args{DB: db, ProcessType: "cli", HoldAfter: true, MaxRetries: 1200, RetryDelay: generous.RetryDelay})
	expect(t, w, "waiting")
	if err := harness.AwaitGated(harness.LockPath(db), w.Pid(), readyWithin); err != nil {
		t.Fatal(err)
	}
	if gated, err := harness.HoldsGate(harness.LockPath(db), h.Pid()); err != nil || gated {
		t.Fatalf("HoldsGate(holder %d) = %v, %v; want false: the holder waits for nothing", h.Pid(), gated, err)
	}
	t.Logf("writer %d waits at its gate behind holder %d", w.Pid(), h.Pid())
	if err := h.Send("release"); err != nil {
		t.Fatal(err)
	}
	expect(t, h, "released")
	var r harness.WaitResult
	if err := w.ExpectJSON("result ", readyWithin, &r); err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("waiter after the release: %s, want the lock", r.Error)
	}
	if gated, err := harness.HoldsGate(harness.LockPath(db), w.Pid()); err != nil || gated {
		t.Fatalf("HoldsGate(waiter %d) once it holds = %v, %v; want false", w.Pid(), gated, err)
	}
	if err := w.Send("release"); err != nil {
		t.Fatal(err)
	}
	expect(t, w, "released")
	waitExit(t, w)
	waitExit(t, h)
}
