package taskstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore/internal/postgres"
	"github.com/astrotask/astrotask-go/taskstore/internal/sqlite"
)

// The process types the lock record shows while the store works on its
// own behalf rather than the caller's.
const (
	// ProcessMigration is recorded while schema migrations run.
	ProcessMigration = "migration"
	// ProcessBackup is recorded while Export or Import runs.
	ProcessBackup = "backup"
)

// DefaultConnectTimeout bounds connecting to a PostgreSQL server when the
// URL sets no connect_timeout: an unreachable server fails within it.
const DefaultConnectTimeout = postgres.DefaultConnectTimeout

// Options configures Open. The zero value opens the default database
// (see Locate) with the cooperative lock, silently.
type Options struct {
	// Location is the database, as Locate found it. The zero Location
	// means DataDir.
	Location Location
	// DataDir is the database path or URL, read by Locate when Location
	// is zero ("" means Locate("")). Setting both is an error.
	DataDir string
	// EnableLocking nil means true: Open returns a *LockingStore.
	EnableLocking *bool
	// LockOptions tune the cooperative lock; its ProcessType is what the
	// lock record shows while this process holds the lock.
	LockOptions lockcore.Options
	// Verbose logs at debug level to standard error when Logger is nil.
	Verbose bool
	// Logger receives the store's and (unless LockOptions.Logger is set)
	// the lock's log records; nil means silent unless Verbose.
	Logger *slog.Logger
	// HostName is the machine name that the PostgreSQL lock shows for this
	// process in errors and lock-status; "" means os.Hostname. The SQLite
	// lock always records the real host name.
	HostName string
}

func (o Options) location() (Location, error) {
	switch {
	case o.Location == Location{}:
		return Locate(o.DataDir)
	case o.DataDir != "":
		return Location{}, invalid("database", "set Options.Location or Options.DataDir, not both")
	}
	return o.Location, nil
}

func (o Options) logger() *slog.Logger {
	switch {
	case o.Logger != nil:
		return o.Logger
	case o.Verbose:
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	default:
		return slog.New(slog.DiscardHandler)
	}
}

