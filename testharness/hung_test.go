package testharness

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestHungHolder is scenario 5: the holder is SIGSTOPped. Waiters with a
// 100 ms budget fail with a LockedError that names it, and once it has held
// past the 200 ms StaleTimeout they mark it possibly hung; nothing steals
// the lock. After SIGCONT the holder finishes and the waiters get in.
func TestHungHolder(t *testing.T) {
	const stale = 200 * time.Millisecond
	dir := t.TempDir()
	db := filepath.Join(dir, "tasks.db")
	logOf := func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }
	h := start(t, "holder", harness.RoleHolder, harness.Args{DB: db, ProcessType: "mcp-server", Log: filepath.Join(dir, "holder.log")})
	expect(t, h, "holding")
	if err := h.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGSTOPped holder pid %d", h.Pid())

	short := harness.Args{DB: db, ProcessType: "cli", MaxRetries: 5, RetryDelay: 20 * time.Millisecond, StaleTimeout: stale,
		Attempts: 200, UntilHung: true, Log: filepath.Join(dir, "short.log")}
	w := start(t, "short", harness.RoleWaiter, short)
	want := fmt.Sprintf("Database is currently in use by mcp-server (PID: %d). Please try again in a moment.", h.Pid())
	for n := 1; ; n++ {
		var r harness.WaitResult
		if err := w.ExpectJSON("result ", readyWithin, &r); err != nil {
			t.Fatal(err)
		}
		if r.OK || !r.IsErrLocked || !r.IsLockedError {
			t.Fatalf("attempt %d against the stopped holder = %+v, want a *LockedError matching ErrLocked", n, r)
		}
		if r.HolderPID != h.Pid() || !r.Verified || r.Error != want {
			t.Errorf("attempt %d: holder pid %d verified %v, error %q; want pid %d verified, %q", n, r.HolderPID, r.Verified, r.Error, h.Pid(), want)
		}
		held := time.Duration(r.EndedAtMs-r.HolderTimestamp) * time.Millisecond
		if r.PossiblyHung && held < stale {
			t.Errorf("attempt %d: possibly hung after %v held, want only past the stale timeout %v", n, held, stale)
		}
		if r.PossiblyHung {
			t.Logf("attempt %d: failed after %v with %q, possibly hung after %v held", n, time.Duration(r.WaitNs), r.Error, held)
			break
		}
	}
	waitExit(t, w)

	if pid, err := harness.RecordPID(db); err != nil || pid != h.Pid() {
		t.Errorf("RecordPID while the holder is stopped = %d, %v; want %d: the lock was stolen", pid, err, h.Pid())
	}
	st, err := lockcore.Inspect(db, lockcore.Options{StaleTimeout: stale})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Locked || st.Holder == nil || st.Holder.PID != h.Pid() || !st.Verified || !st.PossiblyHung {
		t.Errorf("Inspect = %+v, want locked by verified, possibly hung pid %d", st, h.Pid())
	}

	var long []*harness.Child
	for i := range 2 {
		a := generous
		a.DB, a.ProcessType, a.StaleTimeout = db, "cli", stale
		a.Log = filepath.Join(dir, name("long", i)+".log")
		c := start(t, name("long", i), harness.RoleWaiter, a)
		expect(t, c, "waiting")
		if err := harness.AwaitWaiting(harness.LockPath(db), c.Pid(), readyWithin); err != nil {
			t.Fatal(err)
		}
		long = append(long, c)
	}
	if err := h.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := h.Send("release"); err != nil {
		t.Fatal(err)
	}
	rec := expect(t, h, "record ")
	if pid, err := strconv.Atoi(strings.TrimPrefix(rec, "record ")); err != nil || pid != h.Pid() {
		t.Errorf("holder after SIGCONT: %q, want its own record (pid %d)", rec, h.Pid())
	}
	expect(t, h, "released")
	waitExit(t, h)
	for _, c := range long {
		var r harness.WaitResult
		if err := c.ExpectJSON("result ", readyWithin, &r); err != nil {
			t.Fatal(err)
		}
		if !r.OK {
			t.Errorf("%s after the holder finished: %s, want the lock", c.Name, r.Error)
		}
		waitExit(t, c)
	}
	sweep(t, readLogs(t, append([]*harness.Child{h, w}, long...), logOf))
}
