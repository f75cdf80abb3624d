// Package engine is what the task store and its database engines share:
// the classes of engine error and the SQL both engines write alike.
package engine

import (
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Kind classifies an engine error for the store, which turns it into one
// of its own typed errors.
type Kind int

// The kinds of engine error.
const (
	// Other is any failure the store reports as the engine's message.
	Other Kind = iota
	// Conflict is a constraint the database's current state refuses: a
	// key already taken, a reference to a missing or referenced row.
	Conflict
	// Invalid is a value the engine refuses (a check or not-null
	// constraint, an unusable URL); Field names it.
	Invalid
	// Busy is the database busy past the engine's own wait.
	Busy
	// Cancelled is a statement interrupted by its context; Err is
	// context.Canceled or context.DeadlineExceeded.
	Cancelled
	// LockLost is a write refused because the cooperative lock it was
	// made under is no longer held.
	LockLost
	// File is a database file that cannot be used as it is: not a
	// database, damaged, another application's, a symlink, unreadable or
	// unwritable, or on a full disk. Msg says which, without the path.
	File
)

// Error is an engine failure, classified, carrying the engine's message but
// never a driver type.
type Error struct {
	Kind  Kind
	Op    string // what was being done: "add task"; may be ""
	Field string // for Invalid: the input at fault
	Msg   string // one line, safe to show: no password
	Err   error  // for Cancelled: the context's error
}

// Error returns "<op>: <msg>", or msg alone when there is no op.
func (e *Error) Error() string {
	if e.Op == "" {
		return e.Msg
	}
	return e.Op + ": " + e.Msg
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// TimeLayout is how a time is stored as text: fixed-width UTC, so that
// stored times sort as text.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// FormatTime formats t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Upsert is INSERT ... ON CONFLICT (key) DO UPDATE with "?" placeholders,
// which SQLite (3.24 and later) and PostgreSQL both accept.
func Upsert(table string, cols []string, key ...string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (")
	b.WriteString(strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	b.WriteString(") ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET ")
	first := true
	for _, c := range cols {
		if slices.Contains(key, c) {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

// Sub is fs.Sub of a directory embedded at build time.
func Sub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