// Open opens the task database that o names, creating it and applying
// migrations as needed. It returns a *LockingStore unless o.EnableLocking
// is false, in which case it is OpenLocal's store.
//
// A SQLite database is opened only when it is astrotask's (marked with
// application_id 0x41535452, or astrotask's tables from before the mark),
// new, or an empty file; anything else, and a symlink at the database's
// name or at its -wal, -shm or -journal name, is refused before anything
// is written, and left as it was. A failure names the database and says
// what is wrong with it in one line: "open task db <path>: not a SQLite
// database".
func Open(ctx context.Context, o Options) (Store, error) {
	loc, err := o.location()
	if err != nil {
		return nil, err
	}
	log := o.logger()
	lockOpts := o.LockOptions
	if lockOpts.Logger == nil && (o.Logger != nil || o.Verbose) {
		lockOpts.Logger = log
	}
	// Return untyped nils on failure: a nil *sqlStore or *LockingStore in a
	// Store would not compare equal to nil.
	if o.EnableLocking != nil && !*o.EnableLocking {
		s, err := openStore(ctx, loc, nil, lockOpts, log)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := openLocked(ctx, loc, lockOpts, log, o.HostName)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// OpenLocked opens the database at dbPath (anything Locate accepts; ""
// means the default) behind the cooperative lock: reads take it shared,
// writes exclusive. Migrations run under the exclusive lock, recorded as
// ProcessMigration.
func OpenLocked(ctx context.Context, dbPath string, lockOpts lockcore.Options) (*LockingStore, error) {
	loc, err := Locate(dbPath)
	if err != nil {
		return nil, err
	}
	return openLocked(ctx, loc, lockOpts, loggerOf(lockOpts), "")
}

func loggerOf(o lockcore.Options) *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func openLocked(ctx context.Context, loc Location, lockOpts lockcore.Options, log *slog.Logger, host string) (*LockingStore, error) {
	lk, err := lockerFor(loc, host)
	if err != nil {
		return nil, err
	}
	inner, err := openStore(ctx, loc, lk, lockOpts, log)
	if err != nil {
		lk.Close()
		return nil, err
	}
	return &LockingStore{inner: inner, loc: loc, lock: lk, opts: lockOpts}, nil
}

// OpenLocal opens the database at dbPath (anything Locate accepts) without
// the cooperative lock. SQLite's own locking still keeps the data
// consistent, but other processes' lock-status will not see this one.
func OpenLocal(ctx context.Context, dbPath string) (Store, error) {
	loc, err := Locate(dbPath)
	if err != nil {
		return nil, err
	}
	s, err := openStore(ctx, loc, nil, lockcore.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// WithDatabaseLock opens the database at dbPath and runs fn under one
// exclusive hold of the cooperative lock, with a Store that needs no
// further locking, then closes it. fn's ctx carries the hold: lockcore
// calls and LockingStores on the same database given that ctx do not wait
// for it again.
//
// On PostgreSQL the writes that fn makes with its ctx run, one at a time,
// on the connection that holds the lock. If that connection ends while fn
// runs (the server restarted, a proxy closed it, pg_terminate_backend),
// the lock is gone and another process may take it: every later write of
// fn then fails with ErrLockLost, and nothing of it is committed.
func WithDatabaseLock(ctx context.Context, dbPath string, lockOpts lockcore.Options, fn func(ctx context.Context, s Store) error) (err error) {
	loc, err := Locate(dbPath)
	if err != nil {
		return err
	}
	lk, err := lockerFor(loc, "")
	if err != nil {
		return err
	}
	defer lk.Close()
	s, err := openStore(ctx, loc, lk, lockOpts, loggerOf(lockOpts))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}()
	return lk.With(ctx, lockcore.ModeExclusive, lockOpts, func(ctx context.Context) error {
		return fn(ctx, s)
	})
}

// openStore opens loc and brings its schema up to date: under the
// cooperative lock lk (recorded as ProcessMigration), or under the
// engine's own locking alone when lk is nil.
func openStore(ctx context.Context, loc Location, lk locker, lockOpts lockcore.Options, log *slog.Logger) (*sqlStore, error) {
	db, d, err := openEngine(ctx, loc, lk, lockOpts)
	if err != nil {
		return nil, err
	}
	s := &sqlStore{db: db, d: d, loc: loc, log: log}
	if loc.Backend == BackendSQLite {
		s.sc = newStmtCache(db)
	}
	if loc.Backend == BackendPostgres {
		b, err := postgres.NewBinder(loc.URL)
		if err != nil {
			db.Close()
			return nil, openError(loc, fromEngine(err))
		}
		s.bind = &b
	}
	if err := s.upgrade(ctx, lk, lockOpts); err != nil {
		db.Close()
		return nil, openError(loc, err)
	}
	log.Debug("opened task database", "location", loc.String())
	return s, nil
}

// openEngine opens the connection pool of loc's engine; a new SQLite
// database is created under lk (see openSQLite).
func openEngine(ctx context.Context, loc Location, lk locker, lockOpts lockcore.Options) (*sql.DB, dialect, error) {
	switch {
	case loc.Backend == BackendPostgres:
		db, err := postgres.Open(ctx, loc.URL)
		if err != nil {
			return nil, nil, openError(loc, fromEngine(err))
		}
		return db, postgres.Dialect{}, nil
	case loc.Backend == BackendSQLite && loc.Path != "":
		db, err := openSQLite(ctx, loc.Path, lk, lockOpts)
		if err != nil {
			return nil, nil, openError(loc, err)
		}
		return db, sqlite.Dialect{}, nil
	}
	return nil, nil, invalid("database", "location %q names no database", loc.String())
}

// openSQLite opens the SQLite database at path, creating its directory
// when missing. It refuses what sqlite.Inspect refuses (a symlink or other
// non-regular file at path or beside it, a file that is not a SQLite
// database or is damaged, another application's database) before anything
// is written, so such a file is left as it was; symlinks in the directories
// above path are followed. A database made before astrotask marked its
// files opens and is marked by its next migration.
//
// Processes that open a new database at the same moment race to set it up
// (switching it to WAL), which SQLite on Windows answers with "database is
// locked" at once. A database found busy this way is looked at and opened
// again under the cooperative lock lk, held exclusively as
// ProcessMigration, so that the processes set it up one after the other.
func openSQLite(ctx context.Context, path string, lk locker, lockOpts lockcore.Options) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	open := func(ctx context.Context) (*sql.DB, error) {
		st, err := sqlite.Inspect(ctx, path)
		if err != nil {
			return nil, fromEngine(err)
		}
		if _, err := os.Lstat(path); st == sqlite.New && errors.Is(err, fs.ErrNotExist) {
			keepOutOfGit(path)
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fromEngine(err)
		}
		return db, nil
	}
	db, err := open(ctx)
	if err == nil || lk == nil || !errors.Is(err, ErrLocked) {
		return db, err
	}
	lockOpts.ProcessType = ProcessMigration
	err = lk.With(ctx, lockcore.ModeExclusive, lockOpts, func(ctx context.Context) error {
		db, err = open(ctx)
		return err
	})
	return db, err
}

// openError says which database failed to open, and why. When the file
// itself is at fault (not a database, damaged, another application's,
// unwritable, on a full disk), that is the whole message: "open task db
// <path>: <what is wrong>", whatever step met it.
func openError(loc Location, err error) error {
	var de *DatabaseError
	if errors.As(err, &de) && de.file {
		return &DatabaseError{Op: "open task db " + loc.String(), Msg: de.Msg, Err: de.Err}
	}
	return fmt.Errorf("open task db %s: %w", loc, err)
}

// testHookMigrating, when set by tests, runs while migrations hold the lock.
var testHookMigrating func(ctx context.Context)

func (s *sqlStore) upgrade(ctx context.Context, lk locker, lockOpts lockcore.Options) error {
	need, err := needsMigration(ctx, s.db, s.d)
	if err != nil || !need {
		return err
	}
	run := func(ctx context.Context) error {
		if testHookMigrating != nil {
			testHookMigrating(ctx)
		}
		_, err := migrate(ctx, s.db, s.d, s.log)
		return err
	}
	if lk == nil {
		return run(ctx)
	}
	lockOpts.ProcessType = ProcessMigration
	return lk.With(ctx, lockcore.ModeExclusive, lockOpts, run)
}
