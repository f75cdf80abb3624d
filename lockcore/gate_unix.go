//go:build unix

package lockcore

import (
	"os"

	"golang.org/x/sys/unix"
)

// A gate is a classic (POSIX) fcntl write lock on one byte, held by a
// writer for as long as it waits for the lock. fcntl and flock locks are
// independent, so the gates never touch the main lock. A gate is never
// waited for in the kernel: a process that finds one held by another
// process defers to that writer, unless the writer is stopped (SIGSTOP,
// Ctrl-Z). Any close of the file by the process drops its gates, which
// costs the preference, never exclusion; lockcore keeps its descriptor open
// and closes another only when a second path leads to the same file.

// gateTry takes a gate for this process's wait number turn and returns its
// offset, or 0 if every slot tried is held by other processes; the writer
// then waits without preference.
func gateTry(fd sysFile, turn uint) int64 {
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
func gateRelease(fd sysFile, off int64) { gateSet(fd, unix.F_UNLCK, off) }

func gateSet(fd sysFile, typ int16, off int64) error {
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
func gateBusy(fd sysFile) bool { return gateFirst(fd) != 0 }

// gateFirst returns the offset of a gate held by a writer of another
// process that is not stopped, or 0 if there is none. Linux reports locks
// in the order they were taken, so there it is the writer that has waited
// longest, unless a stopped one hid it; elsewhere, some waiting writer.
func gateFirst(fd sysFile) int64 { return gateFind(fd, gateOffset, gateOffset+gateSpan) }

// gateHeld reports whether the gate at off is still held by a writer of
// another process that is not stopped.
func gateHeld(fd sysFile, off int64) bool { return gateFind(fd, off, off+1) != 0 }

// gateFind looks for a gate in [lo, hi) held by a process that is not
// stopped and returns its offset, or 0. F_GETLK reports one conflicting
// lock; when its holder is stopped, the bytes before and after it are
// searched in turn.
func gateFind(fd sysFile, lo, hi int64) int64 {
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
