// Package sqlite is the embedded SQLite engine of the task store, through
// modernc.org/sqlite (pure Go): its DSN, connection pool, migrations and
// error classes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/taskstore/internal/engine"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// The SQLite connection pool. WAL lets readers run beside the one writer;
// more connections than this only queue on SQLite's own lock.
const (
	maxOpenConns = 4
	maxIdleConns = 4
	connMaxIdle  = 5 * time.Minute
)

// BusyTimeout is how long SQLite itself waits for its file lock.
const BusyTimeout = 10 * time.Second

// Dialect is the SQLite side of the store's SQL.
type Dialect struct{}

// Name returns "sqlite".
func (Dialect) Name() string { return "sqlite" }

// Rebind returns q: SQLite takes "?" placeholders.
func (Dialect) Rebind(q string) string { return q }

// TimeArg passes a time as fixed-width UTC text (engine.TimeLayout).
func (Dialect) TimeArg(t time.Time) any { return engine.FormatTime(t) }

// Clock returns "": the store's clock is SQLite's.
func (Dialect) Clock() string { return "" }

// Migrations holds the numbered NNNN_name.sql files.
func (Dialect) Migrations() fs.FS { return engine.Sub(migrations, "migrations") }

// Upsert returns engine.Upsert.
func (Dialect) Upsert(table string, cols []string, key ...string) string {
	return engine.Upsert(table, cols, key...)
}

// Classify turns a driver error into an *engine.Error; op is what failed.
func (Dialect) Classify(op string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return &engine.Error{Op: op, Msg: err.Error()}
	}
	msg := message(se)
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &engine.Error{Kind: engine.Conflict, Op: op, Msg: "already exists (" + msg + ")"}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &engine.Error{Kind: engine.Conflict, Op: op, Msg: "a referenced task does not exist or is still referenced"}
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return &engine.Error{Kind: engine.Invalid, Op: op, Field: "value", Msg: msg}
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return &engine.Error{Kind: engine.Busy, Op: op, Msg: msg}
	case sqlite3.SQLITE_NOTADB:
		return &engine.Error{Kind: engine.File, Op: op, Msg: "not a SQLite database"}
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM:
		return &engine.Error{Kind: engine.File, Op: op, Msg: msg}
	}
	return &engine.Error{Op: op, Msg: msg}
}

// message is the engine's message without the numeric code suffix.
func message(se *sqlite.Error) string {
	msg := se.Error()
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		msg = msg[:i]
	}
	return msg
}

// DSN is the modernc.org/sqlite DSN for path: every pooled connection gets
// WAL, the busy timeout, foreign keys and synchronous=NORMAL, and write
// transactions begin IMMEDIATE so that they take SQLite's write lock up
// front instead of failing with SQLITE_BUSY when upgrading.
func DSN(path string) string {
	return "file:" + escape(path) +
		"?_pragma=busy_timeout(" + strconv.Itoa(int(BusyTimeout/time.Millisecond)) + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate"
}

// escape makes path a file: URI's path: "%", "?" and "#" are escaped.
func escape(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Open returns the connection pool of the database file at path, after
// opening its first connection: a missing file is created and set to WAL
// then. Call Inspect first: Open does not check whose file it is. A
// failure is an *engine.Error saying what is wrong with the file or its
// directory, without the path.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, Dialect{}.Classify("", err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(connMaxIdle)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, explain(path, err)
	}
	return db, nil
}

// explain classifies err, met opening or reading the database at path,
// and says why SQLite could not open or write the file when the file
// system tells: the file or its directory read-only or not writable.
func explain(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			if why := unwritable(path); why != "" {
				return &engine.Error{Kind: engine.File, Msg: why}
			}
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &engine.Error{Kind: engine.Cancelled, Msg: err.Error(), Err: err}
	}
	return Dialect{}.Classify("", err)
}
