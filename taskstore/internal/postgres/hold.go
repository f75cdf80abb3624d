package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore/internal/engine"
)

// hold is one hold of the cooperative lock by one caller of Lock.With.
// The writes made under an exclusive hold are bound to it: they run on
// the connection that holds the lock on the server, one at a time.
type hold struct {
	l      *pgLock
	mode   lockcore.Mode
	weight int64         // of l.sem
	pid    uint32        // the backend that took the lock for this hold
	wait   time.Duration // how long a write waits for another write of the hold
	over   atomic.Bool   // the hold has been given back
}

// release gives the hold back.
func (h *hold) release() {
	h.over.Store(true)
	if h.mode == lockcore.ModeExclusive {
		h.l.rw.Unlock()
	} else {
		h.l.rw.RUnlock()
	}
	h.l.release(h.mode)
	h.l.sem.Release(h.weight)
}

// boundKey finds, in a context, the exclusive hold of the cooperative
// lock of one database, named by lockID.
type boundKey struct{ id string }

// Binder begins the writes of one database: on the connection that holds
// its cooperative lock when the context carries an exclusive hold of it.
type Binder struct {
	id   string // lockID
	user string // the role the writes run as
}

// NewBinder returns the Binder of the database at rawURL.
func NewBinder(rawURL string) (Binder, error) {
	cfg, err := config(rawURL, appName)
	if err != nil {
		return Binder{}, err
	}
	return Binder{id: lockID(cfg), user: cfg.User}, nil
}

// Begin starts a write transaction, for op, on the connection that holds
// the cooperative lock, when ctx carries an exclusive hold of the lock of
// b's database; it returns nil, nil when ctx carries none, or when the
// lock's connection logs in as another role than b's (the write then runs
// on the caller's pool, as that role, unbound). Writes of one
// hold take turns, each waiting at most the hold's lock budget for the
// one before. It fails with an *engine.Error of kind LockLost when the
// lock's connection has ended or the hold is over: nothing is written
// then. The caller ends the transaction with Bound.Commit or
// Bound.Rollback.
func (b Binder) Begin(ctx context.Context, op string) (*Bound, error) {
	h, ok := ctx.Value(boundKey{b.id}).(*hold)
	if !ok || h.l.cfg.User != b.user {
		return nil, nil
	}
	if h.over.Load() {
		return nil, &engine.Error{Kind: engine.LockLost, Op: op,
			Msg: "the hold of the PostgreSQL lock that this context carries is over; nothing was written"}
	}
	if err := h.turn(ctx, op); err != nil {
		return nil, err
	}
	bd := &Bound{h: h}
	if h.l.pid != h.pid || h.l.ended() {
		err := bd.lost(op, false)
		bd.done()
		return nil, err
	}
	tx, err := h.l.conn.BeginTx(ctx, nil)
	if err != nil {
		err = bd.check(ctx, op, err, false)
		bd.done()
		return nil, err
	}
	bd.Tx = tx
	return bd, nil
}

// turn waits for the other writes of the hold, within the hold's budget
// and ctx; it holds l.gate when it returns nil.
func (h *hold) turn(ctx context.Context, op string) error {
	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.l.gate <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &engine.Error{Kind: engine.Cancelled, Op: op, Msg: ctx.Err().Error(), Err: ctx.Err()}
	case <-timer.C:
		return &engine.Error{Kind: engine.Busy, Op: op,
			Msg: fmt.Sprintf("another write under the same hold of the lock did not finish within %v", h.wait)}
	}
}

// Bound is a write transaction on the connection that holds the
// cooperative lock. Tx must be ended by Commit or Rollback, not directly.
type Bound struct {
	Tx *sql.Tx
	h  *hold
}

// Check returns err, the error of op, a statement of the transaction, or
// the LockLost error that says why when the lock's connection has ended.
func (b *Bound) Check(ctx context.Context, op string, err error) error {
	return b.check(ctx, op, err, false)
}

// Commit commits the transaction, for op, and lets the hold's next write
// begin. When the lock's connection ended before the commit was confirmed, it
// fails with a LockLost error that says the write may have been
// committed (then it was, while the lock was still held). Other errors
// are returned as they are.
func (b *Bound) Commit(ctx context.Context, op string) error {
	defer b.done()
	if err := b.Tx.Commit(); err != nil {
		return b.check(ctx, op, err, true)
	}
	return nil
}

// Rollback rolls the transaction back, if Commit has not ended it, and
// lets the hold's next write begin. It may be called again.
func (b *Bound) Rollback() {
	if b.h == nil {
		return
	}
	b.Tx.Rollback()
	b.done()
}

// done gives the connection to the hold's next write, closing it first
// when it has ended; l.gate is held.
func (b *Bound) done() {
	if b.h == nil {
		return
	}
	l := b.h.l
	if l.pid == b.h.pid && l.ended() {
		l.drop()
	}
	b.h = nil
	<-l.gate
}

// check is err, or the LockLost error when the lock's connection has
// ended and ctx is not what ended it; l.gate is held unless the
// transaction has ended, when err is returned as it is.
func (b *Bound) check(ctx context.Context, op string, err error, committing bool) error {
	if b.h == nil || ctx.Err() != nil || !b.h.l.ended() {
		return err
	}
	return b.lost(op, committing)
}

// lost is the error for op, a write whose lock was lost.
func (b *Bound) lost(op string, committing bool) error {
	what := "; nothing was written"
	if committing {
		what = " during the commit; the write may have been committed, while the lock was still held"
	}
	return &engine.Error{Kind: engine.LockLost, Op: op,
		Msg: fmt.Sprintf("the PostgreSQL lock was lost: its connection (backend pid %d) ended%s", b.h.pid, what)}
}
