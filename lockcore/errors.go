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
