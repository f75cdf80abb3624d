package taskstore

import (
	"context"

	"github.com/astrotask/astrotask-go/lockcore"
)

// locker is the cooperative lock of one database, as LockingStore,
// migrations and WithDatabaseLock use it. The SQLite backend locks the file
// beside the database with lockcore (fileLocker); PostgreSQL uses a session
// advisory lock on the server (advisoryLocker).
type locker interface {
	// with runs fn holding the lock in mode, recorded as opts.ProcessType.
	// fn's ctx carries the hold: calls that pass it do not wait again.
	with(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error
	// close gives back what the locker keeps open between holds.
	close() error
}

// fileLocker is lockcore's flock on .astrotask.lock beside the database.
type fileLocker struct{ dbPath string }

func (l fileLocker) with(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error {
	if mode == lockcore.ModeShared {
		return lockcore.WithSharedLock(ctx, l.dbPath, opts, fn)
	}
	return lockcore.WithLock(ctx, l.dbPath, opts, fn)
}

func (fileLocker) close() error { return nil }

// lockerFor returns the cooperative lock of the database at loc, shown to
// other processes as running on host ("" means this machine's name; only
// the PostgreSQL lock shows it). The caller closes it.
func lockerFor(loc Location, host string) (locker, error) {
	if loc.Backend == BackendPostgres {
		return newAdvisoryLocker(loc, host)
	}
	return fileLocker{dbPath: loc.Path}, nil
}
