package harness

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// holder acquires once and holds until told "release" (or stdin closes).
// With Count it first commits that many counter writes; with InTx it then
// leaves a write transaction open, to be killed in the middle of it.
func holder(io *childIO, a Args) error {
	ctx := context.Background()
	l, log, err := startLockRole(io, a)
	if err != nil {
		return err
	}
	defer log.Close()
	if err := acquire(ctx, l, a.Shared); err != nil {
		return fmt.Errorf("acquire: %w", err)
	}
	log.Enter(Mono(), a.Shared, 0)
	tx, err := holderWrites(ctx, io, log, a)
	if err != nil {
		return err
	}
	io.say("holding %d", os.Getpid())
	io.await("release")
	if tx != nil {
		tx.Rollback()
	}
	if pid, err := RecordPID(a.DB); err != nil {
		io.say("record unreadable: %v", err)
	} else {
		io.say("record %d", pid)
	}
	log.Leave(Mono())
	if err := l.Release(); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	io.say("released")
	return nil
}

func holderWrites(ctx context.Context, io *childIO, log *EventLog, a Args) (*sql.Tx, error) {
	if a.Count == 0 && !a.InTx {
		return nil, nil
	}
	db, err := OpenDB(a.DB)
	if err != nil {
		return nil, err
	}
	if err := sqliteCounter.incrementAll(ctx, db, log, a.Owner, a.Count); err != nil {
		return nil, err
	}
	if !a.InTx {
		return nil, db.Close()
	}
	tx, err := sqliteCounter.openWrites(ctx, db, a.Owner, int64(a.Count))
	if err != nil {
		return nil, err
	}
	io.say("intx")
	return tx, nil
}
