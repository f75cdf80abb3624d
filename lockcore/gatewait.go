package lockcore

import (
	"math/rand/v2"
	"time"
)

// Bounds of the pause between looks at the gate while a writer waits there.
const (
	gatePollMin = 250 * time.Microsecond
	gatePollMax = 10 * time.Millisecond
)

// awaitGate returns once no writer of another process waits at the gate,
// or errAbandoned when every waiter of f has given up. A writer at the gate
// is itself blocked in the kernel and releases the gate the moment it is
// granted the lock, so a reader looks again after a short jittered pause,
// doubling up to gatePollMax. This is the only polling in lockcore; it
// happens only while a writer waits, and the reader is then woken by the
// kernel when that writer releases.
func (h *handle) awaitGate(f *flight) error {
	pause := gatePollMin
	for gateBusy(h.fd) {
		if h.abandon(f) {
			return errAbandoned
		}
		time.Sleep(pause/2 + rand.N(pause))
		pause = min(2*pause, gatePollMax)
	}
	return nil
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
