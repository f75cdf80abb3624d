package taskstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/astrotask/astrotask-go/lockcore"
)

// Sentinel errors, checked with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid input")
	ErrConflict = errors.New("conflict")
	ErrBlocked  = errors.New("task is blocked")
	ErrCycle    = errors.New("dependency cycle")
	// ErrLocked is lockcore.ErrLocked: the database stayed locked past the
	// wait budget.
	ErrLocked = lockcore.ErrLocked
	// ErrLockLost is a write refused, with nothing written, because the
	// cooperative lock it was made under was lost: on PostgreSQL, the
	// lock's connection ended while the lock was held.
	ErrLockLost = errors.New("the cooperative lock was lost")
)

// NotFoundError names what was not found. It matches ErrNotFound.
type NotFoundError struct {
	Kind string // "task", "dependency", "context slice"
	ID   string
}

// Error returns "<kind> <id> not found".
func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %s not found", e.Kind, e.ID) }

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// InvalidError names the field that failed validation. It matches ErrInvalid.
type InvalidError struct {
	Field  string
	Reason string
}

// Error returns "invalid <field>: <reason>".
func (e *InvalidError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// CycleError is returned when a dependency would close a cycle. Path starts
// and ends with the same task. It matches ErrCycle.
type CycleError struct {
	Path []string
}

// Error returns the cycle as "A -> B -> C -> A". A cycle of more than
// maxPathSteps steps is shortened to its first and last steps and a count
// of those left out: "A -> B -> ... (9,996 more) -> Y -> Z -> A".
func (e *CycleError) Error() string {
	return "dependency would create a cycle: " + pathText(e.Path)
}

// maxPathSteps is the most steps of a path that an error message lists in
// full.
const maxPathSteps = 8

// pathText joins ids with " -> ", keeping the first two and the last three
// of a path longer than maxPathSteps and counting the rest.
func pathText(ids []string) string {
	if len(ids) <= maxPathSteps {
		return strings.Join(ids, " -> ")
	}
	head, tail := ids[:2], ids[len(ids)-3:]
	more := "... (" + thousands(len(ids)-len(head)-len(tail)) + " more)"
	return strings.Join(head, " -> ") + " -> " + more + " -> " + strings.Join(tail, " -> ")
}

// thousands formats n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Is reports whether target is ErrCycle.
func (e *CycleError) Is(target error) bool { return target == ErrCycle }

// ConflictError explains why a change conflicts with the database's current
// state: a task already claimed, an ID already taken, children that a delete
// would orphan. It matches ErrConflict.
type ConflictError struct {
	ID     string // the task, slice or dependency concerned
	Reason string
}

// Error returns the reason.
func (e *ConflictError) Error() string { return e.Reason }

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// BlockedError is returned when a task cannot start because dependencies
// are not done. It matches ErrBlocked.
type BlockedError struct {
	ID        string
	BlockedBy []string
}

// Error names the task and the dependencies that block it.
func (e *BlockedError) Error() string {
	return fmt.Sprintf("task %s is blocked by unfinished dependencies: %s", e.ID, strings.Join(e.BlockedBy, ", "))
}

// Is reports whether target is ErrBlocked.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// DatabaseError is a failure reported by the database engine. It carries
// the engine's message but never its error type. When the engine reported
// that the database is busy past its own timeout, Err is ErrLocked, so
// errors.Is(err, ErrLocked) holds; when a write was refused because the
// lock it was made under was lost, Err is ErrLockLost; otherwise Err is
// nil or the context's error.
type DatabaseError struct {
	Op  string // what the store was doing: "add task"
	Msg string // the engine's message
	Err error

	file bool // the database file itself is at fault (engine.File)
}

// Error returns "<op>: <engine message>", or the message alone when Op is
// empty.
func (e *DatabaseError) Error() string {
	if e.Op == "" {
		return e.Msg
	}
	return e.Op + ": " + e.Msg
}

// Unwrap returns Err.
func (e *DatabaseError) Unwrap() error { return e.Err }

// CutMiddle returns s if it is at most limit bytes long, and otherwise its
// start and end around a marker saying how many bytes were cut, at most
// limit bytes in all, cut on rune boundaries. The CLI and the MCP server
// cut the error lines they print with it, so that no input can make a
// message unbounded.
func CutMiddle(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	marker := func(n int) string { return fmt.Sprintf(" ... [%d bytes cut] ... ", n) }
	keep := max(limit-len(marker(len(s))), 0)
	head := runeStart(s, keep*2/3, -1)
	tail := runeStart(s, len(s)-(keep-head), +1)
	return s[:head] + marker(tail-head) + s[tail:]
}

// runeStart returns the index nearest n, moving in direction dir (-1 or
// +1), at which a rune of s starts (or len(s)).
func runeStart(s string, n, dir int) int {
	n = min(max(n, 0), len(s))
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n += dir
	}
	return n
}
