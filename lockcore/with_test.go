package lockcore

import (
	"context"
	"errors"
	"testing"
)

func TestWithLockReentrant(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if _, ok := HeldMode(ctx, db); ok {
		t.Fatal("HeldMode(background) = true")
	}
	ran := 0
	err := WithLock(ctx, db, Options{}, func(ctx context.Context) error {
		if m, ok := HeldMode(ctx, db); !ok || m != ModeExclusive {
			t.Errorf("HeldMode inside WithLock = %q, %v", m, ok)
		}
		return WithLock(ctx, db, Options{}, func(ctx context.Context) error {
			return WithSharedLock(ctx, db, Options{}, func(context.Context) error { ran++; return nil })
		})
	})
	if err != nil || ran != 1 {
		t.Fatalf("nested WithLock = %v, ran %d; want nil, 1", err, ran)
	}
}

func TestWithLockUpgradeFails(t *testing.T) {
	db := testDB(t)
	err := WithSharedLock(context.Background(), db, Options{}, func(ctx context.Context) error {
		if m, _ := HeldMode(ctx, db); m != ModeShared {
			t.Errorf("HeldMode = %q, want shared", m)
		}
		inner := WithLock(ctx, db, Options{}, func(context.Context) error { return nil })
		if !errors.Is(inner, ErrUpgrade) || errors.Is(inner, ErrLocked) {
			t.Errorf("WithLock inside WithSharedLock = %v, want ErrUpgrade", inner)
		}
		if err := New(db, Options{}).Acquire(ctx); !errors.Is(err, ErrUpgrade) {
			t.Errorf("Acquire with shared ctx = %v, want ErrUpgrade", err)
		}
		if err := New(db, Options{}).AcquireShared(ctx); !errors.Is(err, ErrHeld) {
			t.Errorf("AcquireShared with shared ctx = %v, want ErrHeld", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWithLockOtherGoroutineWaits: a goroutine that does not carry the
// context waits like any other process, and gives up within its budget.
func TestWithLockOtherGoroutineWaits(t *testing.T) {
	db := testDB(t)
	err := WithLock(context.Background(), db, Options{ProcessType: "mcp-server"}, func(ctx context.Context) error {
		errc := make(chan error)
		go func() { errc <- WithLock(context.Background(), db, quick, func(context.Context) error { return nil }) }()
		err := <-errc
		var le *LockedError
		if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
			t.Fatalf("other goroutine got %v, want *LockedError", err)
		}
		t.Logf("other goroutine: %v (%s)", err, le.Detail())
		if le.Holder == nil || le.Holder.Process != "mcp-server" || !le.Verified {
			t.Errorf("LockedError holder = %+v verified=%v, want this process as mcp-server", le.Holder, le.Verified)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWithLockReturnsFnErrorAndReleases(t *testing.T) {
	db := testDB(t)
	boom := errors.New("boom")
	if err := WithLock(context.Background(), db, Options{}, func(context.Context) error { return boom }); err != boom {
		t.Fatalf("WithLock = %v, want boom", err)
	}
	func() {
		defer func() { recover() }()
		WithSharedLock(context.Background(), db, Options{}, func(context.Context) error { panic("x") })
	}()
	if ok, err := New(db, Options{}).TryAcquire(); !ok || err != nil {
		t.Fatalf("TryAcquire after fn error and panic = %v, %v; want true", ok, err)
	}
}
