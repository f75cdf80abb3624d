package harness

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// The counter database: one row holding n, and one row per committed write.
// An increment reads n in one statement and writes n+1 in a later
// transaction, so only the application lock keeps two increments apart:
// without it two holders read the same n, the counter falls behind the
// number of writes, and two writes carry the same n.
const counterSchema = `
CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT OR IGNORE INTO counter (id, n) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS writes (owner TEXT NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (owner, seq));
`

// OpenDB opens the SQLite database at path with every pragma in the DSN:
// WAL, a busy timeout, and immediate write transactions.
func OpenDB(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open counter db: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// InitCounter creates the counter database at path.
func InitCounter(ctx context.Context, path string) error {
	db, err := OpenDB(path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, counterSchema); err != nil {
		return fmt.Errorf("create counter schema: %w", err)
	}
	return nil
}

// counterSQL is the counter's statements in one SQL dialect: the tables'
// names and the placeholders are all that differ between the SQLite
// counter and the PostgreSQL one.
type counterSQL struct {
	read   string // SELECT n
	update string // UPDATE n = $1
	insert string // INSERT a write (owner, seq, n)
	dupN   string // count the values of n written more than once
	list   string // SELECT owner, seq of every write
}

var (
	sqliteCounter = counterSQL{
		read:   `SELECT n FROM counter WHERE id = 1`,
		update: `UPDATE counter SET n = ? WHERE id = 1`,
		insert: `INSERT INTO writes (owner, seq, n) VALUES (?, ?, ?)`,
		dupN:   `SELECT count(*) FROM (SELECT n FROM writes GROUP BY n HAVING count(*) > 1)`,
		list:   `SELECT owner, seq FROM writes`,
	}
	pgCounter = counterSQL{
		read:   `SELECT n FROM harness_counter WHERE id = 1`,
		update: `UPDATE harness_counter SET n = $1 WHERE id = 1`,
		insert: `INSERT INTO harness_writes (owner, seq, n) VALUES ($1, $2, $3)`,
		dupN:   `SELECT count(*) FROM (SELECT n FROM harness_writes GROUP BY n HAVING count(*) > 1) d`,
		list:   `SELECT owner, seq FROM harness_writes`,
	}
)

// Increment adds one to the counter and records write (owner, seq). The
// caller must hold the exclusive lock.
func Increment(ctx context.Context, db *sql.DB, owner string, seq int64) error {
	return sqliteCounter.increment(ctx, db, owner, seq)
}

// increment reads n in one statement and writes n+1 in a later
// transaction, so only the application lock keeps two increments apart.
func (c counterSQL) increment(ctx context.Context, db *sql.DB, owner string, seq int64) error {
	var n int64
	if err := db.QueryRowContext(ctx, c.read).Scan(&n); err != nil {
		return fmt.Errorf("read counter: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := c.write(ctx, tx, owner, seq, n+1); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// incrementAll commits count increments of owner, seqs 0 to count-1,
// acknowledging each in log.
func (c counterSQL) incrementAll(ctx context.Context, db *sql.DB, log *EventLog, owner string, count int) error {
	for seq := int64(0); seq < int64(count); seq++ {
		if err := c.increment(ctx, db, owner, seq); err != nil {
			return err
		}
		log.Ack(seq)
	}
	return nil
}

func (c counterSQL) write(ctx context.Context, tx *sql.Tx, owner string, seq, n int64) error {
	if _, err := tx.ExecContext(ctx, c.update, n); err != nil {
		return fmt.Errorf("write counter: %w", err)
	}
	if _, err := tx.ExecContext(ctx, c.insert, owner, seq, n); err != nil {
		return fmt.Errorf("record write: %w", err)
	}
	return nil
}

// openWrites begins a write transaction on db and writes 50 rows of owner
// in it, seqs from on, without committing: a transaction for the caller to
// be killed in the middle of. The caller rolls it back.
func (c counterSQL) openWrites(ctx context.Context, db *sql.DB, owner string, from int64) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	for seq := from; seq < from+50; seq++ {
		if err := c.write(ctx, tx, owner, seq, -seq); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	return tx, nil
}

// CounterState is what CheckCounter reads back.
type CounterState struct {
	Counter   int64              // the counter's value
	Writes    int64              // committed write rows
	DupN      int64              // values of n written by more than one write: lost updates
	Integrity string             // PRAGMA integrity_check: "ok" when healthy
	Present   map[string]bool    // "owner/seq" of every committed write
	ByOwner   map[string][]int64 // committed seqs per owner
}

// CheckCounter reads the counter database back.
func CheckCounter(ctx context.Context, path string) (CounterState, error) {
	db, err := OpenDB(path)
	if err != nil {
		return CounterState{}, err
	}
	defer db.Close()
	st := CounterState{Present: map[string]bool{}, ByOwner: map[string][]int64{}}
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&st.Integrity); err != nil {
		return st, fmt.Errorf("integrity check: %w", err)
	}
	return sqliteCounter.readBack(ctx, db, st)
}

// readBack fills in st's counter, duplicates and writes from db.
func (c counterSQL) readBack(ctx context.Context, db *sql.DB, st CounterState) (CounterState, error) {
	if err := db.QueryRowContext(ctx, c.read).Scan(&st.Counter); err != nil {
		return st, fmt.Errorf("read counter: %w", err)
	}
	if err := db.QueryRowContext(ctx, c.dupN).Scan(&st.DupN); err != nil {
		return st, fmt.Errorf("count duplicate writes: %w", err)
	}
	rows, err := db.QueryContext(ctx, c.list)
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

// WriteKey names write seq of owner in CounterState.Present.
func WriteKey(owner string, seq int64) string { return fmt.Sprintf("%s/%d", owner, seq) }
