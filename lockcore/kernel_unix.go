//go:build unix

package lockcore

import (
	"errors"

	"golang.org/x/sys/unix"
)

// flockOp applies a flock operation, retrying on EINTR. It reports false,
// nil when a non-blocking request would block.
func flockOp(fd, how int) (bool, error) {
	for {
		err := unix.Flock(fd, how)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		}
		return false, err
	}
}
