package taskstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCacheMax bounds the statements a store keeps prepared. The store's
// SQL is a fixed set of a few dozen statements; the bound only guards
// against a caller that would make new ones without end.
const stmtCacheMax = 256

// stmtCache keeps a store's statements prepared on its pooled connections,
// so that SQLite parses each statement once per connection rather than on
// every call. A statement runs unprepared until it has run twice (so that
// a command that runs each statement once, as most astro commands do,
// prepares nothing), and is prepared when the transaction of its second
// run has ended: preparing takes a connection from the pool, which a
// caller holding one must not wait for.
// Nothing that can wait for a connection runs under mu. A nil *stmtCache
// keeps nothing (PostgreSQL, whose driver keeps its own).
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	state  map[string]stmtState // statements not in stmts that were seen
	queue  []string             // the stmtPending ones, in the order noted
	closed bool
}

type stmtState uint8

const (
	stmtSeen      stmtState = iota + 1 // run once
	stmtPending                        // to be prepared
	stmtPreparing                      // being prepared
	stmtFailed                         // not preparable alone; run as it is
)

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, state: map[string]stmtState{}}
}

// get returns query's prepared statement, or nil after noting that it
// ran.
func (sc *stmtCache) get(query string) *sql.Stmt {
	if sc == nil {
		return nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if st := sc.stmts[query]; st != nil {
		return st
	}
	switch st := sc.state[query]; {
	case sc.closed:
	case st == stmtSeen:
		sc.state[query] = stmtPending
		sc.queue = append(sc.queue, query)
	case st == 0 && len(sc.stmts)+len(sc.state) < stmtCacheMax:
		sc.state[query] = stmtSeen
	}
	return nil
}

// prepare prepares the statements noted since the last call. The caller
// holds no connection of the pool.
func (sc *stmtCache) prepare(ctx context.Context) {
	if sc == nil {
		return
	}
	sc.mu.Lock()
	queued := sc.queue
	sc.queue = nil
	for _, q := range queued {
		sc.state[q] = stmtPreparing
	}
	sc.mu.Unlock()
	for _, q := range queued {
		var st *sql.Stmt
		err := ctx.Err()
		if err == nil {
			st, err = sc.db.PrepareContext(ctx, q)
		}
		sc.mu.Lock()
		switch {
		case err != nil && ctx.Err() != nil:
			delete(sc.state, q) // noted again by its next use
		case err != nil:
			sc.state[q] = stmtFailed
		case !sc.closed:
			delete(sc.state, q)
			sc.stmts[q] = st
			st = nil
		}
		sc.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

// close closes every prepared statement; get keeps nothing afterwards.
func (sc *stmtCache) close() {
	if sc == nil {
		return
	}
	sc.mu.Lock()
	stmts := sc.stmts
	sc.stmts, sc.closed = map[string]*sql.Stmt{}, true
	clear(sc.state)
	sc.queue = nil
	sc.mu.Unlock()
	for _, st := range stmts {
		st.Close()
	}
}

// exec, query and queryRow run query in tx, prepared when sc has it.
func (sc *stmtCache) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := sc.get(query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

func (sc *stmtCache) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := sc.get(query); st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

func (sc *stmtCache) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := sc.get(query); st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}
