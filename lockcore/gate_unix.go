//go:build unix

package lockcore

import (
	"math/rand/v2"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The writer-preference gates live in a range of bytes of the lock file far
// past the record. Each process has a slot of gateTurns bytes, at
// gateOffset plus its pid modulo gateSlots; when another process (in
// another pid namespace) holds that slot, the next of gateProbes slots is
// used. Each wait of the process takes the next byte of its slot in turn,
// so a reader deferring to one wait can tell that it ended even if the same
// process waits again before the reader looks.
//
// A gate is a classic (POSIX) fcntl write lock on one byte, held by a
// writer for as long as it waits for the lock. fcntl and flock locks are
// independent, so the gates never touch the main lock. A gate is never
// waited for in the kernel: a process that finds one held by another
// process defers to that writer, unless the writer is stopped (SIGSTOP,
// Ctrl-Z). Any close of the file by the process drops its gates, which
// costs the preference, never exclusion; lockcore keeps its descriptor open
// and closes another only when a second path leads to the same file.
const (
	gateOffset = 1 << 40
	gateSlots  = 1 << 22 // one slot per pid
	gateTurns  = 16      // bytes per slot, one per wait in turn
	gateSpan   = gateSlots * gateTurns
	gateProbes = 8 // slots tried from the process's own before giving up
)

// gateTry takes a gate for this process's wait number turn and returns its
// offset, or 0 if every slot tried is held by other processes; the writer
// then waits without preference.
func gateTry(fd int, turn uint) int64 {
	slot := int64(os.Getpid()) % gateSlots
	for i := range int64(gateProbes) {
		off := gateOffset + (slot+i)%gateSlots*gateTurns + int64(turn%gateTurns)
		if gateSet(fd, unix.F_WRLCK, off) == nil {
			return off
		}
	}
	return 0
}

// gateRelease drops the gate at off.
func gateRelease(fd int, off int64) { gateSet(fd, unix.F_UNLCK, off) }

func gateSet(fd int, typ int16, off int64) error {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: off, Len: 1}
	for {
		err := unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk)
		if err != unix.EINTR {
			return err
		}
	}
}

// gateBusy reports whether a writer in another process, not stopped, is
// waiting at a gate. With no stopped writer about, that is one F_GETLK.
func gateBusy(fd int) bool { return gateFirst(fd) != 0 }

// gateFirst returns the offset of a gate held by a writer of another
// process that is not stopped, or 0 if there is none. Linux reports locks
// in the order they were taken, so there it is the writer that has waited
// longest, unless a stopped one hid it; elsewhere, some waiting writer.
func gateFirst(fd int) int64 { return gateFind(fd, gateOffset, gateOffset+gateSpan) }

// gateHeld reports whether the gate at off is still held by a writer of
// another process that is not stopped.
func gateHeld(fd int, off int64) bool { return gateFind(fd, off, off+1) != 0 }

// gateFind looks for a gate in [lo, hi) held by a process that is not
// stopped and returns its offset, or 0. F_GETLK reports one conflicting
// lock; when its holder is stopped, the bytes before and after it are
// searched in turn.
func gateFind(fd int, lo, hi int64) int64 {
	for lo < hi {
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: lo, Len: hi - lo}
		if err := unix.FcntlFlock(uintptr(fd), unix.F_GETLK, &lk); err != nil || lk.Type == unix.F_UNLCK {
			return 0
		}
		if lk.Pid <= 0 || !stopped(int(lk.Pid)) {
			return max(lo, lk.Start)
		}
		if lk.Start > lo {
			if off := gateFind(fd, lo, lk.Start); off != 0 {
				return off
			}
		}
		if lk.Len <= 0 {
			return 0 // the stopped holder's lock runs to the end of the file
		}
		lo = lk.Start + lk.Len
	}
	return 0
}

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
