package lockcore

import (
	"errors"
	"fmt"
)

// Sentinels for lock paths that cannot work. They are always wrapped in a
// *PathError naming the path, and never satisfy errors.Is(err, ErrLocked).
var (
	// ErrNetworkFS reports that the lock file is on NFS, SMB/CIFS or FUSE,
	// where kernel locks are not reliable. Use PostgreSQL to share a
	// database between machines.
	ErrNetworkFS = errors.New("network filesystem not supported for the embedded database; use PostgreSQL to share a database between machines")
	// ErrNotRegular reports that the lock path is a symlink, directory,
	// FIFO or other non-regular file.
	ErrNotRegular = errors.New("lock path is not a regular file")
	// ErrPermission reports that the lock file or its directory cannot be
	// created or opened for writing.
	ErrPermission = errors.New("permission denied")
	// ErrReadOnly reports that the lock file's filesystem is mounted read-only.
	ErrReadOnly = errors.New("read-only filesystem")
)

// PathError reports a lock path that cannot be used.
type PathError struct {
	Op   string // "mkdir", "open", "stat", "statfs"
	Path string // the path involved
	Kind error  // one of the sentinels above
	Err  error  // the underlying system error, may be nil
}

// Error returns "lockcore: <op> <path>: <kind>[: <err>]".
func (e *PathError) Error() string {
	s := fmt.Sprintf("lockcore: %s %s: %v", e.Op, e.Path, e.Kind)
	if e.Err != nil && e.Err.Error() != e.Kind.Error() {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel and the underlying error.
func (e *PathError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}
