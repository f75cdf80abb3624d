package lockcore

import (
	"os"
	"runtime"
)

// A gate is an exclusive LockFileEx lock on one byte, taken through the
// handle's fd (never through lk, which may be blocked in LockFileEx) and
// held by a writer for as long as it waits for the lock. The gates lie past
// the lock byte (lockOffset) and never overlap it.
//
// Windows cannot say who holds a lock, so gates are found by probing: a
// shared lock on a range, taken without waiting and dropped at once, fails
// exactly when some gate in the range is held (see rangeFree). Probes
// conflict only with gates, never with each other, and a process never
// probes while it holds a gate itself: a writer holds its gate only during
// its own flight, and no process makes kernel attempts or joins a shared
// lock while a flight of its own is under way. A probe can make a writer's
// attempt at its gate fail for a moment; gateTake tells that from a gate
// held by another writer and tries again.
//
// Windows has no stopped processes (no SIGSTOP), so every gate holder is
// respected; a writer whose process dies loses its gate with its handles.
// Pids are unique machine-wide, so writers never share a slot.

// gateTry takes a gate for this process's wait number turn and returns its
// offset, or 0 if every slot tried is held by other processes; the writer
// then waits without preference.
func gateTry(fd sysFile, turn uint) int64 {
	slot := int64(os.Getpid()) % gateSlots
	for i := range int64(gateProbes) {
		off := gateOffset + (slot+i)%gateSlots*gateTurns + int64(turn%gateTurns)
		if gateTake(fd, off) {
			return off
		}
	}
	return 0
}

// gateTakeTries bounds how often gateTake tries again while readers' probes
// are in the way.
const gateTakeTries = 1000

// gateTake takes the gate at off, unless another writer holds it. A failed
// attempt whose byte a shared probe can still lock met a reader's probe,
// not a gate: it tries again.
func gateTake(fd sysFile, off int64) bool {
	for range gateTakeTries {
		if ok, _ := tryRange(fd, lockFlags(ModeExclusive), off, 1); ok {
			return true
		}
		if !rangeFree(fd, off, 1) {
			return false
		}
		runtime.Gosched()
	}
	return false
}

// gateRelease drops the gate at off.
func gateRelease(fd sysFile, off int64) { unlockRange(fd, off, 1) }

// gateBusy reports whether a writer in another process is waiting at a
// gate: one probe over all of them.
func gateBusy(fd sysFile) bool { return !rangeFree(fd, gateOffset, gateSpan) }

// gateFirst returns the offset of a gate held by a writer of another
// process, or 0 if there is none: the lowest, found by halving the range.
func gateFirst(fd sysFile) int64 { return gateFind(fd, gateOffset, gateOffset+gateSpan) }

// gateHeld reports whether the gate at off is still held by a writer of
// another process.
func gateHeld(fd sysFile, off int64) bool { return !rangeFree(fd, off, 1) }

// gateFind returns the lowest held gate in [lo, hi), or 0. A gate dropped
// during the search may make it return 0 or a gate no longer held; either
// way the writer it belonged to is through.
func gateFind(fd sysFile, lo, hi int64) int64 {
	if rangeFree(fd, lo, hi-lo) {
		return 0
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if !rangeFree(fd, lo, mid-lo) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}
