package taskstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/astrotask/astrotask-go/taskstore/internal/postgres"
)

// sqlStore is the Store on database/sql. One sqlStore either owns the
// connection pool (tx == nil) or is the view that Transaction hands to its
// callback (tx != nil), in which case every method runs inside that
// transaction under a savepoint of its own.
type sqlStore struct {
	db   *sql.DB
	sc   *stmtCache // nil: statements are not kept prepared
	d    dialect
	loc  Location
	log  *slog.Logger
	tx   *txState
	bind *postgres.Binder // PostgreSQL: binds writes to the cooperative lock
}

var _ Store = (*sqlStore)(nil)

// txState is one open transaction shared by the methods of its view.
type txState struct {
	mu    sync.Mutex // serialises statements; savepoints nest properly
	tx    *sql.Tx
	sc    *stmtCache
	w     *writeTx
	depth int
	done  bool
}

// conn runs the store's portable SQL on one transaction: it rebinds
// placeholders, runs statements prepared when the store keeps them, and
// translates every error at the boundary.
type conn struct {
	tx  *sql.Tx
	sc  *stmtCache
	d   dialect
	op  string
	now time.Time
}

func (c *conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := c.sc.exec(ctx, c.tx, c.d.Rebind(query), args...)
	if err != nil {
		return nil, translate(c.d, c.op, err)
	}
	return r, nil
}

// execN runs query and returns the number of rows it changed.
func (c *conn) execN(ctx context.Context, query string, args ...any) (int, error) {
	r, err := c.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, translate(c.d, c.op, err)
	}
	return int(n), nil
}

func (c *conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := c.sc.query(ctx, c.tx, c.d.Rebind(query), args...)
	if err != nil {
		return nil, translate(c.d, c.op, err)
	}
	return rows, nil
}

// scan runs a one-row query; found is false when it returned no row.
func (c *conn) scan(ctx context.Context, query string, args []any, dest ...any) (found bool, err error) {
	err = c.sc.queryRow(ctx, c.tx, c.d.Rebind(query), args...).Scan(dest...)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, translate(c.d, c.op, err)
	}
	return true, nil
}

func (c *conn) arg(t time.Time) any { return c.d.TimeArg(t) }

// optArg passes a nullable time: nil is NULL.
func (c *conn) optArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return c.d.TimeArg(*t)
}

// now is the store's clock: UTC, to the microsecond, so that times survive
// a round trip through any backend unchanged.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// write runs fn in a write transaction: fn's error rolls back everything it
// did. Inside Transaction it runs under a savepoint instead, so a failed
// method still leaves nothing behind.
func (s *sqlStore) write(ctx context.Context, op string, fn func(*conn) error) error {
	if t := s.active(ctx); t != nil {
		return t.savepoint(ctx, s.d, op, fn)
	}
	defer s.sc.prepare(ctx) // once the transaction has given its connection back
	w, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer w.rollback() // a no-op after commit; covers panics
	if err := fn(&conn{tx: w.tx, sc: s.sc, d: s.d, op: op, now: now()}); err != nil {
		return w.check(ctx, op, err)
	}
	return w.commit(ctx)
}

// writeTx is a write transaction: on the connection pool, or bound to
// the connection that holds the cooperative lock.
type writeTx struct {
	tx    *sql.Tx
	bound *postgres.Bound // nil on the pool
	d     dialect
	op    string
}

// begin starts a write transaction for op. When ctx carries an exclusive
// hold of the PostgreSQL lock of this database, the transaction runs on
// the lock's own connection, so that it fails with ErrLockLost, writing
// nothing, once that connection has ended; otherwise on the pool.
func (s *sqlStore) begin(ctx context.Context, op string) (*writeTx, error) {
	if s.bind != nil {
		b, err := s.bind.Begin(ctx, op)
		if err != nil {
			return nil, translate(s.d, op, err)
		}
		if b != nil {
			return &writeTx{tx: b.Tx, bound: b, d: s.d, op: op}, nil
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, translate(s.d, op, err)
	}
	return &writeTx{tx: tx, d: s.d, op: op}, nil
}

// check is err, an error from within the transaction, or ErrLockLost's
// error when the lock the transaction is bound to was lost.
func (w *writeTx) check(ctx context.Context, op string, err error) error {
	if err == nil || w == nil || w.bound == nil || errors.Is(err, ErrLockLost) {
		return err
	}
	if lost := w.bound.Check(ctx, op, err); lost != err {
		return translate(w.d, op, lost)
	}
	return err
}

func (w *writeTx) commit(ctx context.Context) error {
	var err error
	if w.bound != nil {
		err = w.bound.Commit(ctx, w.op)
	} else {
		err = w.tx.Commit()
	}
	return translate(w.d, w.op, err)
}

// rollback rolls back what commit has not ended.
func (w *writeTx) rollback() {
	if w.bound != nil {
		w.bound.Rollback()
		return
	}
	w.tx.Rollback()
}

// read runs fn in a read-only transaction, so that it sees one snapshot.
func (s *sqlStore) read(ctx context.Context, op string, fn func(*conn) error) error {
	if t := s.active(ctx); t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.done {
			return &DatabaseError{Op: op, Msg: "the transaction has already ended"}
		}
		return fn(&conn{tx: t.tx, sc: s.sc, d: s.d, op: op, now: now()})
	}
	defer s.sc.prepare(ctx)
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(s.d, op, err)
	}
	defer tx.Rollback()
	if err := fn(&conn{tx: tx, sc: s.sc, d: s.d, op: op, now: now()}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return translate(s.d, op, err)
	}
	return nil
}

