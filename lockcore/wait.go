package lockcore

import (
	"context"
	"errors"
	"time"
)

// waiter carries one acquisition's budget. The budget context is created
// only when the call actually has to wait, so an uncontended cycle pays
// nothing for it.
type waiter struct {
	parent context.Context
	budget time.Duration
	start  time.Time
	ctx    context.Context
	cancel context.CancelFunc
}

func newWaiter(ctx context.Context, budget time.Duration) *waiter {
	return &waiter{parent: ctx, budget: budget, start: time.Now()}
}

func (w *waiter) context() context.Context {
	if w.ctx == nil {
		w.ctx, w.cancel = context.WithDeadline(w.parent, w.start.Add(w.budget))
	}
	return w.ctx
}

func (w *waiter) done() <-chan struct{} { return w.context().Done() }

func (w *waiter) err() error { return w.context().Err() }

func (w *waiter) stop() {
	if w.cancel != nil {
		w.cancel()
	}
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

// errAbandoned ends a flight that everyone gave up on before it reached
// the kernel.
var errAbandoned = errors.New("lockcore: wait abandoned")

// flight is one blocking kernel acquisition, run by a goroutine so that
// waiters are woken the moment the lock is released instead of polling.
// There is at most one flight per handle. Waiters that give up decrement
// waiters; if none is left when the kernel grants the lock, the goroutine
// releases it at once, so a cancel never leaks a lock. The goroutine itself
// ends when the kernel answers: it cannot be interrupted, so after a cancel
// it lingers (one per lock file at most) until the holder releases or dies.
type flight struct {
	mode     Mode
	waiters  int
	finished bool
	gate     int64 // offset of the gate held (writers only), 0 if none
	err      error
	done     chan struct{}
}

// startFlight begins a blocking acquisition of c.mode for one waiter. A
// writer takes its gate here, before its goroutine runs, so that readers
// defer to it from the moment it waits. h.mu must be held.
func (h *handle) startFlight(c claim) *flight {
	f := &flight{mode: c.mode, waiters: 1, done: make(chan struct{})}
	if f.mode == ModeExclusive {
		h.takeGate(f)
	}
	h.flight = f
	go h.fly(f, c)
	return f
}

func (h *handle) fly(f *flight, c claim) {
	err := h.blockingLock(f)
	if err == errAbandoned {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || f.waiters == 0 {
		if err == nil {
			kernelUnlock(h.lk) // everyone gave up meanwhile
		}
		h.finish(f, err)
		return
	}
	h.kmode = f.mode
	if f.mode == ModeShared {
		h.readers, h.closed = f.waiters, false
	}
	if err := h.record(c); err != nil {
		h.unlockKernel()
		h.finish(f, err)
		return
	}
	h.finish(f, nil)
}

// finish publishes f's outcome and drops its gate. h.mu must be held.
func (h *handle) finish(f *flight, err error) {
	h.dropGate(f)
	f.finished, f.err, h.flight = true, err, nil
	close(f.done)
}

// join adds a waiter to f. A writer flight that everyone had given up on
// dropped its gate; the new waiter takes one again. h.mu must be held.
func (h *handle) join(f *flight) {
	f.waiters++
	if f.mode == ModeExclusive {
		h.takeGate(f)
	}
}

// abandon ends f if nobody waits for it any more.
func (h *handle) abandon(f *flight) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f.waiters > 0 {
		return false
	}
	h.finish(f, errAbandoned)
	return true
}

// blockingLock waits in the kernel for the lock. A writer holds its gate
// meanwhile (taken by startFlight, dropped by finish or when everyone gives
// up); a reader first waits until no writer (in another process, not
// stopped) is at a gate.
func (h *handle) blockingLock(f *flight) error {
	if f.mode == ModeShared {
		if err := h.awaitGate(f); err != nil {
			return err
		}
	}
	return kernelWait(h.lk, f.mode)
}
