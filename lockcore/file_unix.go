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

// sysFile is an open file: a descriptor.
type sysFile int

// openLockFile creates the directory of path and opens the lock file for
// reading and writing, close-on-exec, without following a symlink. It refuses
// network filesystems, anything but a regular file, and a file with other
// names (hard links), before writing anything. The one descriptor
// serves for the record, the gates and the lock (fd and lk).
func openLockFile(path string) (fd, lk sysFile, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return -1, -1, classify("mkdir", dir, err)
	}
	if err := checkFS(dir); err != nil {
		return -1, -1, err
	}
	n, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0o644)
	if err != nil {
		return -1, -1, classify("open", path, err)
	}
	if err := checkRegular(n, path); err != nil {
		unix.Close(n)
		return -1, -1, err
	}
	return sysFile(n), sysFile(n), nil
}

// openReadOnly opens an existing lock file to inspect it, creating
// nothing. A missing file gives an error satisfying fs.ErrNotExist.
func openReadOnly(path string) (sysFile, error) {
	n, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, classify("open", path, err)
	}
	if err := checkRegular(n, path); err != nil {
		unix.Close(n)
		return -1, err
	}
	return sysFile(n), nil
}

// nameKey and fileKey give the registry key of the lock file at path:
// the path with symlinks in its directory resolved, so two paths to one
// directory share one handle. nameKey is looked up before the file is
// opened: closing a second descriptor of the file would drop this
// process's gates (POSIX locks).
func nameKey(path string) string { return canonical(path) }

func fileKey(path string, _ sysFile) string { return canonical(path) }

func (f sysFile) readAt(b []byte, off int64) (int, error) { return unix.Pread(int(f), b, off) }

func (f sysFile) writeAt(b []byte, off int64) error {
	_, err := unix.Pwrite(int(f), b, off)
	return err
}

func (f sysFile) size() (int64, error) {
	var st unix.Stat_t
	err := unix.Fstat(int(f), &st)
	return st.Size, err
}

func (f sysFile) truncate(size int64) error { return unix.Ftruncate(int(f), size) }

func (f sysFile) close() { unix.Close(int(f)) }

func checkRegular(fd int, path string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return classify("stat", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return &PathError{Op: "open", Path: path, Kind: ErrNotRegular, Err: errors.New("found " + kindOf(uint32(st.Mode)))}
	}
	if st.Nlink > 1 {
		return &PathError{Op: "open", Path: path, Kind: ErrHardLinked, Err: fmt.Errorf("found %d links", st.Nlink)}
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

// The kernel lock is flock(2) on the whole file.

// kernelTry takes the lock in mode without waiting; false, nil when busy.
func kernelTry(lk sysFile, mode Mode) (bool, error) {
	return flockOp(lk, flockHow(mode)|unix.LOCK_NB)
}

// kernelWait waits in the kernel until it grants the lock in mode. It
// cannot be interrupted.
func kernelWait(lk sysFile, mode Mode) error {
	_, err := flockOp(lk, flockHow(mode))
	return err
}

// kernelUnlock drops the lock.
func kernelUnlock(lk sysFile) { flockOp(lk, unix.LOCK_UN) }

// kernelUpgrade makes a shared hold exclusive without waiting and reports
// whether it did; flock may drop the shared lock when it fails.
func kernelUpgrade(lk sysFile) bool {
	ok, err := flockOp(lk, unix.LOCK_EX|unix.LOCK_NB)
	return ok && err == nil
}

func flockHow(mode Mode) int {
	if mode == ModeShared {
		return unix.LOCK_SH
	}
	return unix.LOCK_EX
}

// flockOp applies a flock operation, retrying on EINTR. It reports false,
// nil when a non-blocking request would block.
func flockOp(fd sysFile, how int) (bool, error) {
	for {
		err := unix.Flock(int(fd), how)
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
