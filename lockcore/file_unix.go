//go:build unix

package lockcore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openLockFile creates the directory of path and opens the lock file for
// reading and writing, close-on-exec, without following a symlink. It refuses
// network filesystems and anything but a regular file.
func openLockFile(path string) (int, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return -1, classify("mkdir", dir, err)
	}
	if err := checkFS(dir); err != nil {
		return -1, err
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0o644)
	if err != nil {
		return -1, classify("open", path, err)
	}
	if err := checkRegular(fd, path); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func checkRegular(fd int, path string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return classify("stat", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return &PathError{Op: "open", Path: path, Kind: ErrNotRegular, Err: errors.New("found " + kindOf(uint32(st.Mode)))}
	}
	return nil
}

// classify maps a system error to its sentinel.
func classify(op, path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	kind := error(nil)
	switch {
	case errors.Is(err, unix.EROFS):
		kind = ErrReadOnly
	case errors.Is(err, fs.ErrPermission):
		kind = ErrPermission
	case errors.Is(err, unix.ELOOP):
		kind, err = ErrNotRegular, fmt.Errorf("found a symlink (%w)", err)
	case errors.Is(err, unix.EISDIR):
		kind, err = ErrNotRegular, fmt.Errorf("found a directory (%w)", err)
	case errors.Is(err, unix.ENXIO), errors.Is(err, unix.ENOTDIR):
		kind = ErrNotRegular
	default:
		return &os.PathError{Op: "lockcore: " + op, Path: path, Err: err}
	}
	return &PathError{Op: op, Path: path, Kind: kind, Err: err}
}

func kindOf(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFLNK:
		return "a symlink"
	case unix.S_IFSOCK:
		return "a socket"
	}
	return "a device or other non-regular file"
}

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

func closeFD(fd int) { unix.Close(fd) }
