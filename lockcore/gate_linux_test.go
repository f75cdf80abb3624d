package lockcore

import (
	"context"
	"errors"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"
)

// The tests in this file need Linux: they watch waiters in /proc/locks,
// including this process's own gates, which F_GETLK does not report to
// their owner, and the stopped waiter's test relies on a stopped process
// taking nothing from the kernel (see Platforms in DESIGN.md).

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
	if !waitFor(func() bool { return slices.Equal(gateHolders(t, l.Path()), []int{os.Getpid()}) }) {
		t.Fatalf("gate holders = %v while a second writer waits, want [%d]", gateHolders(t, l.Path()), os.Getpid())
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