func (t *txState) savepoint(ctx context.Context, d dialect, op string, fn func(*conn) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return &DatabaseError{Op: op, Msg: "the transaction has already ended"}
	}
	name, err := t.begin(ctx, d, op)
	if err != nil {
		return t.w.check(ctx, op, err)
	}
	if err := fn(&conn{tx: t.tx, sc: t.sc, d: d, op: op, now: now()}); err != nil {
		if err := t.w.check(ctx, op, err); errors.Is(err, ErrLockLost) {
			return err // the transaction is gone with its connection
		}
		if rerr := t.end(ctx, d, op, name, false); rerr != nil {
			return fmt.Errorf("%w (and rolling back: %v)", err, rerr)
		}
		return err
	}
	return t.w.check(ctx, op, t.end(ctx, d, op, name, true))
}

// begin opens a savepoint; t.mu is held.
func (t *txState) begin(ctx context.Context, d dialect, op string) (string, error) {
	t.depth++
	name := "sp_" + strconv.Itoa(t.depth)
	if _, err := t.sc.exec(ctx, t.tx, "SAVEPOINT "+name); err != nil {
		t.depth--
		return "", translate(d, op, err)
	}
	return name, nil
}

// end releases (keep) or rolls back the savepoint; t.mu is held.
func (t *txState) end(ctx context.Context, d dialect, op, name string, keep bool) error {
	t.depth--
	if !keep {
		if _, err := t.sc.exec(context.WithoutCancel(ctx), t.tx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
			return translate(d, op, err)
		}
	}
	if _, err := t.sc.exec(context.WithoutCancel(ctx), t.tx, "RELEASE SAVEPOINT "+name); err != nil {
		return translate(d, op, err)
	}
	return nil
}

// Transaction runs fn in one database transaction. The Store fn receives
// runs every method inside it; fn's error (or panic) rolls everything back.
// Transactions nest: inside fn, tx.Transaction runs under a savepoint.
//
// fn's ctx carries the transaction: any store on the same database called
// with it joins the transaction rather than waiting for it (SQLite allows
// one writer), so calls made inside fn with ctx never deadlock.
func (s *sqlStore) Transaction(ctx context.Context, fn func(ctx context.Context, tx Store) error) error {
	if t := s.active(ctx); t != nil {
		view := s
		if s.tx == nil {
			view = &sqlStore{db: s.db, sc: s.sc, d: s.d, loc: s.loc, log: s.log, tx: t, bind: s.bind}
		}
		return view.nestedTransaction(ctx, fn)
	}
	defer s.sc.prepare(ctx)
	w, err := s.begin(ctx, "begin transaction")
	if err != nil {
		return err
	}
	ts := &txState{tx: w.tx, sc: s.sc, w: w}
	view := &sqlStore{db: s.db, sc: s.sc, d: s.d, loc: s.loc, log: s.log, tx: ts, bind: s.bind}
	committed := false
	defer func() {
		if !committed {
			ts.finish()
			w.rollback()
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{s.loc.String()}, ts), view); err != nil {
		return w.check(ctx, "transaction", err)
	}
	ts.finish()
	committed = true
	w.op = "commit transaction"
	return w.commit(ctx)
}

// txKey marks, in a context, the open transaction on one database, named
// by Location.String.
type txKey struct{ loc string }

// active returns the transaction this store's methods must run in: its own
// when it is a transaction's view, else one that ctx carries for the same
// database and that is still open, else nil.
func (s *sqlStore) active(ctx context.Context) *txState {
	if s.tx != nil {
		return s.tx
	}
	t, ok := ctx.Value(txKey{s.loc.String()}).(*txState)
	if !ok {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil
	}
	return t
}

// finish marks the transaction ended for any later use of its view.
func (t *txState) finish() {
	t.mu.Lock()
	t.done = true
	t.mu.Unlock()
}

func (s *sqlStore) nestedTransaction(ctx context.Context, fn func(ctx context.Context, tx Store) error) error {
	const op = "nested transaction"
	t := s.tx
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return &DatabaseError{Op: op, Msg: "the transaction has already ended"}
	}
	name, err := t.begin(ctx, s.d, op)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			t.mu.Lock()
			t.end(ctx, s.d, op, name, false)
			t.mu.Unlock()
		}
	}()
	ferr := fn(ctx, s)
	t.mu.Lock()
	defer t.mu.Unlock()
	ok = true
	if ferr != nil {
		if rerr := t.end(ctx, s.d, op, name, false); rerr != nil {
			return fmt.Errorf("%w (and rolling back: %v)", ferr, rerr)
		}
		return ferr
	}
	return t.end(ctx, s.d, op, name, true)
}

// Close closes the connection pool. On the view inside Transaction it does
// nothing: the transaction ends when its callback returns.
func (s *sqlStore) Close() error {
	if s.tx != nil {
		return nil
	}
	s.sc.close()
	if err := s.db.Close(); err != nil {
		return translate(s.d, "close database", err)
	}
	return nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// dbTime scans a stored time, whichever form the driver returns it in.
type dbTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("unexpected time value %T", src)
	}
	return nil
}

func (d dbTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("bad stored time %q", s)
	}
	*d.t = t.UTC()
	return nil
}

// optTime scans a nullable stored time: NULL is nil.
type optTime struct{ t **time.Time }

// Scan implements sql.Scanner.
func (o optTime) Scan(src any) error {
	if src == nil {
		*o.t = nil
		return nil
	}
	var t time.Time
	if err := (dbTime{&t}).Scan(src); err != nil {
		return err
	}
	*o.t = &t
	return nil
}
