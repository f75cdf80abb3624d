package lockcore

import (
	"errors"
	"fmt"
	"time"
)

// ErrLocked reports that the lock stayed busy for the whole budget.
// errors.Is(err, ErrLocked) holds for every *LockedError.
var ErrLocked = errors.New("database is locked")

// LockedError is returned when the lock stayed busy for the whole budget.
// Holder is the record found in the lock file, or nil when it could not be
// read; it is named in Error only when Verified.
type LockedError struct {
	Holder       *LockInfo     // the holder record, nil if unreadable
	Path         string        // the lock file
	Waited       time.Duration // how long this call waited
	Attempts     int           // kernel lock attempts made
	Verified     bool          // Holder checked alive: same host, pid alive, start time unchanged
	PossiblyHung bool          // Holder has held the lock longer than StaleTimeout
	Mode         Mode          // the mode the holder holds, "" if unknown

	cause error // the deadline that ended the wait
}

// Error returns the message users see. It names the holder only when the
// holder was verified alive.
func (e *LockedError) Error() string {
	if e.Verified && e.Holder != nil {
		return fmt.Sprintf("Database is currently in use by %s (PID: %d). Please try again in a moment.",
			e.Holder.Process, e.Holder.PID)
	}
	return "Database is currently in use by another process. Please try again in a moment."
}

// Detail returns a one-line diagnostic for logs and status output: the lock
// path, the wait, and whether the holder looks hung.
func (e *LockedError) Detail() string {
	s := fmt.Sprintf("lock %s busy after %v and %d attempts", e.Path, e.Waited.Round(time.Millisecond), e.Attempts)
	if e.PossiblyHung && e.Holder != nil {
		s += fmt.Sprintf("; holder pid %d possibly hung (held %v)", e.Holder.PID, e.Holder.age().Round(time.Millisecond))
	}
	return s
}

// Unwrap returns ErrLocked and the context error that ended the wait
// (context.DeadlineExceeded), if any.
func (e *LockedError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrLocked}
	}
	return []error{ErrLocked, e.cause}
}

// Errors for misuse of a Lock.
var (
	// ErrNotHeld is returned by Release when the Lock holds nothing.
	ErrNotHeld = errors.New("lockcore: lock not held")
	// ErrHeld is returned when the context already holds the lock, handed
	// out by WithLock or WithSharedLock: use that hold instead.
	ErrHeld = errors.New("lockcore: lock already held by this context")
	// ErrUpgrade is returned when an exclusive lock is requested under a
	// shared hold of the same lock; waiting would deadlock.
	ErrUpgrade = errors.New("lockcore: exclusive lock requested while holding the shared lock")
)

// ErrBadRecord reports a lock file whose content is not a holder record.
var ErrBadRecord = errors.New("bad lock record")

// Sentinels for lock paths that cannot work. They are always wrapped in a
// *PathError naming the path, and never satisfy errors.Is(err, ErrLocked).
var (
	// ErrNetworkFS reports that the lock file is on NFS, SMB/CIFS or FUSE,
	// or on Windows on a UNC path or a network drive, where kernel locks
	// are not reliable. Use PostgreSQL to share a database between
	// machines.
	ErrNetworkFS = errors.New("network filesystem not supported for the embedded database; use PostgreSQL to share a database between machines")
	// ErrNotRegular reports that the lock path is a symlink (or, on
	// Windows, a junction or other reparse point), directory,
	// FIFO or other non-regular file.
	ErrNotRegular = errors.New("lock path is not a regular file")
	// ErrHardLinked reports a lock file with more than one name (hard
	// links): writing the holder record would change the other names'
	// content too, so the file is refused before anything is written.
	ErrHardLinked = errors.New("lock file has other names (hard links); the lock record would overwrite them")
	// ErrPermission reports that the lock file or its directory cannot be
	// created or opened for writing.
	ErrPermission = errors.New("permission denied")
	// ErrReadOnly reports that the lock file's filesystem is mounted read-only.
	ErrReadOnly = errors.New("read-only filesystem")
)

// PathError reports a lock path that cannot be used.
type PathError struct {
	Op   string // "mkdir", "open", "stat", "statfs", "volume" (Windows)
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
