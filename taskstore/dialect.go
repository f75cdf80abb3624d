package taskstore

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"time"

	"github.com/astrotask/astrotask-go/taskstore/internal/engine"
)

// dialect is everything the store's SQL needs to know about one database
// engine (internal/sqlite, internal/postgres). The store writes portable
// SQL with "?" placeholders and asks the dialect for the rest, so a second
// engine adds a dialect and its migrations, not a second store.
type dialect interface {
	// Name is the backend name, BackendSQLite or BackendPostgres.
	Name() string
	// Rebind rewrites "?" placeholders into the engine's form.
	Rebind(query string) string
	// Migrations holds the numbered NNNN_name.sql files, applied in order.
	Migrations() fs.FS
	// Classify turns an engine error into an *engine.Error; op is the
	// short lower-case name of what failed.
	Classify(op string, err error) error
	// TimeArg is how a time is passed as a query argument.
	TimeArg(t time.Time) any
	// Clock is a query that returns the database server's current time,
	// or "" when the store's own clock decides (an embedded engine).
	Clock() string
	// Upsert returns an INSERT that replaces the row with the same key.
	Upsert(table string, cols []string, key ...string) string
}

// schemaLocker is a dialect whose migrations take a lock of their own, so
// that processes starting at once on several machines apply each
// migration once.
type schemaLocker interface {
	LockSchema(ctx context.Context, tx *sql.Tx) error
}

// translate turns an error from d's engine into a taskstore error; op is
// the short lower-case name of what failed. It never returns a driver type.
func translate(d dialect, op string, err error) error {
	if ee, ok := err.(*engine.Error); ok {
		return fromEngine(ee) // classified already
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return err // handled by the caller, never returned
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &DatabaseError{Op: op, Msg: err.Error(), Err: contextErr(err)}
	case errors.Is(err, sql.ErrTxDone):
		return &DatabaseError{Op: op, Msg: "the transaction has already ended"}
	case errors.Is(err, sql.ErrConnDone):
		return &DatabaseError{Op: op, Msg: "the database is closed"}
	}
	var te interface{ taskstoreError() }
	if errors.As(err, &te) {
		return err
	}
	return fromEngine(d.Classify(op, err))
}

// fromEngine turns an *engine.Error into the taskstore error of its class;
// other errors pass unchanged. Engines return their errors unwrapped, so
// the boundary sees them whole.
func fromEngine(err error) error {
	ee, ok := err.(*engine.Error)
	if !ok {
		return err
	}
	switch ee.Kind {
	case engine.Conflict:
		return &ConflictError{Reason: ee.Error()}
	case engine.Invalid:
		return &InvalidError{Field: ee.Field, Reason: ee.Error()}
	case engine.Busy:
		return &DatabaseError{Op: ee.Op, Msg: "the database is busy: " + ee.Msg, Err: ErrLocked}
	case engine.Cancelled:
		return &DatabaseError{Op: ee.Op, Msg: ee.Msg, Err: contextErr(ee.Err)}
	case engine.LockLost:
		return &DatabaseError{Op: ee.Op, Msg: ee.Msg, Err: ErrLockLost}
	case engine.File:
		return &DatabaseError{Op: ee.Op, Msg: ee.Msg, file: true}
	}
	return &DatabaseError{Op: ee.Op, Msg: ee.Msg}
}

func contextErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return context.Canceled
}

// The taskstore error types mark themselves so translation passes them on.
func (*NotFoundError) taskstoreError() {}
func (*InvalidError) taskstoreError()  {}
func (*CycleError) taskstoreError()    {}
func (*ConflictError) taskstoreError() {}
func (*BlockedError) taskstoreError()  {}
func (*DatabaseError) taskstoreError() {}
