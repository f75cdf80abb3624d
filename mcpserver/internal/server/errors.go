package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

// ErrNoLocation is the lockStatus error of a server created without
// Options.Location.
var ErrNoLocation = errors.New("lock status unavailable: the server was given no database location")

// lockedText is the message for a lock error that carries no holder.
const lockedText = "Database is currently in use by another process. Please try again in a moment."

// ToolError is the error a tool returns for a failed call. The MCP SDK turns
// it into a tool result with isError set and Reason as its only text, so a
// client sees one line and the server stays up. Err is the underlying error,
// kept for errors.Is and errors.As.
type ToolError struct {
	Reason string
	Err    error
}

// Error returns Reason.
func (e *ToolError) Error() string { return e.Reason }

// Unwrap returns the underlying error.
func (e *ToolError) Unwrap() error { return e.Err }

// toolError turns err into a one-line ToolError. A lock timeout keeps the
// lock's friendly text; domain errors keep their own text; anything else is
// logged and reported as an internal error.
func (t *tools) toolError(tool string, err error) error {
	var reason string
	var locked *lockcore.LockedError
	switch {
	case errors.As(err, &locked):
		reason = locked.Error()
	case errors.Is(err, taskstore.ErrLocked):
		reason = lockedText
	case isDomain(err):
		reason = err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		reason = "request cancelled: " + err.Error()
	default:
		t.log.Error("tool failed", "tool", tool, "err", err)
		reason = "internal error: " + err.Error()
	}
	return &ToolError{Reason: oneLine(reason), Err: err}
}

// isDomain reports whether err is one of the taskstore errors a caller can
// act on.
func isDomain(err error) bool {
	for _, target := range []error{
		taskstore.ErrNotFound, taskstore.ErrInvalid, taskstore.ErrConflict,
		taskstore.ErrBlocked, taskstore.ErrCycle, ErrNoLocation,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// MaxReasonBytes is the most bytes of a tool error's text (ToolError.Reason).
const MaxReasonBytes = 1000

// oneLine collapses error text to a single line, every run of white space
// becoming one space, and cuts a line longer than MaxReasonBytes to its
// start and its end (where a message such as a schema error says what was
// wrong) with " ... [N bytes cut] ... " between them, on rune boundaries.
// So an error never echoes a huge argument back whole.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return taskstore.CutMiddle(s, MaxReasonBytes)
}

// invalid returns an ErrInvalid error for field.
func invalid(field, format string, args ...any) error {
	return &taskstore.InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// requireID checks that an ID argument is present.
func requireID(field, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid(field, "is required")
	}
	return nil
}
