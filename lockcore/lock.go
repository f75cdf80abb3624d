package lockcore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Mode is how a lock is held.
type Mode string

// The two lock modes.
const (
	ModeShared    Mode = "shared"    // readers: any number at once
	ModeExclusive Mode = "exclusive" // a writer: nobody else
)

// Lock is the cross-process lock on one database. It behaves like a
// sync.RWMutex shared with other processes: Acquire and AcquireShared block
// (within the budget) and Release gives back one hold. A Lock may be used by
// many goroutines; all Locks on the same file within a process share one
// open descriptor and one kernel lock, so goroutines serialise in memory.
//
// If the holding process dies, the kernel frees the lock at once and the
// next holder overwrites the record it left. A holder that hangs is never
// robbed, however long it holds: StaleTimeout only marks it "possibly hung".
type Lock struct {
	path string
	opts Options

	mu     sync.Mutex
	h      *handle
	excl   bool
	shared int
}

// New returns a Lock for the database at dbPath. The lock file is
// LockFileName in dbPath's directory; the directory and the file are created
// on first acquisition, and errors about the path surface there.
func New(dbPath string, opts Options) *Lock {
	return &Lock{path: lockPath(dbPath), opts: opts.withDefaults()}
}

// Path returns the absolute path of the lock file.
func (l *Lock) Path() string { return l.path }

// Acquire takes the lock exclusively, waiting at most the budget (see
// Options.Budget) or until ctx is done. When the lock stays busy it returns a
// *LockedError; when ctx is cancelled, an error wrapping ctx.Err(). On any
// error nothing is held.
func (l *Lock) Acquire(ctx context.Context) error { return l.acquire(ctx, ModeExclusive) }

// AcquireShared takes the lock shared with other readers, under the same
// rules as Acquire. A writer that is waiting goes first.
func (l *Lock) AcquireShared(ctx context.Context) error { return l.acquire(ctx, ModeShared) }

// TryAcquire takes the lock exclusively if that is possible without waiting
// and reports whether it did. A busy lock is not an error.
func (l *Lock) TryAcquire() (bool, error) {
	h, err := l.handle()
	if err != nil {
		return false, err
	}
	if !h.sem.TryAcquire(writerWeight) {
		return false, nil
	}
	c := newClaim(ModeExclusive, l.opts)
	h.mu.Lock()
	ok := h.flight == nil && h.kmode == ""
	if ok {
		ok, err = h.tryKernel(c)
	}
	h.mu.Unlock()
	if !ok {
		h.sem.Release(writerWeight)
		return false, err
	}
	l.mark(h, ModeExclusive)
	return true, nil
}

// Release gives back one hold taken through l: the exclusive hold if there
// is one, otherwise one shared hold. When the last hold of the process goes,
// the kernel lock is dropped; the record stays in the file, names the last
// holder and is marked free (the file itself is never deleted). Release
// without a hold returns ErrNotHeld.
func (l *Lock) Release() error {
	l.mu.Lock()
	mode := l.take()
	h := l.h
	l.mu.Unlock()
	if mode == "" {
		return ErrNotHeld
	}
	h.release(mode)
	return nil
}

func (l *Lock) handle() (*handle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.h == nil {
		h, err := lookup(l.path)
		if err != nil {
			return nil, err
		}
		l.h = h
	}
	return l.h, nil
}

func (l *Lock) acquire(ctx context.Context, mode Mode) error {
	h, err := l.handle()
	if err != nil {
		return err
	}
	if err := reentry(ctx, h, mode); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("lockcore: acquire %s: %w", l.path, err)
	}
	w := newWaiter(ctx, l.opts.Budget())
	defer w.stop()
	n, err := h.acquire(w, newClaim(mode, l.opts))
	if err != nil {
		return l.busy(ctx, h, w, n, err)
	}
	l.mark(h, mode)
	return nil
}

// mark records a hold and tells the race detector about it.
func (l *Lock) mark(h *handle, mode Mode) {
	if mode == ModeShared {
		h.rw.RLock()
	} else {
		h.rw.Lock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if mode == ModeShared {
		l.shared++
	} else {
		l.excl = true
	}
}

// take removes one hold from l's count and returns its mode, "" if none.
// l.mu must be held.
func (l *Lock) take() Mode {
	switch {
	case l.excl:
		l.excl = false
		return ModeExclusive
	case l.shared > 0:
		l.shared--
		return ModeShared
	}
	return ""
}

// busy turns a failed wait into the caller's error.
func (l *Lock) busy(ctx context.Context, h *handle, w *waiter, attempts int, err error) error {
	if !isCtxErr(err) {
		return err
	}
	if ctx.Err() == context.Canceled {
		return fmt.Errorf("lockcore: acquire %s: %w", l.path, ctx.Err())
	}
	le := h.lockedError(l.opts)
	le.Waited, le.Attempts, le.cause = time.Since(w.start), attempts, err
	l.opts.Logger.Debug("lockcore: gave up", "path", l.path, "detail", le.Detail())
	return le
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
