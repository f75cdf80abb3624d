package lockcore

import (
	"context"
	"fmt"
)

// heldKey marks, in a context, that the lock of one handle is held.
type heldKey struct{ h *handle }

// WithLock runs fn while holding the lock on dbPath exclusively, and
// releases it when fn returns or panics. fn receives a context that carries
// the hold: WithLock and WithSharedLock called with it for the same database
// run their fn at once instead of acquiring again. Other goroutines, even
// of this process, wait their turn.
func WithLock(ctx context.Context, dbPath string, opts Options, fn func(context.Context) error) error {
	return with(ctx, dbPath, opts, ModeExclusive, fn)
}

// WithSharedLock is WithLock in shared mode. A WithLock nested in it with
// its context fails with ErrUpgrade rather than deadlock.
func WithSharedLock(ctx context.Context, dbPath string, opts Options, fn func(context.Context) error) error {
	return with(ctx, dbPath, opts, ModeShared, fn)
}

func with(ctx context.Context, dbPath string, opts Options, mode Mode, fn func(context.Context) error) error {
	l := New(dbPath, opts)
	h, err := l.handle()
	if err != nil {
		return err
	}
	if held, ok := ctx.Value(heldKey{h}).(Mode); ok {
		if mode == ModeExclusive && held == ModeShared {
			return fmt.Errorf("%w: %s", ErrUpgrade, l.path)
		}
		return fn(ctx)
	}
	if err := l.acquire(ctx, mode); err != nil {
		return err
	}
	defer l.Release()
	return fn(context.WithValue(ctx, heldKey{h}, mode))
}

// HeldMode reports whether ctx was handed out by WithLock or WithSharedLock
// for dbPath's lock, and in which mode.
func HeldMode(ctx context.Context, dbPath string) (Mode, bool) {
	h := peek(lockPath(dbPath))
	if h == nil {
		return "", false
	}
	m, ok := ctx.Value(heldKey{h}).(Mode)
	return m, ok
}

// reentry refuses to acquire again under a hold carried by ctx, which could
// only wait for itself.
func reentry(ctx context.Context, h *handle, mode Mode) error {
	held, ok := ctx.Value(heldKey{h}).(Mode)
	switch {
	case !ok:
		return nil
	case mode == ModeExclusive && held == ModeShared:
		return fmt.Errorf("%w: %s", ErrUpgrade, h.path)
	}
	return fmt.Errorf("%w: %s", ErrHeld, h.path)
}
