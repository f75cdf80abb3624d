package lockcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestQueuedWritersBeatLoopingReaders: four reader processes loop on the
// shared lock with no gap while three writer processes, each with a 5 s
// budget, queue behind an exclusive holder. When the holder lets go, the
// writers must all get in, one after the other, before the readers return:
// every waiting writer holds its own gate for its whole wait, so the
// readers keep deferring until the last writer is through, whatever order
// the kernel grants the writers in. A writer waiting without a gate would
// be overtaken by the readers once the gated writer had been served (see
// "How the gates came to be" in DESIGN.md).
func TestQueuedWritersBeatLoopingReaders(t *testing.T) {
	const readers, writers, rounds = 4, 3, 4
	db := testDB(t)
	var rs []*helper
	for i := range readers {
		r := startHelper(t, "readloop", "DB", db, "PROC", fmt.Sprint("reader", i), "HOLDUS", "1000")
		r.expect("ready")
		rs = append(rs, r)
	}
	for round := range rounds {
		holder := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "holder")
		holder.expect("locked")
		var ws []*helper
		for i := range writers {
			w := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", fmt.Sprint("writer", i),
				"BUDGET", "5s", "HOLDUS", "30000")
			waitBlocked(t, w.pid())
			ws = append(ws, w)
		}
		checkGated(t, db, ws)
		t.Logf("round %d: %d writers queued behind holder %d against %d looping readers", round, writers, holder.pid(), readers)
		holder.send("release")
		holder.expect("released")
		holder.wait()
		serveWriters(t, db, ws)
	}
	for _, r := range rs {
		r.stdin.Close()
		t.Log(r.expect("holds"))
		r.wait()
	}
}

// TestWritersKeepPreferenceWhenOneDies: three writers queue behind a
// reader that holds the shared lock for a second while four reader
// processes loop; the first writer to queue is killed. The other two must
// still hold the readers back, get in once the long reader leaves, and
// succeed within their 5 s budget. Were the dead writer's gate the only
// one, the looping readers would join the long reader's shared lock and
// never let go.
func TestWritersKeepPreferenceWhenOneDies(t *testing.T) {
	db := testDB(t)
	var rs []*helper
	for i := range 4 {
		r := startHelper(t, "readloop", "DB", db, "PROC", fmt.Sprint("reader", i), "HOLDUS", "1000")
		r.expect("ready")
		rs = append(rs, r)
	}
	long := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "long-reader", "HOLDUS", "1000000")
	long.expect("locked")
	var ws []*helper
	for i := range 3 {
		w := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", fmt.Sprint("writer", i), "BUDGET", "5s")
		waitBlocked(t, w.pid())
		ws = append(ws, w)
	}
	t.Logf("writers %d, %d, %d queued behind the long reader; killing %d", ws[0].pid(), ws[1].pid(), ws[2].pid(), ws[0].pid())
	ws[0].crash()
	long.send("release") // honoured a second after it took the lock
	long.expect("released")
	long.wait()
	serveWriters(t, db, ws[1:])
	for _, r := range rs {
		r.stdin.Close()
		t.Log(r.expect("holds"))
		r.wait()
	}
}

// serveWriters waits for each of ws to say "locked", in whatever order the
// kernel grants them, checks that the writers still waiting hold their
// gates, and lets each one go.
func serveWriters(t *testing.T, db string, ws []*helper) {
	t.Helper()
	type said struct {
		w    *helper
		line string
		ok   bool
	}
	lines := make(chan said, len(ws))
	for _, w := range ws {
		go func() {
			line, ok := <-w.lines
			lines <- said{w, line, ok}
		}()
	}
	waiting := slices.Clone(ws)
	for range ws {
		var s said
		select {
		case s = <-lines:
		case <-time.After(waitLimit):
			t.Fatalf("no writer got in within %v", waitLimit)
		}
		if !s.ok || s.line != "locked" {
			t.Fatalf("writer %d said %q (open=%v), want \"locked\": it gave up against the looping readers", s.w.pid(), s.line, s.ok)
		}
		waiting = slices.DeleteFunc(waiting, func(w *helper) bool { return w == s.w })
		t.Logf("writer %d holds; %d still waiting", s.w.pid(), len(waiting))
		checkGated(t, db, waiting)
		s.w.send("release")
		s.w.expect("released")
		s.w.wait()
	}
}

// checkGated reports an error unless every helper in ws holds a gate of the
// lock file of db.
func checkGated(t *testing.T, db string, ws []*helper) {
	t.Helper()
	held := gateHolders(t, New(db, Options{}).Path())
	for _, w := range ws {
		if !slices.Contains(held, w.pid()) {
			t.Errorf("waiting writer %d holds no gate (gate holders: %v)", w.pid(), held)
		}
	}
}

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
