package testharness

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestCrashMidHold is scenario 3, first half: the holder is SIGKILLed while
// a waiter with the default 5 s budget waits. The waiter gets the lock (the
// kernel freed it; nothing waited out a stale timeout), its record replaces
// the dead holder's, and the lock file is the same file throughout.
func TestCrashMidHold(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tasks.db")
	h := start(t, "holder", harness.RoleHolder, harness.Args{DB: db, ProcessType: "cli", Log: filepath.Join(dir, "holder.log")})
	expect(t, h, "holding")
	ino := inode(t, harness.LockPath(db))
	if pid, err := harness.RecordPID(db); err != nil || pid != h.Pid() {
		t.Fatalf("RecordPID before the kill = %d, %v; want the holder %d", pid, err, h.Pid())
	}

	w := start(t, "waiter", harness.RoleWaiter, harness.Args{DB: db, ProcessType: "mcp-server", HoldAfter: true, Log: filepath.Join(dir, "waiter.log")})
	expect(t, w, "waiting")
	if err := harness.AwaitWaiting(harness.LockPath(db), w.Pid(), readyWithin); err != nil {
		t.Fatal(err)
	}
	if err := h.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGKILLed holder pid %d", h.Pid())

	var r harness.WaitResult
	if err := w.ExpectJSON("result ", readyWithin, &r); err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("waiter after the holder died: %s, want the lock", r.Error)
	}
	t.Logf("waiter acquired %v after the SIGKILL (waited %v in all)",
		time.Duration(r.AcquiredAt-h.KilledAt), time.Duration(r.WaitNs))
	if r.RecordPID != w.Pid() {
		t.Errorf("record pid while the waiter holds = %d, want the waiter %d", r.RecordPID, w.Pid())
	}
	st, err := lockcore.Inspect(db, lockcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Locked || st.Holder == nil || st.Holder.PID != w.Pid() || st.Holder.Process != "mcp-server" || !st.Verified {
		t.Errorf("Inspect = %+v, want locked by verified mcp-server pid %d", st, w.Pid())
	}
	if err := w.Send("release"); err != nil {
		t.Fatal(err)
	}
	expect(t, w, "released")
	waitExit(t, w)
	if got := inode(t, harness.LockPath(db)); got != ino {
		t.Errorf("lock file inode = %d, want %d: the lock file was replaced", got, ino)
	}
	sweep(t, readLogs(t, []*harness.Child{h, w}, func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }))
}

// TestCrashMidWrite is scenario 3, second half: the holder commits 20
// counter writes, then is SIGKILLed with a write transaction open. Another
// process, already waiting for the lock, gets it and writes; afterwards
// every acknowledged write is present, the open transaction left nothing,
// and the database is intact.
func TestCrashMidWrite(t *testing.T) {
	const committed = 20
	dir, db := newCounterDB(t)
	logOf := func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }
	h := start(t, "holder", harness.RoleHolder, harness.Args{DB: db, Count: committed, InTx: true, Owner: "holder", Log: filepath.Join(dir, "holder.log")})
	expect(t, h, "intx")
	expect(t, h, "holding")

	a := harness.Args{DB: db, Count: 5, Counter: true, Owner: "after", Log: filepath.Join(dir, "after.log")}
	after := start(t, "after", harness.RoleContend, a)
	if err := harness.AwaitWaiting(harness.LockPath(db), after.Pid(), readyWithin); err != nil {
		t.Fatal(err)
	}
	if err := h.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGKILLed holder pid %d inside its write transaction", h.Pid())
	waitExit(t, after)

	logs := readLogs(t, []*harness.Child{h, after}, logOf)
	sweep(t, logs)
	st := checkCounter(t, db, logs, func(lg harness.Log) string { return lg.Proc })
	checkAfterCrash(t, st, committed, a.Count)
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
