package harness

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The writer gates of a lockcore lock file, as lockcore/gate_unix.go lays
// them out: a classic fcntl lock on one byte of a 16-byte slot per process,
// at 2^40 plus 16 times the pid modulo 2^22. Should lockcore move them,
// AwaitGated stops seeing writers and fails at its deadline; it never
// reports a writer that does not wait.
const (
	gateOffset = 1 << 40
	gateSlots  = 1 << 22
	gateTurns  = 16
)

// HoldsGate reports whether process pid, another than the caller, holds a
// gate in its own slot of the lockcore lock file at path: a lockcore
// writer that found the lock busy and is about to block in flock, or
// blocked there already. It opens the file and closes it again, which
// drops every fcntl lock the calling process holds on it: the caller must
// not itself be a lockcore writer waiting on path.
func HoldsGate(path string, pid int) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Start: gateOffset + int64(pid)%gateSlots*gateTurns, Len: gateTurns}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil {
		return false, fmt.Errorf("F_GETLK %s: %w", path, err)
	}
	return lk.Type != unix.F_UNLCK && int(lk.Pid) == pid, nil
}

// AwaitGated waits at most d until process pid, a lockcore writer, holds
// its gate on the lock file at path (see HoldsGate). It works on every Unix
// system; it cannot see a reader or a raw flock waiter.
func AwaitGated(path string, pid int, d time.Duration) error {
	return Poll(d, fmt.Sprintf("pid %d waiting at its gate on %s", pid, path), func() (bool, error) {
		return HoldsGate(path, pid)
	})
}
