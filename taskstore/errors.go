package taskstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/astrotask/astrotask-go/lockcore"
)

// Sentinel errors, checked with errors.Is.
var (
	ErrNotFound    = errors.New("not found")
	ErrInvalid     = errors.New("invalid input")
	ErrConflict    = errors.New("conflict")
	ErrBlocked     = errors.New("task is blocked")
	ErrCycle       = errors.New("dependency cycle")
	ErrUnsupported = errors.New("not supported")
	// ErrLocked is lockcore.ErrLocked: the database stayed locked past the
	// wait budget.
	ErrLocked = lockcore.ErrLocked
)

// NotFoundError names what was not found. It matches ErrNotFound.
type NotFoundError struct {
	Kind string // "task", "dependency", "context slice"
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %s not found", e.Kind, e.ID) }

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// InvalidError names the field that failed validation. It matches ErrInvalid.
type InvalidError struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// CycleError is returned when a dependency would close a cycle. Path starts
// and ends with the same task. It matches ErrCycle.
type CycleError struct {
	Path []string
}

func (e *CycleError) Error() string {
	return "dependency would create a cycle: " + strings.Join(e.Path, " -> ")
}

// Is reports whether target is ErrCycle.
func (e *CycleError) Is(target error) bool { return target == ErrCycle }
