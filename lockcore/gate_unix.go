//go:build unix

package lockcore

import "golang.org/x/sys/unix"

// gateOffset is the byte of the lock file used as the writer-preference
// gate, far past the record. fcntl record locks and flock locks are
// independent, so the gate shares the file without touching the main lock.
//
// The gate is a classic (POSIX) fcntl write lock, held by a writer while it
// waits for the lock. It is never waited for in the kernel: a process that
// finds it held by another process defers to that writer, unless the
// writer is stopped (SIGSTOP, Ctrl-Z), in which case it is ignored, so a
// stopped waiter keeps nobody out of a free lock. That is why it is a
// POSIX lock, whose holder pid F_GETLK reports, and not an open file
// description lock, whose holder is anonymous. The price: POSIX locks
// belong to the process and any close of the file by the process drops
// them, which costs only the preference, never exclusion; lockcore keeps
// its descriptor open and closes others only in rare cases (a second path
// to the same file).
const gateOffset = 1 << 40

// gateTry takes the gate if no other process holds it.
func gateTry(fd int) bool {
	return gateSet(fd, unix.F_WRLCK) == nil
}

// gateRelease drops the gate.
func gateRelease(fd int) { gateSet(fd, unix.F_UNLCK) }

func gateSet(fd int, typ int16) error {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: gateOffset, Len: 1}
	for {
		err := unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk)
		if err != unix.EINTR {
			return err
		}
	}
}

// gateBusy reports whether a writer in another process, not stopped, is
// waiting at the gate.
func gateBusy(fd int) bool {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: gateOffset, Len: 1}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_GETLK, &lk); err != nil || lk.Type == unix.F_UNLCK {
		return false
	}
	return lk.Pid <= 0 || !stopped(int(lk.Pid))
}
