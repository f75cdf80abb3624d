package lockcore

import (
	"errors"

	"golang.org/x/sys/unix"
)

// flight is one blocking kernel acquisition, run by a goroutine so that
// waiters are woken the moment the lock is released instead of polling.
// There is at most one flight per handle. Waiters that give up decrement
// waiters; if none is left when the kernel grants the lock, the goroutine
// releases it at once, so a cancel never leaks a lock. The goroutine itself
// ends when the kernel answers: it cannot be interrupted, so after a cancel
// it lingers (one per lock file at most) until the holder releases or dies.
// errAbandoned ends a flight that everyone gave up on before it reached
// the kernel.
var errAbandoned = errors.New("lockcore: wait abandoned")

type flight struct {
	mode     Mode
	waiters  int
	finished bool
	gated    bool // holds the gate (writers only)
	err      error
	done     chan struct{}
}

// startFlight begins a blocking acquisition of c.mode for one waiter.
// h.mu must be held.
func (h *handle) startFlight(c claim) *flight {
	f := &flight{mode: c.mode, waiters: 1, done: make(chan struct{})}
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
			flockOp(h.fd, unix.LOCK_UN) // everyone gave up meanwhile
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

// finish publishes f's outcome and drops the gate. h.mu must be held.
func (h *handle) finish(f *flight, err error) {
	h.dropGate(f)
	f.finished, f.err, h.flight = true, err, nil
	close(f.done)
}

// takeGate lets readers know a writer waits, if no other writer does.
func (h *handle) takeGate(f *flight) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f.waiters > 0 && gateTry(h.fd) {
		f.gated = true
	}
}

// dropGate releases the gate if f holds it: when f is granted the lock, or
// when everyone gave up on f, so that an abandoned writer does not hold
// readers back. h.mu must be held.
func (h *handle) dropGate(f *flight) {
	if f.gated {
		gateRelease(h.fd)
		f.gated = false
	}
}

// blockingLock waits in the kernel for the lock. A writer takes the gate
// first, if free, so that readers arriving meanwhile defer to it; a reader
// first waits until no writer (in another process, not stopped) is at the
// gate.
func (h *handle) blockingLock(f *flight) error {
	if f.mode == ModeExclusive {
		h.takeGate(f)
		_, err := flockOp(h.fd, unix.LOCK_EX)
		return err
	}
	if err := h.awaitGate(f); err != nil {
		return err
	}
	_, err := flockOp(h.fd, unix.LOCK_SH)
	return err
}
