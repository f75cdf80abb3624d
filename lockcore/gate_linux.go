package lockcore

import (
	"errors"

	"golang.org/x/sys/unix"
)

// gateOffset is the byte of the lock file used as the writer-preference
// gate. Open file description (OFD) range locks and flock locks are
// independent on Linux, so the gate shares the file without touching the
// record or the main lock.
const gateOffset = 1 << 40

// gate locks (typ F_WRLCK) or unlocks (F_UNLCK) the gate byte. With wait it
// blocks until granted; without it reports false, nil when busy.
func gate(fd int, typ int16, wait bool) (bool, error) {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: gateOffset, Len: 1}
	cmd := unix.F_OFD_SETLK
	if wait {
		cmd = unix.F_OFD_SETLKW
	}
	for {
		err := unix.FcntlFlock(uintptr(fd), cmd, &lk)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EACCES):
			return false, nil
		}
		return false, err
	}
}

// gateBusy reports whether another open file description holds the gate,
// meaning a writer in some process is waiting.
func gateBusy(fd int) bool {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Start: gateOffset, Len: 1}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_OFD_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != unix.F_UNLCK
}
