package lockcore

import (
	"math/rand/v2"
	"time"
)

// Bounds of the pause between looks at the gates while a writer waits.
const (
	gatePollMin = 250 * time.Microsecond
	gatePollMax = 10 * time.Millisecond
)

// awaitGate returns once the writer that a reader found waiting at a gate
// is through (granted the lock, given up, dead or stopped), or errAbandoned
// when every waiter of f has given up. The reader defers to one writer that
// was waiting when it came, not to writers that come after it: it then
// blocks in the kernel and takes its turn with them, so a stream of writers
// does not starve readers any more than a stream of readers starves a
// writer, whose gate turns away every reader arriving after it.
//
// A writer at a gate is itself blocked in the kernel and releases its gate
// the moment it is granted the lock, so a reader looks again after a short
// jittered pause, doubling up to gatePollMax. This is the only polling in
// lockcore; it happens only while a writer waits, and the reader is then
// woken by the kernel when the lock is released.
func (h *handle) awaitGate(f *flight) error {
	first := gateFirst(h.fd)
	pause := gatePollMin
	for first != 0 && gateHeld(h.fd, first) {
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
