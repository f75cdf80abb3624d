//go:build linux

package lockcore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStoppedWaiterBlocksNobody: a writer that is stopped (Ctrl-Z, SIGSTOP)
// while it waits for the lock must not keep others out once the lock is
// free, even though it had asked readers to let it go first.
func TestStoppedWaiterBlocksNobody(t *testing.T) {
	db := testDB(t)
	a := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "holder")
	a.expect("locked")
	w := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "writer")
	waitBlocked(t, w.pid())
	w.signal(syscall.SIGSTOP)
	waitStopped(t, w.pid()) // else a thread may still take the lock on release
	t.Logf("writer %d stopped while waiting; holder %d releases", w.pid(), a.pid())
	a.send("release")
	a.expect("released")
	opts := Options{MaxRetries: 20, RetryDelay: 100 * time.Millisecond}
	l := New(db, opts)
	if err := l.AcquireShared(context.Background()); err != nil {
		t.Fatalf("AcquireShared with a stopped waiter = %v", err)
	}
	l.Release()
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatalf("Acquire with a stopped waiter = %v", err)
	}
	l.Release()
	w.signal(syscall.SIGCONT)
	w.expect("locked")
}

// waitBlocked polls /proc/locks, with a deadline, until pid is listed as
// blocked waiting for a flock.
func waitBlocked(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !flockWaiter(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never blocked on the lock", pid)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// waitStopped polls, with a deadline, until every thread of pid is stopped.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !allStopped(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never stopped", pid)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

func allStopped(pid int) bool {
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/stat")
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
			return false
		}
	}
	return true
}

func flockWaiter(pid int) bool {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return false
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		fs := strings.Fields(sc.Text())
		if len(fs) > 5 && fs[1] == "->" && fs[2] == "FLOCK" && fs[5] == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

// TestAbandonedWriterLetsReadersIn: a writer that gave up while it waits
// behind a reader stops holding later readers back, even though its kernel
// wait lingers until the reader leaves.
func TestAbandonedWriterLetsReadersIn(t *testing.T) {
	db := testDB(t)
	r := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "reader")
	r.expect("locked")
	l := New(db, quick)
	errc := make(chan error)
	go func() { errc <- l.Acquire(context.Background()) }()
	waitBlocked(t, os.Getpid())
	if held := gateHolders(t, l.Path()); !slices.Equal(held, []int{os.Getpid()}) {
		t.Fatalf("gate holders = %v while this process's writer waits, want [%d]", held, os.Getpid())
	}
	if err := <-errc; !errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire behind a reader = %v, want ErrLocked", err)
	}
	if held := gateHolders(t, l.Path()); len(held) != 0 {
		t.Fatalf("gate still held by %v after the writer gave up", held)
	}
	r2 := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "reader2")
	r2.expect("locked")
}

// TestRejoinedWriterRetakesGate: a writer that gave up dropped its gate
// while its kernel wait lingers behind a reader; a new exclusive waiter of
// the same process joins that wait and must hold a gate again, or readers
// would keep overtaking it.
func TestRejoinedWriterRetakesGate(t *testing.T) {
	db := testDB(t)
	r := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "reader")
	r.expect("locked")
	l := New(db, quick)
	if err := l.Acquire(context.Background()); !errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire behind a reader = %v, want ErrLocked", err)
	}
	if held := gateHolders(t, l.Path()); len(held) != 0 {
		t.Fatalf("gate held by %v after the writer gave up", held)
	}
	errc := make(chan error)
	go func() { errc <- New(db, Options{}).Acquire(context.Background()) }()
	deadline := time.Now().Add(waitLimit)
	for !slices.Equal(gateHolders(t, l.Path()), []int{os.Getpid()}) {
		if time.Now().After(deadline) {
			t.Fatalf("gate holders = %v while a second writer waits, want [%d]", gateHolders(t, l.Path()), os.Getpid())
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	t.Log("the second writer joined the lingering wait and holds the gate")
	r.send("release")
	r.expect("released")
	if err := <-errc; err != nil {
		t.Fatalf("second writer: %v", err)
	}
	if held := gateHolders(t, l.Path()); len(held) != 0 {
		t.Fatalf("gate held by %v after the writer got in", held)
	}
	l.Release()
}

// TestStoppedGateSkipped: two writers wait, the one with the higher gate
// first, so the kernel reports its gate first; once it is stopped, readers
// must still find the live writer's gate below it and defer, and defer to
// nobody once both are stopped.
func TestStoppedGateSkipped(t *testing.T) {
	db := testDB(t)
	a := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "holder")
	a.expect("locked")
	lo := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "writer", "GO", "1")
	hi := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "writer", "GO", "1")
	if lo.pid() > hi.pid() {
		lo, hi = hi, lo
	}
	for _, w := range []*helper{hi, lo} {
		w.send("go")
		waitBlocked(t, w.pid())
	}
	h, err := lookup(New(db, Options{}).Path())
	if err != nil {
		t.Fatal(err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Start: gateOffset, Len: gateSpan}
	if err := unix.FcntlFlock(uintptr(h.fd), unix.F_GETLK, &lk); err != nil || int(lk.Pid) != hi.pid() {
		t.Fatalf("F_GETLK on the gates = %+v, %v; want writer %d, the first to wait", lk, err, hi.pid())
	}
	for _, w := range []*helper{hi, lo} {
		w.signal(syscall.SIGSTOP)
		waitStopped(t, w.pid())
		defer w.signal(syscall.SIGCONT)
		if got, want := gateBusy(h.fd), w == hi; got != want {
			t.Fatalf("gateBusy with writer %d stopped = %v, want %v", w.pid(), got, want)
		}
		t.Logf("writer %d stopped; gateBusy = %v", w.pid(), w == hi)
	}
}
