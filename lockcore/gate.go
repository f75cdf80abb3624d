package lockcore

import (
	"math/rand/v2"
	"time"
)

// The writer-preference gates live in a range of bytes of the lock file far
// past the record. Each process has a slot of gateTurns bytes, at
// gateOffset plus its pid modulo gateSlots; when another process (in
// another pid namespace) holds that slot, the next of gateProbes slots is
// used. Each wait of the process takes the next byte of its slot in turn,
// so a reader deferring to one wait can tell that it ended even if the same
// process waits again before the reader looks. How a gate is held and found
// is per platform (gate_unix.go, gate_windows.go).
const (
	gateOffset = 1 << 40
	gateSlots  = 1 << 22 // one slot per pid
	gateTurns  = 16      // bytes per slot, one per wait in turn
	gateSpan   = gateSlots * gateTurns
	gateProbes = 8 // slots tried from the process's own before giving up
)

// takeGate lets readers know a writer waits: it takes this process's gate
// unless f already holds it or nobody waits for f. h.mu must be held.
func (h *handle) takeGate(f *flight) {
	if f.waiters > 0 && f.gate == 0 {
		f.gate = gateTry(h.fd, h.gateTurn)
		h.gateTurn++
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
