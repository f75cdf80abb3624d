// Package postgres is the PostgreSQL engine of the task store, through
// pgx: connections, migrations, error classes, and the cooperative lock as
// a session advisory lock whose holder names itself in application_name
// and on whose connection the writes made under it run.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/taskstore/internal/engine"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultConnectTimeout bounds connecting to a PostgreSQL server when the
// URL sets no connect_timeout: an unreachable server fails within it.
const DefaultConnectTimeout = 5 * time.Second

// The PostgreSQL connection pool. Every process keeps a few connections;
// the cooperative lock takes one more of its own.
const (
	maxOpenConns = 4
	maxIdleConns = 2
	connMaxIdle  = 5 * time.Minute
)

// appName is the application_name of the store's pooled connections; the
// lock's own connection names its holder instead.
const appName = "astrotask"

// Dialect is the PostgreSQL side of the store's SQL.
type Dialect struct{}

// Name returns "postgres".
func (Dialect) Name() string { return "postgres" }

// Rebind rewrites "?" placeholders into "$1", "$2", ... The store's SQL
// never has "?" inside string literals.
func (Dialect) Rebind(q string) string {
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

// TimeArg passes a time as a UTC time.Time.
func (Dialect) TimeArg(t time.Time) any { return t.UTC() }

// Clock returns the server's time at the start of the transaction, to the
// microsecond, so that every client compares leases on one clock.
func (Dialect) Clock() string { return "SELECT date_trunc('microseconds', now())" }

// Migrations holds the numbered NNNN_name.sql files.
func (Dialect) Migrations() fs.FS { return engine.Sub(migrations, "migrations") }

// Upsert returns engine.Upsert.
func (Dialect) Upsert(table string, cols []string, key ...string) string {
	return engine.Upsert(table, cols, key...)
}

// LockSchema makes migrations from several machines take turns: a
// transaction-level advisory lock, released by the migration's commit or
// rollback (or the connection's death).
func (Dialect) LockSchema(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, $2)", AdvisoryClass, AdvisoryMigrations)
	return err
}

// PostgreSQL error codes the store classifies.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgCheckViolation      = "23514"
	pgNotNullViolation    = "23502"
	pgSerialization       = "40001"
	pgDeadlock            = "40P01"
	pgLockNotAvailable    = "55P03"
	pgQueryCanceled       = "57014"
)

// Classify turns a driver error into an *engine.Error; op is what failed.
func (Dialect) Classify(op string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		if unreachable(err) {
			return &engine.Error{Op: op, Msg: "lost the connection to the PostgreSQL server: " + reason(err)}
		}
		return &engine.Error{Op: op, Msg: oneLine(err.Error())}
	}
	msg := oneLine(pe.Message)
	switch pe.Code {
	case pgUniqueViolation:
		return &engine.Error{Kind: engine.Conflict, Op: op, Msg: "already exists (" + msg + ")"}
	case pgForeignKeyViolation:
		return &engine.Error{Kind: engine.Conflict, Op: op, Msg: "a referenced task does not exist or is still referenced"}
	case pgCheckViolation, pgNotNullViolation:
		return &engine.Error{Kind: engine.Invalid, Op: op, Field: "value", Msg: msg}
	case pgSerialization, pgDeadlock, pgLockNotAvailable:
		return &engine.Error{Kind: engine.Busy, Op: op, Msg: msg}
	case pgQueryCanceled:
		return &engine.Error{Kind: engine.Cancelled, Op: op, Msg: msg, Err: context.Canceled}
	}
	return &engine.Error{Op: op, Msg: msg}
}

// config parses rawURL, with DefaultConnectTimeout unless the URL sets its
// own and application_name set to name.
func config(rawURL, name string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, &engine.Error{Kind: engine.Invalid, Field: "database", Msg: "not a usable PostgreSQL URL: " + parseReason(err, rawURL)}
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	cfg.RuntimeParams["application_name"] = name
	return cfg, nil
}

// parseReason is why pgx refused rawURL, without the URL itself and with
// any password in it masked.
func parseReason(err error, rawURL string) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "`: "); ok {
		msg = rest
	}
	if u, perr := url.Parse(rawURL); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		if pw := u.Query().Get("password"); pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return oneLine(msg)
}

// Open opens a connection pool on the database at rawURL and checks that
// the server answers, so that a wrong URL fails here in one clear line.
func Open(ctx context.Context, rawURL string) (*sql.DB, error) {
	cfg, err := config(rawURL, appName)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(connMaxIdle)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, connectError(ctx, cfg, err)
	}
	return db, nil
}

// connectError explains a failed connection in one line that names the
// server but never the password.
func connectError(ctx context.Context, cfg *pgx.ConnConfig, err error) error {
	if ctx.Err() != nil {
		return &engine.Error{Kind: engine.Cancelled, Op: "connect", Msg: ctx.Err().Error(), Err: ctx.Err()}
	}
	where := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		where = cfg.Host // a Unix socket directory
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return &engine.Error{Op: "connect", Msg: fmt.Sprintf("PostgreSQL server at %s refused: %s", where, oneLine(pe.Message))}
	}
	return &engine.Error{Op: "connect", Msg: fmt.Sprintf("cannot reach the PostgreSQL server at %s: %s", where, reason(err))}
}

// unreachable reports whether err is a network failure rather than an
// answer from the server.
func unreachable(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || pgconn.Timeout(err)
}

// reason is the innermost cause of a network failure, short and on one line.
func reason(err error) string {
	var oe *net.OpError
	switch {
	case errors.As(err, &oe) && oe.Timeout(), pgconn.Timeout(err), errors.Is(err, context.DeadlineExceeded):
		return "no answer in time (timed out)"
	case connRefused(err):
		return "connection refused" // the same words on every system
	case errors.As(err, &oe):
		err = oe.Err
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			err = u
		}
		return oneLine(err.Error())
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return oneLine(de.Error())
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	return oneLine(err.Error())
}

// oneLine joins a multi-line message into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Redact returns rawURL with its password, in the user part or as a
// password parameter, replaced by "xxxxx", even when url.Parse rejects it.
func Redact(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return rawURL
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return rawURL
	}
	if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
		return scheme + "://" + user + ":xxxxx" + rest[at:]
	}
	return rawURL
}
