package taskstore

import (
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// The SQLite connection pool. WAL lets readers run beside the one writer;
// more connections than this only queue on SQLite's own lock.
const (
	sqliteMaxOpenConns = 4
	sqliteMaxIdleConns = 4
	sqliteConnMaxIdle  = 5 * time.Minute
)

// sqliteBusyTimeout is how long SQLite itself waits for its file lock.
const sqliteBusyTimeout = 10 * time.Second

type sqliteDialect struct{}

func (sqliteDialect) name() string            { return BackendSQLite }
func (sqliteDialect) rebind(q string) string  { return questionRebind(q) }
func (sqliteDialect) timeArg(t time.Time) any { return formatTime(t) }
func (sqliteDialect) migrations() fs.FS       { return mustSub(sqliteMigrations, "migrations/sqlite") }
func (sqliteDialect) upsert(table string, cols []string, key ...string) string {
	return standardUpsert(table, cols, key...)
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

func (sqliteDialect) translate(op string, err error) error {
	if e, ok := commonTranslate(op, err); ok {
		return e
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return &DatabaseError{Op: op, Msg: err.Error()}
	}
	msg := sqliteMessage(se)
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &ConflictError{Reason: op + ": already exists (" + msg + ")"}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &ConflictError{Reason: op + ": a referenced task does not exist or is still referenced"}
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return &InvalidError{Field: "value", Reason: op + ": " + msg}
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return &DatabaseError{Op: op, Msg: "the database is busy: " + msg, Err: ErrLocked}
	}
	return &DatabaseError{Op: op, Msg: msg}
}

// sqliteMessage is the engine's message without the numeric code suffix.
func sqliteMessage(se *sqlite.Error) string {
	msg := se.Error()
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		msg = msg[:i]
	}
	return msg
}

// sqliteDSN is the modernc.org/sqlite DSN for path: every pooled connection
// gets WAL, the busy timeout, foreign keys and synchronous=NORMAL, and write
// transactions begin IMMEDIATE so that they take SQLite's write lock up
// front instead of failing with SQLITE_BUSY when upgrading.
func sqliteDSN(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc +
		"?_pragma=busy_timeout(" + itoa(int(sqliteBusyTimeout/time.Millisecond)) + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate"
}

func openSQLite(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, sqliteDialect{}.translate("open database", err)
	}
	db.SetMaxOpenConns(sqliteMaxOpenConns)
	db.SetMaxIdleConns(sqliteMaxIdleConns)
	db.SetConnMaxIdleTime(sqliteConnMaxIdle)
	return db, nil
}

// timeLayout is fixed-width UTC, so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
