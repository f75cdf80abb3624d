package taskstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// DefaultConnectTimeout bounds connecting to a PostgreSQL server when the
// URL sets no connect_timeout: an unreachable server fails within it.
const DefaultConnectTimeout = 5 * time.Second

// The PostgreSQL connection pool. Every process keeps a few connections;
// the cooperative lock takes one more of its own.
const (
	postgresMaxOpenConns = 4
	postgresMaxIdleConns = 2
	postgresConnMaxIdle  = 5 * time.Minute
)

// postgresAppName is the application_name of the store's pooled
// connections; the lock's own connection names its holder instead.
const postgresAppName = "astrotask"

type postgresDialect struct{}

func (postgresDialect) name() string            { return BackendPostgres }
func (postgresDialect) rebind(q string) string  { return dollarRebind(q) }
func (postgresDialect) timeArg(t time.Time) any { return t.UTC() }
func (postgresDialect) migrations() fs.FS       { return mustSub(postgresMigrations, "migrations/postgres") }
func (postgresDialect) upsert(table string, cols []string, key ...string) string {
	return standardUpsert(table, cols, key...)
}

// lockSchema makes migrations from several machines take turns: a
// transaction-level advisory lock, released by the migration's commit or
// rollback (or the connection's death).
func (postgresDialect) lockSchema(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, $2)", advisoryClass, advisoryMigrations)
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

func (postgresDialect) translate(op string, err error) error {
	if e, ok := commonTranslate(op, err); ok {
		return e
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		if unreachable(err) {
			return &DatabaseError{Op: op, Msg: "lost the connection to the PostgreSQL server: " + reason(err)}
		}
		return &DatabaseError{Op: op, Msg: oneLine(err.Error())}
	}
	msg := oneLine(pe.Message)
	switch pe.Code {
	case pgUniqueViolation:
		return &ConflictError{Reason: op + ": already exists (" + msg + ")"}
	case pgForeignKeyViolation:
		return &ConflictError{Reason: op + ": a referenced task does not exist or is still referenced"}
	case pgCheckViolation, pgNotNullViolation:
		return &InvalidError{Field: "value", Reason: op + ": " + msg}
	case pgSerialization, pgDeadlock, pgLockNotAvailable:
		return &DatabaseError{Op: op, Msg: "the database is busy: " + msg, Err: ErrLocked}
	case pgQueryCanceled:
		return &DatabaseError{Op: op, Msg: msg, Err: context.Canceled}
	}
	return &DatabaseError{Op: op, Msg: msg}
}

// postgresConfig parses loc's URL, with DefaultConnectTimeout unless the
// URL sets its own and application_name set to name.
func postgresConfig(loc Location, name string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(loc.URL)
	if err != nil {
		return nil, invalid("database", "not a usable PostgreSQL URL: %s", parseReason(err, loc.URL))
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

// openPostgres opens a connection pool on loc and checks that the server
// answers, so that a wrong URL fails here in one clear line.
func openPostgres(ctx context.Context, loc Location) (*sql.DB, error) {
	cfg, err := postgresConfig(loc, postgresAppName)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresMaxOpenConns)
	db.SetMaxIdleConns(postgresMaxIdleConns)
	db.SetConnMaxIdleTime(postgresConnMaxIdle)
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
		return &DatabaseError{Op: "connect", Msg: ctx.Err().Error(), Err: contextErr(ctx.Err())}
	}
	where := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		where = cfg.Host // a Unix socket directory
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return &DatabaseError{Op: "connect", Msg: fmt.Sprintf("PostgreSQL server at %s refused: %s", where, oneLine(pe.Message))}
	}
	return &DatabaseError{Op: "connect", Msg: fmt.Sprintf("cannot reach the PostgreSQL server at %s: %s", where, reason(err))}
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

// schemaLocker is a dialect whose migrations take a lock of their own, so
// that processes starting at once on several machines apply each
// migration once.
type schemaLocker interface {
	lockSchema(ctx context.Context, tx *sql.Tx) error
}

var _ schemaLocker = postgresDialect{}

// openPostgresStore opens the database at loc's URL and brings its schema
// up to date, under lk when lockOpts is not nil.
func openPostgresStore(ctx context.Context, loc Location, lockOpts *lockcore.Options, lk locker, log *slog.Logger) (*sqlStore, error) {
	db, err := openPostgres(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("open task db %s: %w", loc, err)
	}
	s := &sqlStore{db: db, d: postgresDialect{}, loc: loc, log: log}
	if err := s.upgrade(ctx, lockOpts, lk); err != nil {
		db.Close()
		return nil, fmt.Errorf("open task db %s: %w", loc, err)
	}
	log.Debug("opened task database", "location", loc.String())
	return s, nil
}
