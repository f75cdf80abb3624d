package lockcore

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	if got := (Options{}).Budget(); got != 5*time.Second {
		t.Errorf("Options{}.Budget() = %v, want 5s", got)
	}
	if got := (Options{MaxRetries: 3, RetryDelay: time.Second}).Budget(); got != 3*time.Second {
		t.Errorf("Budget(3, 1s) = %v, want 3s", got)
	}
	if got := (Options{MaxRetries: math.MaxInt, RetryDelay: time.Hour}).Budget(); got <= 0 {
		t.Errorf("Budget(MaxInt, 1h) = %v, want a positive budget", got)
	}
	if got := (Options{Timeout: 1500 * time.Millisecond, MaxRetries: 3, RetryDelay: time.Hour}).Budget(); got != 1500*time.Millisecond {
		t.Errorf("Budget(Timeout 1.5s, 3 x 1h) = %v, want 1.5s", got)
	}
	if got := (Options{Timeout: NoWait, MaxRetries: 3, RetryDelay: time.Hour}).Budget(); got != 0 {
		t.Errorf("Budget(NoWait) = %v, want 0", got)
	}
}

// TestTimeoutBudget: against a holder in another process, Timeout is the
// whole wait (the retries' hour does not count) and NoWait gives up after
// one attempt; both with a *LockedError naming the holder. NoWait goes
// first: the timed wait leaves a flight blocked in the kernel, which a
// later caller joins instead of making an attempt of its own.
func TestTimeoutBudget(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "cli")
	h.expect("locked")
	for _, timeout := range []time.Duration{NoWait, 30 * time.Millisecond} {
		l := New(db, Options{Timeout: timeout, MaxRetries: 1, RetryDelay: time.Hour})
		err := l.Acquire(context.Background())
		var le *LockedError
		if !errors.As(err, &le) || le.Waited >= time.Hour || le.Holder == nil || le.Holder.Process != "cli" {
			t.Fatalf("Acquire with Timeout %v = %v, want *LockedError naming the cli holder", timeout, err)
		}
		if timeout == NoWait && le.Attempts != 1 {
			t.Errorf("Acquire with NoWait made %d attempts, want 1", le.Attempts)
		}
		t.Logf("Timeout %v: gave up after %v, %d attempts", timeout, le.Waited, le.Attempts)
	}
	h.send("release")
	h.expect("released")
}

// TestContextDeadlineWins: a context deadline sooner than the budget ends
// the wait with a *LockedError that also wraps context.DeadlineExceeded; a
// cancel gives the context's error, not ErrLocked.
func TestContextDeadlineWins(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "cli")
	h.expect("locked")
	l := New(db, Options{MaxRetries: 1, RetryDelay: time.Hour})
	if _, err := l.handle(); err != nil { // opened before the deadline starts
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := l.Acquire(ctx)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, context.DeadlineExceeded) || le.Waited >= time.Hour {
		t.Fatalf("Acquire with deadline = %v, want *LockedError wrapping DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go cancel()
	if err := l.AcquireShared(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrLocked) {
		t.Fatalf("AcquireShared after cancel = %v, want context.Canceled", err)
	}
	h.send("release")
	h.expect("released")
	mustAcquire(t, l, ModeExclusive)
}

// TestWokenOnRelease: a waiter makes one kernel attempt, then sleeps in the
// kernel and is woken by the release; it never polls, so even a RetryDelay
// of an hour does not delay it.
func TestWokenOnRelease(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "cli")
	h.expect("locked")
	var logs logBuffer
	l := New(db, Options{MaxRetries: 1, RetryDelay: time.Hour, Logger: debugLogger(&logs)})
	errc := make(chan error)
	go func() { errc <- l.Acquire(context.Background()) }()
	waitFor(func() bool { return logs.count("waiting for release") > 0 })
	h.send("release")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if n := logs.count("lockcore: attempt"); n != 1 {
		t.Fatalf("%d kernel attempts, want 1 then a wake-up:\n%s", n, logs.String())
	}
	l.Release()
}

// TestCancelLeaksNothing: waiters that give up against a holder in another
// process leave at most one kernel waiter behind, which lets go as soon as
// the holder releases; then the goroutine count returns to its baseline and
// the lock is free.
func TestCancelLeaksNothing(t *testing.T) {
	db := testDB(t)
	base := runtime.NumGoroutine()
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "cli")
	h.expect("locked")
	l := New(db, Options{})
	if _, err := l.handle(); err != nil { // opened before the 1 ms budgets start
		t.Fatal(err)
	}
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		mode := []Mode{ModeExclusive, ModeShared}[i%2]
		if err := l.acquire(ctx, mode); !errors.Is(err, ErrLocked) {
			t.Fatalf("acquire %s against a holder = %v, want ErrLocked", mode, err)
		}
		cancel()
	}
	h.send("release")
	h.expect("released")
	h.wait()
	waitGoroutines(t, base)
	mustBeFree(t, db, l)
}

// TestCancelRacesAcquisition races cancellation against acquisition while
// two processes keep taking the shared lock.
func TestCancelRacesAcquisition(t *testing.T) {
	db := testDB(t)
	base := runtime.NumGoroutine()
	var hs []*helper
	for range 2 {
		h := startHelper(t, "readloop", "DB", db, "PROC", "x")
		h.expect("ready")
		hs = append(hs, h)
	}
	l := New(db, Options{})
	won := 0
	for i := range 300 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(300))*time.Microsecond)
		if i%5 == 0 {
			go cancel()
		}
		if l.Acquire(ctx) == nil {
			won++
			l.Release()
		}
		cancel()
	}
	for _, h := range hs {
		h.stdin.Close()
		h.expect("holds")
		h.wait()
	}
	t.Logf("%d of 300 raced acquisitions won", won)
	waitGoroutines(t, base)
	mustBeFree(t, db, l)
}

func mustBeFree(t *testing.T, db string, l *Lock) {
	t.Helper()
	if ok, err := l.TryAcquire(); !ok || err != nil {
		t.Fatalf("TryAcquire = %v, %v; a lock leaked", ok, err)
	}
	l.Release()
	if st, _ := Inspect(db, Options{}); st.Locked {
		t.Fatalf("Inspect = %+v, want free", st)
	}
}

// waitGoroutines polls, with a deadline, until at most n goroutines remain
// (the helper's pipe readers have ended by then).
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	if !waitFor(func() bool { return runtime.NumGoroutine() <= n }) {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
	}
}
