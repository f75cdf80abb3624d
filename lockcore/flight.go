package lockcore

import "golang.org/x/sys/unix"

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
	err := h.blockingLock(f.mode)
	h.mu.Lock()
	defer h.mu.Unlock()
	f.finished, f.err, h.flight = true, err, nil
	defer close(f.done)
	if err != nil {
		return
	}
	if f.waiters == 0 {
		flockOp(h.fd, unix.LOCK_UN)
		return
	}
	h.kmode = f.mode
	if f.mode == ModeShared {
		h.readers, h.closed = f.waiters, false
	}
	f.err = h.record(c)
	if f.err != nil {
		h.unlockKernel()
	}
}

// blockingLock passes the gate and waits in the kernel for the lock. A
// writer holds the gate while it waits, so readers arriving after it queue
// behind it; a reader holds the gate only until it gets its shared lock.
func (h *handle) blockingLock(mode Mode) error {
	if _, err := gate(h.fd, unix.F_WRLCK, true); err != nil {
		return err
	}
	_, err := flockOp(h.fd, flockHow(mode))
	gate(h.fd, unix.F_UNLCK, false)
	return err
}
