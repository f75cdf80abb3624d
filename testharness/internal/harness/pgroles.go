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

func pgContend(io *childIO, a Args) error {
	ctx := context.Background()
	s, err := openPGStore(ctx, a)
	if err != nil {
		return err
	}
	defer s.Close()
	db, err := OpenPGCounter(a.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	log, err := CreateEventLog(a.Log)
	if err != nil {
		return err
	}
	defer log.Close()
	if err := barrier(io, a); err != nil {
		return err
	}
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
	s, err := openPGStore(ctx, a)
	if err != nil {
		return err
	}
	defer s.Close()
	db, err := OpenPGCounter(a.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	log, err := CreateEventLog(a.Log)
	if err != nil {
		return err
	}
	defer log.Close()
	if err := barrier(io, a); err != nil {
		return err
	}
	io.say("waiting")
	t0 := Mono()
	return s.Transaction(ctx, func(ctx context.Context, _ taskstore.Store) error {
		t1 := Mono()
		log.Enter(t1, false, t1-t0)
		for seq := int64(0); seq < int64(a.Count); seq++ {
			if err := IncrementPG(ctx, db, a.Owner, seq); err != nil {
				return err
			}
			log.Ack(seq)
		}
		if a.InTx {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return fmt.Errorf("begin: %w", err)
			}
			defer tx.Rollback()
			for seq := int64(a.Count); seq < int64(a.Count)+50; seq++ {
				if err := writePGInTx(ctx, tx, a.Owner, seq, -seq); err != nil {
					return err
				}
			}
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

// IncrementPG is Increment on the PostgreSQL counter: it reads n in one
// statement and writes n+1 in a later transaction, so only the cooperative
// lock keeps two increments apart.
func IncrementPG(ctx context.Context, db *sql.DB, owner string, seq int64) error {
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT n FROM harness_counter WHERE id = 1`).Scan(&n); err != nil {
		return fmt.Errorf("read counter: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := writePGInTx(ctx, tx, owner, seq, n+1); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func writePGInTx(ctx context.Context, tx *sql.Tx, owner string, seq, n int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE harness_counter SET n = $1 WHERE id = 1`, n); err != nil {
		return fmt.Errorf("write counter: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO harness_writes (owner, seq, n) VALUES ($1, $2, $3)`, owner, seq, n); err != nil {
		return fmt.Errorf("record write: %w", err)
	}
	return nil
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
	if err := db.QueryRowContext(ctx, `SELECT n FROM harness_counter WHERE id = 1`).Scan(&st.Counter); err != nil {
		return st, fmt.Errorf("read counter: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT n FROM harness_writes GROUP BY n HAVING count(*) > 1) d`).Scan(&st.DupN); err != nil {
		return st, fmt.Errorf("count duplicate writes: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT owner, seq FROM harness_writes`)
	if err != nil {
		return st, fmt.Errorf("list writes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner string
		var seq int64
		if err := rows.Scan(&owner, &seq); err != nil {
			return st, fmt.Errorf("list writes: %w", err)
		}
		st.Writes++
		st.Present[WriteKey(owner, seq)] = true
		st.ByOwner[owner] = append(st.ByOwner[owner], seq)
	}
	return st, rows.Err()
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
