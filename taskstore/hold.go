package taskstore

import (
	"context"

	"github.com/astrotask/astrotask-go/lockcore"
)

// HoldLock runs fn under one hold of the cooperative lock of the database
// at loc, in mode, without opening the database: lockcore's lock file
// beside a SQLite database, the server's advisory lock for PostgreSQL.
// fn's ctx carries the hold, so LockingStore calls on the same database
// made with it do not wait again. A command that reads several times holds
// the lock shared once this way, waits for it once, and sees one state.
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
	defer lk.close()
	return lk.with(ctx, mode, opts, fn)
}
