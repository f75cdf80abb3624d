package taskstore

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// dialect is everything the store's SQL needs to know about one database
// engine. The store code writes portable SQL with "?" placeholders and
// asks the dialect for the rest, so a second engine adds a dialect and a
// migrations directory, not a second store.
type dialect interface {
	// name is the backend name, BackendSQLite or BackendPostgres.
	name() string
	// rebind rewrites "?" placeholders into the engine's form.
	rebind(query string) string
	// migrations holds the numbered NNNN_name.sql files, applied in order.
	migrations() fs.FS
	// translate turns an engine error into a taskstore error; op is the
	// short lower-case name of what failed. It never returns a driver type.
	translate(op string, err error) error
	// timeArg is how a time is passed as a query argument.
	timeArg(t time.Time) any
	// upsert returns an INSERT that replaces the row with the same key.
	upsert(table string, cols []string, key ...string) string
}

// commonTranslate handles the errors every engine shares; ok is false when
// err is an engine error for the dialect to classify.
func commonTranslate(op string, err error) (error, bool) {
	switch {
	case err == nil:
		return nil, true
	case errors.Is(err, sql.ErrNoRows):
		return err, true // handled by the caller, never returned
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &DatabaseError{Op: op, Msg: err.Error(), Err: contextErr(err)}, true
	case errors.Is(err, sql.ErrTxDone):
		return &DatabaseError{Op: op, Msg: "the transaction has already ended"}, true
	case errors.Is(err, sql.ErrConnDone):
		return &DatabaseError{Op: op, Msg: "the database is closed"}, true
	}
	var te interface{ taskstoreError() }
	if errors.As(err, &te) {
		return err, true
	}
	return nil, false
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

// questionRebind is rebind for engines with "?" placeholders.
func questionRebind(q string) string { return q }

// dollarRebind rewrites "?" into "$1", "$2", ... (PostgreSQL). The store's
// SQL never has "?" inside string literals.
func dollarRebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// standardUpsert is INSERT ... ON CONFLICT (key) DO UPDATE, which SQLite
// (3.24 and later) and PostgreSQL both accept.
func standardUpsert(table string, cols []string, key ...string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (")
	b.WriteString(strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	b.WriteString(") ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET ")
	first := true
	for _, c := range cols {
		if contains(key, c) {
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

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
