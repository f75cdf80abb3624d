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

// finish publishes f's outcome and drops its gate. h.mu must be held.
func (h *handle) finish(f *flight, err error) {
	h.dropGate(f)
	f.finished, f.err, h.flight = true, err, nil
	close(f.done)
}

// takeGate lets readers know a writer waits: it takes this process's gate
// unless f already holds it or nobody waits for f. h.mu must be held.
func (h *handle) takeGate(f *flight) {
	if f.waiters > 0 && f.gate == 0 {
		f.gate = gateTry(h.fd, h.gateTurn)
		h.gateTurn++
	}
}

// join adds a waiter to f. A writer flight that everyone had given up on
// dropped its gate; the new waiter takes one again. h.mu must be held.
func (h *handle) join(f *flight) {
	f.waiters++
	if f.mode == ModeExclusive {
		h.takeGate(f)
	}
}

// dropGate releases f's gate if it holds one: when f is granted the lock, or
// when everyone gave up on f, so that an abandoned writer does not hold
// readers back. h.mu must be held.
func (h *handle) dropGate(f *flight) {
	if f.gate != 0 {
		gateRelease(h.fd, f.gate)
		f.gate = 0
	}
}

// blockingLock waits in the kernel for the lock. A writer holds its gate
// meanwhile (taken by startFlight, dropped by finish or when everyone gives
// up); a reader first waits until no writer (in another process, not
// stopped) is at a gate.
func (h *handle) blockingLock(f *flight) error {
	if f.mode == ModeExclusive {
		_, err := flockOp(h.fd, unix.LOCK_EX)
		return err
	}
	if err := h.awaitGate(f); err != nil {
		return err
	}
	_, err := flockOp(h.fd, unix.LOCK_SH)
	return err
}
