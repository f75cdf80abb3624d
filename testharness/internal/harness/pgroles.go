package harness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

// The roles that play against a PostgreSQL database: Args.DB is its URL,
// and each child poses as its own machine, named Args.Owner (the host its
// lock shows in pg_stat_activity). Their counter lives in the same
// database, so the processes share nothing but the server.
const (
	// RolePGContend holds the cooperative lock exclusively Count times
	// through a LockingStore's Transaction, incrementing the PostgreSQL
	// counter inside each hold. With Impl ImplNone it takes no lock: the
	// control.
	RolePGContend = "pgcontend"
	// RolePGHolder takes the exclusive lock once (after "go" with
	// Barrier), optionally commits Count counter writes and leaves one
	// write transaction open (InTx), prints "holding <pid>", and releases
	// when told "release".
	RolePGHolder = "pgholder"
	// RolePGClaim waits for "go", then claims every pending task in
	// creation order and prints "claimed <id>" for each one it won.
	RolePGClaim = "pgclaim"
)

// openPGStore opens the task store at a.DB as machine a.Owner, with the
// cooperative lock unless a.Impl is ImplNone.
func openPGStore(ctx context.Context, a Args) (taskstore.Store, error) {
	on := a.Impl != ImplNone
	return taskstore.Open(ctx, taskstore.Options{DataDir: a.DB, HostName: a.Owner, EnableLocking: &on, LockOptions: a.LockOptions()})
}

// startPGCounterRole opens what a role that counts on PostgreSQL works
// with: the task store, the counter and the event log, and then waits at
// the barrier. The caller closes them with closePGCounterRole.
func startPGCounterRole(ctx context.Context, io *childIO, a Args) (taskstore.Store, *sql.DB, *EventLog, error) {
	s, err := openPGStore(ctx, a)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := OpenPGCounter(a.DB)
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	log, err := startLog(io, a)
	if err != nil {
		db.Close()
		s.Close()
		return nil, nil, nil, err
	}
	return s, db, log, nil
}

// closePGCounterRole closes what startPGCounterRole opened, in reverse
// order.
func closePGCounterRole(s taskstore.Store, db *sql.DB, log *EventLog) {
	log.Close()
	db.Close()
	s.Close()
}

func pgContend(io *childIO, a Args) error {
	ctx := context.Background()
	s, db, log, err := startPGCounterRole(ctx, io, a)
	if err != nil {
		return err
	}
	defer closePGCounterRole(s, db, log)
	done := 0
	for i := range a.Count {
		t0 := Mono()
		err := s.Transaction(ctx, func(ctx context.Context, _ taskstore.Store) error {
			t1 := Mono()
			log.Enter(t1, false, t1-t0)
			err := IncrementPG(ctx, db, a.Owner, int64(i))
			log.Leave(Mono())
			return err
		})
		if errors.Is(err, lockcore.ErrLocked) {
			log.Fail(Mono() - t0)
			continue
		}
		if err != nil {
			return fmt.Errorf("hold %d: %w", i, err)
		}
		log.Ack(int64(i))
		done++
	}
	io.say("done %d", done)
	return nil
}

func pgHolder(io *childIO, a Args) error {
	ctx := context.Background()
	s, db, log, err := startPGCounterRole(ctx, io, a)
	if err != nil {
		return err
	}
	defer closePGCounterRole(s, db, log)
	io.say("waiting")
	t0 := Mono()
	return s.Transaction(ctx, func(ctx context.Context, _ taskstore.Store) error {
		t1 := Mono()
		log.Enter(t1, false, t1-t0)
		if err := pgCounter.incrementAll(ctx, db, log, a.Owner, a.Count); err != nil {
			return err
		}
		if a.InTx {
			tx, err := pgCounter.openWrites(ctx, db, a.Owner, int64(a.Count))
			if err != nil {
				return err
			}
			defer tx.Rollback()
			io.say("intx")
		}
		io.say("holding %d %d", os.Getpid(), t1)
		io.await("release")
		log.Leave(Mono())
		return nil
	})
}

func pgClaim(io *childIO, a Args) error {
	ctx := context.Background()
	s, err := openPGStore(ctx, a)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := barrier(io, a); err != nil {
		return err
	}
	pending, err := s.ListTasksByStatus(ctx, taskstore.StatusPending)
	if err != nil {
		return err
	}
	for _, t := range pending {
		if t.ID == taskstore.ProjectRootID {
			continue
		}
		_, err := s.ClaimTask(ctx, t.ID)
		switch {
		case err == nil:
			io.say("claimed %s", t.ID)
		case errors.Is(err, taskstore.ErrConflict):
		default:
			return fmt.Errorf("claim %s: %w", t.ID, err)
		}
	}
	io.say("done")
	return nil
}

// The PostgreSQL counter: the SQLite counter's tables, in the task
// database itself.
const pgCounterSchema = `
CREATE TABLE IF NOT EXISTS harness_counter (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO harness_counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS harness_writes (owner TEXT NOT NULL, seq BIGINT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (owner, seq));
`

// OpenPGCounter opens a connection pool on the database at url, for the
// counter.
func OpenPGCounter(url string) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open counter db: %w", err)
	}
	db.SetMaxOpenConns(2)
	return db, nil
}

// InitPGCounter creates the counter tables in the database at url.
func InitPGCounter(ctx context.Context, url string) error {
	db, err := OpenPGCounter(url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, pgCounterSchema); err != nil {
		return fmt.Errorf("create counter schema: %w", err)
	}
	return nil
}

// IncrementPG is Increment on the PostgreSQL counter: only the
// cooperative lock keeps two increments apart.
func IncrementPG(ctx context.Context, db *sql.DB, owner string, seq int64) error {
	return pgCounter.increment(ctx, db, owner, seq)
}

// CheckPGCounter reads the PostgreSQL counter back. Integrity is "ok": the
// server keeps its own consistency.
func CheckPGCounter(ctx context.Context, url string) (CounterState, error) {
	db, err := OpenPGCounter(url)
	if err != nil {
		return CounterState{}, err
	}
	defer db.Close()
	st := CounterState{Integrity: "ok", Present: map[string]bool{}, ByOwner: map[string][]int64{}}
	return pgCounter.readBack(ctx, db, st)
}

// PGLockWaiters counts the sessions waiting for the cooperative lock of
// the database at url, so a parent can see a child queued on the server.
func PGLockWaiters(ctx context.Context, url string) (int, error) {
	db, err := OpenPGCounter(url)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND NOT granted AND classid = 1095980114 AND objid = 1
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n)
	return n, err
}

func init() {
	roles[RolePGContend] = pgContend
	roles[RolePGHolder] = pgHolder
	roles[RolePGClaim] = pgClaim
}
