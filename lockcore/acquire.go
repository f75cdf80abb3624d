package lockcore

import (
	"context"
	"log/slog"

	"golang.org/x/sys/unix"
)

// claim is what a new holder writes, and where it logs.
type claim struct {
	mode Mode
	proc string
	log  *slog.Logger
}

// newClaim returns the claim of a caller; a nil logger is silent.
func newClaim(mode Mode, o Options) claim {
	return claim{mode: mode, proc: o.ProcessType, log: o.Logger}
}

// verbose reports whether debug logging is on. The uncontended path checks
// it before building log arguments, which would otherwise allocate.
func (c claim) verbose() bool { return c.log.Enabled(context.Background(), slog.LevelDebug) }

func (c claim) weight() int64 {
	if c.mode == ModeShared {
		return 1
	}
	return writerWeight
}

// acquire queues in memory, then takes or joins the kernel lock. It returns
// the number of kernel attempts and, on failure, the waiter's context error.
func (h *handle) acquire(w *waiter, c claim) (int, error) {
	if !h.sem.TryAcquire(c.weight()) {
		c.log.Debug("lockcore: waiting in process", "path", h.path, "mode", c.mode)
		if err := h.sem.Acquire(w.context(), c.weight()); err != nil {
			return 0, err
		}
	}
	n, err := h.kernelAcquire(w, c)
	if err != nil {
		h.sem.Release(c.weight())
	}
	return n, err
}

// kernelAcquire takes the kernel lock in c.mode, joins this process's shared
// lock, or waits for a flight; it loops until one of them succeeds.
func (h *handle) kernelAcquire(w *waiter, c claim) (attempts int, err error) {
	for {
		h.mu.Lock()
		s := h.step(c, &attempts)
		h.mu.Unlock()
		switch {
		case s.done:
			return attempts, s.err
		case s.flight != nil:
			return attempts, h.awaitFlight(w, s.flight)
		}
		select {
		case <-s.wait:
		case <-w.done():
			return attempts, w.err()
		}
	}
}

// stepResult is what one look at the handle decided: done (with err), wait
// for a flight's outcome, or wait for a change and look again.
type stepResult struct {
	done   bool
	err    error
	flight *flight
	wait   <-chan struct{}
}

// step makes one decision under h.mu.
func (h *handle) step(c claim, attempts *int) stepResult {
	switch {
	case c.mode == ModeShared && h.kmode == ModeShared:
		if h.joinShared() {
			return stepResult{done: true}
		}
		return stepResult{wait: h.drainedChan()}
	case h.flight != nil && h.flight.mode == c.mode:
		h.join(h.flight)
		return stepResult{flight: h.flight}
	case h.flight != nil:
		return stepResult{wait: h.flight.done}
	case h.kmode != "":
		return stepResult{wait: h.drainedChan()}
	}
	*attempts++
	if c.verbose() {
		c.log.Debug("lockcore: attempt", "path", h.path, "mode", c.mode, "attempt", *attempts)
	}
	if ok, err := h.tryKernel(c); ok || err != nil {
		return stepResult{done: true, err: err}
	}
	c.log.Debug("lockcore: busy, waiting for release", "path", h.path, "mode", c.mode)
	return stepResult{flight: h.startFlight(c)}
}

// awaitFlight waits for f. On a cancel it withdraws; if f already won on
// its behalf, it gives that hold back.
func (h *handle) awaitFlight(w *waiter, f *flight) error {
	select {
	case <-f.done:
		return f.err
	case <-w.done():
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !f.finished {
		if f.waiters--; f.waiters == 0 {
			h.dropGate(f)
		}
	} else if f.err == nil {
		h.releaseLocked(f.mode)
	}
	return w.err()
}

// tryKernel takes the kernel lock without blocking. h.mu must be held and
// the process must hold no kernel lock.
func (h *handle) tryKernel(c claim) (bool, error) {
	ok, err := h.tryFlock(c.mode)
	if !ok || err != nil {
		return false, err
	}
	h.kmode = c.mode
	if c.mode == ModeShared {
		h.readers, h.closed = 1, false
	}
	if err := h.record(c); err != nil {
		h.unlockKernel()
		return false, err
	}
	return true, nil
}

// tryFlock makes one non-blocking kernel attempt, unless a writer of
// another process waits at a gate: then this one queues too, so readers
// do not overtake a waiting writer, and a writer that has just released
// does not barge back in ahead of it.
func (h *handle) tryFlock(mode Mode) (bool, error) {
	if gateBusy(h.fd) {
		return false, nil
	}
	return flockOp(h.fd, flockHow(mode)|unix.LOCK_NB)
}

func flockHow(mode Mode) int {
	if mode == ModeShared {
		return unix.LOCK_SH
	}
	return unix.LOCK_EX
}

// joinShared admits one more reader of this process to its shared kernel
// lock, unless a writer somewhere waits at a gate. h.mu must be held.
func (h *handle) joinShared() bool {
	if !h.closed && gateBusy(h.fd) {
		h.closed = true
	}
	if h.closed {
		return false
	}
	h.readers++
	return true
}
