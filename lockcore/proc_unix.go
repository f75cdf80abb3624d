//go:build unix

package lockcore

import (
	"errors"

	"golang.org/x/sys/unix"
)

// pidAlive reports whether pid names a running process. EPERM means the
// process exists but belongs to someone else, so it counts as alive.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
