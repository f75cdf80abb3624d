//go:build linux || darwin

package lockcore

import (
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Linux and macOS tell lockcore a process's start time, the boot and
// whether a process is stopped (proc_linux.go, proc_darwin.go); these tests
// hold there and nowhere else.

// TestProcessTable: records carry the start time and boot of their
// writer, so a record whose pid now names another process is not
// verified; a stopped process is seen stopped until it continues; a
// process that is gone has no start time and is not stopped.
func TestProcessTable(t *testing.T) {
	me := self()
	if me.Start == 0 || me.Start != startTime(os.Getpid()) || me.Boot == "" || me.Boot != bootID() {
		t.Fatalf("self() = %+v; want start %d and boot %q, both known", me, startTime(os.Getpid()), bootID())
	}
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "cli")
	h.expect("locked")
	rec, err := ParseRecord(readLockFile(t, New(db, Options{}).Path()))
	if err != nil || rec.PID != h.pid() || rec.Start == 0 || rec.Start != startTime(h.pid()) || rec.Boot != me.Boot {
		t.Fatalf("helper's record = %+v, %v; want pid %d, start %d, boot %q", rec, err, h.pid(), startTime(h.pid()), me.Boot)
	}
	reused := *rec
	reused.Start = rec.Start + 1 // the record of another process that had this pid
	if !verify(rec) || verify(&reused) {
		t.Fatalf("verify(record) = %v, verify(record with another start time) = %v; want true, false", verify(rec), verify(&reused))
	}
	if stopped(h.pid()) {
		t.Fatalf("stopped(%d) = true for a running helper", h.pid())
	}
	h.signal(syscall.SIGSTOP)
	waitStopped(t, h.pid())
	h.signal(syscall.SIGCONT)
	if !waitFor(func() bool { return !stopped(h.pid()) }) {
		t.Fatalf("stopped(%d) still true after SIGCONT", h.pid())
	}
	h.crash()
	if startTime(h.pid()) != 0 || stopped(h.pid()) || verify(rec) {
		t.Fatalf("after the helper died: startTime = %d, stopped = %v, verify = %v; want 0, false, false",
			startTime(h.pid()), stopped(h.pid()), verify(rec))
	}
	t.Logf("helper %d: start %d, boot %q", h.pid(), rec.Start, rec.Boot)
}

// TestStoppedGateSkipped: two writers wait at their gates; F_GETLK reports
// one of them (on Linux the first to wait, which is the one with the
// higher gate). Once that one is stopped, readers must still find the live
// writer's gate, before or after it, and defer; once both are stopped,
// they defer to nobody.
func TestStoppedGateSkipped(t *testing.T) {
	db := testDB(t)
	path := New(db, Options{}).Path()
	a := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "holder")
	a.expect("locked")
	lo := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "writer", "GO", "1")
	hi := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "writer", "GO", "1")
	if lo.pid() > hi.pid() {
		lo, hi = hi, lo
	}
	for _, w := range []*helper{hi, lo} {
		w.send("go")
		waitQueued(t, path, w.pid())
	}
	h, err := lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Start: gateOffset, Len: gateSpan}
	if err := unix.FcntlFlock(uintptr(h.fd), unix.F_GETLK, &lk); err != nil || (int(lk.Pid) != hi.pid() && int(lk.Pid) != lo.pid()) {
		t.Fatalf("F_GETLK on the gates = %+v, %v; want writer %d or %d", lk, err, hi.pid(), lo.pid())
	}
	first, second := hi, lo
	if int(lk.Pid) == lo.pid() {
		first, second = lo, hi
	}
	if getlkReportsOldest && first != hi {
		t.Fatalf("F_GETLK on the gates reports writer %d; want %d, the first to wait", first.pid(), hi.pid())
	}
	t.Logf("F_GETLK reports writer %d first (gates below: %v)", first.pid(), first == hi)
	for _, w := range []*helper{first, second} {
		w.signal(syscall.SIGSTOP)
		waitStopped(t, w.pid())
		defer w.signal(syscall.SIGCONT)
		if got, want := gateBusy(h.fd), w == first; got != want {
			t.Fatalf("gateBusy with writer %d stopped = %v, want %v", w.pid(), got, want)
		}
		t.Logf("writer %d stopped; gateBusy = %v", w.pid(), w == first)
	}
}
