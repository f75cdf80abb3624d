package taskstore

import (
	"context"

	"github.com/astrotask/astrotask-go/lockcore"
)

// locker is the cooperative lock of one database, as LockingStore,
// migrations and WithDatabaseLock use it. The SQLite backend locks the file
// beside the database with lockcore; a server backend supplies its own.
type locker interface {
	// with runs fn holding the lock in mode, recorded as opts.ProcessType.
	// fn's ctx carries the hold: calls that pass it do not wait again.
	with(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error
}

// fileLocker is lockcore's flock on .astrotask.lock beside the database.
type fileLocker struct{ dbPath string }

func (l fileLocker) with(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error {
	if mode == lockcore.ModeShared {
		return lockcore.WithSharedLock(ctx, l.dbPath, opts, fn)
	}
	return lockcore.WithLock(ctx, l.dbPath, opts, fn)
}

// lockerFor returns the cooperative lock of the database at loc.
func lockerFor(loc Location) locker { return fileLocker{dbPath: loc.Path} }
