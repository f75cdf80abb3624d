package taskstore

import (
	"context"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore/internal/postgres"
)

// locker is the cooperative lock of one database, as LockingStore,
// migrations, HoldLock and WithDatabaseLock use it: lockcore's flock on the
// file beside a SQLite database (fileLocker), or a session advisory lock on
// the PostgreSQL server (advisoryLocker).
type locker interface {
	// With runs fn holding the lock in mode, recorded as opts.ProcessType.
	// fn's ctx carries the hold: calls that pass it do not wait again.
	With(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error
	// Close gives back what the locker keeps open between holds.
	Close() error
}

// fileLocker is lockcore's flock on .astrotask.lock beside the database.
type fileLocker struct{ dbPath string }

func (l fileLocker) With(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error {
	if mode == lockcore.ModeShared {
		return lockcore.WithSharedLock(ctx, l.dbPath, opts, fn)
	}
	return lockcore.WithLock(ctx, l.dbPath, opts, fn)
}

func (fileLocker) Close() error { return nil }

// advisoryLocker is the PostgreSQL engine's lock, its errors turned into
// taskstore errors.
type advisoryLocker struct{ l postgres.Lock }

func (a advisoryLocker) With(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error {
	return fromEngine(a.l.With(ctx, mode, opts, fn))
}

func (a advisoryLocker) Close() error { return a.l.Close() }

// lockerFor returns the cooperative lock of the database at loc, shown to
// other processes as running on host ("" means this machine's name; only
// the PostgreSQL lock shows it). The caller closes it.
func lockerFor(loc Location, host string) (locker, error) {
	if loc.Backend != BackendPostgres {
		return fileLocker{dbPath: loc.Path}, nil
	}
	l, err := postgres.NewLock(loc.URL, host)
	if err != nil {
		return nil, openError(loc, fromEngine(err))
	}
	return advisoryLocker{l}, nil
}

// HoldLock runs fn under one hold of the cooperative lock of the database
// at loc, in mode, without opening the database: lockcore's lock file
// beside a SQLite database, the server's advisory lock for PostgreSQL.
// fn's ctx carries the hold, so LockingStore calls on the same database
// made with it do not wait again. A command that reads several times holds
// the lock shared once this way, waits for it once, and sees one state.
// On PostgreSQL the writes of an exclusive hold are bound to the lock's
// connection, as WithDatabaseLock's are.
func HoldLock(ctx context.Context, loc Location, mode lockcore.Mode, opts lockcore.Options, fn func(ctx context.Context) error) error {
	if mode != lockcore.ModeShared && mode != lockcore.ModeExclusive {
		return invalid("mode", "%q is neither %q nor %q", mode, lockcore.ModeShared, lockcore.ModeExclusive)
	}
	if loc.Backend != BackendPostgres && loc.Path == "" {
		return invalid("database", "location %q names no database", loc.String())
	}
	lk, err := lockerFor(loc, "")
	if err != nil {
		return err
	}
	defer lk.Close()
	return lk.With(ctx, mode, opts, fn)
}

// InspectLock reports the state of the cooperative lock on loc without
// opening the database or taking the lock, so it works while another
// process holds it. On PostgreSQL it connects briefly and asks the server
// (pg_locks and pg_stat_activity) who holds the advisory lock; Path is
// then the URL with its password redacted.
func InspectLock(ctx context.Context, loc Location, opts lockcore.Options) (lockcore.Status, error) {
	if err := ctx.Err(); err != nil {
		return lockcore.Status{}, err
	}
	if loc.Backend == BackendPostgres {
		st, err := postgres.Inspect(ctx, loc.URL, opts)
		return st, fromEngine(err)
	}
	return lockcore.Inspect(loc.Path, opts)
}

// LockClear is what ClearStaleLock saw and did.
type LockClear struct {
	Before  lockcore.Status // the lock as first inspected
	After   lockcore.Status // the lock when ClearStaleLock returned
	Cleared bool            // a leftover or unreadable record was overwritten
}

// ClearStaleLock clears the lock record of loc when the lock is free and
// the record was left by a process that is no longer running or cannot be
// read, and reports the lock before and after. It never deletes the lock
// file, creates nothing where there is no record, and never touches a live
// holder: then it changes nothing and fails with an error matching
// ErrLocked, with After naming the holder. On PostgreSQL nothing can be
// left over, since the server frees the lock of a connection the moment it
// ends: Cleared is false.
func ClearStaleLock(ctx context.Context, loc Location, opts lockcore.Options) (LockClear, error) {
	var r LockClear
	var err error
	if r.Before, err = InspectLock(ctx, loc, opts); err != nil {
		return r, err
	}
	r.After = r.Before
	switch {
	case r.Before.Locked:
		return r, &lockcore.LockedError{Path: r.Before.Path, Holder: r.Before.Holder, Verified: r.Before.Verified,
			PossiblyHung: r.Before.PossiblyHung, Mode: r.Before.Mode}
	case loc.Backend == BackendPostgres, r.Before.Holder == nil && r.Before.RecordError == "":
		return r, nil // nothing to clear
	}
	r.Cleared, err = lockcore.ClearStale(loc.Path)
	if now, ierr := InspectLock(ctx, loc, opts); ierr == nil {
		r.After = now
	} else if err == nil {
		err = ierr
	}
	return r, err
}
