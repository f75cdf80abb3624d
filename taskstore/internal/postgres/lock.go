package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/sync/semaphore"
)

// The advisory lock keys, in PostgreSQL's two-key form, part of the lock
// protocol: another tool takes the cooperative lock of a database with
// pg_advisory_lock(AdvisoryClass, AdvisoryCoop). Advisory locks are scoped
// to the current database, so one pair of keys gives every database its
// own lock.
const (
	AdvisoryClass      = 0x41535452 // "ASTR"
	AdvisoryCoop       = 1          // the cooperative lock
	AdvisoryMigrations = 2          // schema migrations, transaction-level
)

// releaseTimeout bounds giving a lock back; a connection that cannot
// unlock in time is closed, which releases everything it held.
const releaseTimeout = 5 * time.Second

// Lock is the cooperative lock of a PostgreSQL database: a session
// advisory lock, exclusive or shared, taken on a connection of its own.
// The server decides who holds it and frees it the moment the holding
// connection dies, so there is nothing stale to break; the holder's
// application_name (see holderName) only names it.
//
// Writes made under an exclusive hold run on that same connection (see
// Binder), so the lock cannot be lost silently: once its connection has
// ended, the hold's writes fail and nothing of them is committed, and the
// connection is never replaced while the hold lasts.
//
// In one process all Locks on a database share a pgLock: one connection,
// one server lock, and an in-process FIFO queue in which a waiting writer
// holds back later readers. The server queues processes the same way: a
// shared request waits behind a waiting exclusive one.
type Lock struct {
	l    *pgLock
	host string // the machine name shown to others; "" means os.Hostname
}

// With runs fn holding the lock in mode, recorded as opts.ProcessType,
// within opts' budget. fn's ctx carries the hold: With calls given it do
// not wait again, and an exclusive request under a shared hold fails with
// lockcore.ErrUpgrade. A wait that runs out is a *lockcore.LockedError.
// An exclusive hold binds the writes that a Binder of the same database
// begins with fn's ctx.
func (a Lock) With(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, fn func(context.Context) error) error {
	if held, ok := ctx.Value(pgHeldKey{a.l}).(lockcore.Mode); ok {
		if mode == lockcore.ModeExclusive && held == lockcore.ModeShared {
			return fmt.Errorf("%w: %s", lockcore.ErrUpgrade, a.l.name)
		}
		return fn(ctx)
	}
	h, err := a.l.acquire(ctx, mode, opts, a.host)
	if err != nil {
		return err
	}
	defer h.release()
	ctx = context.WithValue(ctx, pgHeldKey{a.l}, mode)
	if mode == lockcore.ModeExclusive {
		ctx = context.WithValue(ctx, boundKey{a.l.id}, h)
	}
	return fn(ctx)
}

// Close gives back the lock's connection when no other Lock of this
// process on the database uses it.
func (a Lock) Close() error { return a.l.unref() }

// pgHeldKey marks, in a context, that the lock of one database is held.
type pgHeldKey struct{ l *pgLock }

// pgLock is one process's side of the cooperative lock of one database.
type pgLock struct {
	id   string // host:port/database, the registry key
	url  string // for inspecting on a connection of its own
	name string // the URL without its password, for errors
	cfg  *pgx.ConnConfig

	sem *semaphore.Weighted // FIFO: a reader weighs 1, a writer everything
	rw  sync.RWMutex        // beside the server lock, for the race detector

	db *sql.DB // opens the lock's connection; keeps none idle

	// gate guards conn, pid and readers, and is held for the whole of a
	// write bound to the lock; a channel so that waits can end.
	gate    chan struct{}
	conn    *sql.Conn
	pid     uint32 // the server backend of conn
	readers int

	refs int // guarded by pgLocks.mu
}

const allWeight = math.MaxInt32

var pgLocks = struct {
	mu sync.Mutex
	m  map[string]*pgLock
}{m: map[string]*pgLock{}}

// NewLock returns the cooperative lock of the database at rawURL, shown to
// others as running on host ("" means os.Hostname). Close gives it back.
func NewLock(rawURL, host string) (Lock, error) {
	cfg, err := config(rawURL, holderPrefix+"idle")
	if err != nil {
		return Lock{}, err
	}
	id := lockID(cfg)
	pgLocks.mu.Lock()
	defer pgLocks.mu.Unlock()
	l := pgLocks.m[id]
	if l == nil {
		l = &pgLock{id: id, url: rawURL, name: Redact(rawURL), cfg: cfg, sem: semaphore.NewWeighted(allWeight), gate: make(chan struct{}, 1)}
		l.db = stdlib.OpenDB(*cfg)
		l.db.SetMaxIdleConns(0) // a connection given back is closed
		pgLocks.m[id] = l
	}
	l.refs++
	return Lock{l: l, host: host}, nil
}

// lockID names the database of cfg in the registry of locks.
func lockID(cfg *pgx.ConnConfig) string {
	return cfg.Host + ":" + strconv.Itoa(int(cfg.Port)) + "/" + cfg.Database
}

// unref drops one user; the last closes the connection.
func (l *pgLock) unref() error {
	pgLocks.mu.Lock()
	l.refs--
	last := l.refs == 0
	if last {
		delete(pgLocks.m, l.id)
	}
	pgLocks.mu.Unlock()
	if !last {
		return nil
	}
	l.gate <- struct{}{}
	defer func() { <-l.gate }()
	l.drop()
	return l.db.Close()
}

// acquire takes the lock in mode within opts' budget (or ctx's deadline,
// when sooner) and returns the hold, whose release gives it back.
func (l *pgLock) acquire(ctx context.Context, mode lockcore.Mode, opts lockcore.Options, host string) (*hold, error) {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, opts.Budget())
	defer cancel()
	weight := int64(1)
	if mode == lockcore.ModeExclusive {
		weight = allWeight
	}
	if err := l.sem.Acquire(wctx, weight); err != nil {
		return nil, l.gaveUp(ctx, opts, start, nil)
	}
	select {
	case l.gate <- struct{}{}:
	case <-wctx.Done():
		l.sem.Release(weight)
		return nil, l.gaveUp(ctx, opts, start, nil)
	}
	if mode == lockcore.ModeShared && l.readers > 0 {
		l.readers++
	} else if err := l.lockServer(ctx, wctx, mode, opts, host, start); err != nil {
		<-l.gate
		l.sem.Release(weight)
		return nil, err
	} else if mode == lockcore.ModeShared {
		l.readers = 1
	}
	h := &hold{l: l, mode: mode, weight: weight, pid: l.pid, wait: opts.Budget()}
	<-l.gate
	if mode == lockcore.ModeExclusive {
		l.rw.Lock()
	} else {
		l.rw.RLock()
	}
	return h, nil
}

// release gives back one hold; the last shared hold of the process, or
// the exclusive one, unlocks on the server.
func (l *pgLock) release(mode lockcore.Mode) {
	l.gate <- struct{}{}
	defer func() { <-l.gate }()
	if mode == lockcore.ModeShared {
		l.readers--
		if l.readers > 0 {
			return
		}
	}
	if l.ended() {
		l.drop() // the server released the lock with the session
		return
	}
	fn := "pg_advisory_unlock"
	if mode == lockcore.ModeShared {
		fn = "pg_advisory_unlock_shared"
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	var ok bool
	if err := l.conn.QueryRowContext(ctx, "SELECT "+fn+"($1, $2)", AdvisoryClass, AdvisoryCoop).Scan(&ok); err != nil || !ok {
		l.drop() // closing the session releases whatever it held
	}
}

// drop closes the lock's connection (which releases whatever it held on
// the server), waiting for nothing but an open transaction on it;
// l.gate is held.
func (l *pgLock) drop() {
	if l.conn == nil {
		return
	}
	l.conn.Close() // back to l.db, which keeps nothing idle: closed
	l.conn, l.pid = nil, 0
}

// ended reports whether the lock's connection is gone or has failed
// (pgx closes a connection on a network error or a FATAL message, such
// as that of pg_terminate_backend); l.gate is held.
func (l *pgLock) ended() bool {
	if l.conn == nil {
		return true
	}
	closed := true
	l.conn.Raw(func(dc any) error {
		closed = dc.(*stdlib.Conn).Conn().IsClosed()
		return nil
	})
	return closed
}

// connect opens the lock's connection if it has none or it has ended,
// and reports whether it is new; l.gate is held.
func (l *pgLock) connect(ctx context.Context) (conn *sql.Conn, fresh bool, err error) {
	if !l.ended() {
		return l.conn, false, nil
	}
	l.drop()
	conn, err = l.db.Conn(ctx)
	if err != nil {
		return nil, false, connectError(ctx, l.cfg, err)
	}
	var pid uint32
	conn.Raw(func(dc any) error {
		pid = dc.(*stdlib.Conn).Conn().PgConn().PID()
		return nil
	})
	l.conn, l.pid = conn, pid
	return conn, true, nil
}

// try names the holder and takes the lock if it is free, on the lock's
// connection. A connection kept from an earlier hold may have died while
// idle (a proxy's idle timeout, a restarted server): it held nothing, so
// try starts once more on a new one. l.gate is held.
func (l *pgLock) try(ctx context.Context, fn, name string) (conn *sql.Conn, ok bool, err error) {
	conn, fresh, err := l.connect(ctx)
	if err != nil {
		return nil, false, err
	}
	q := "SELECT set_config('application_name', $1, false), " + fn + "($2, $3)"
	var set string
	err = conn.QueryRowContext(ctx, q, name, AdvisoryClass, AdvisoryCoop).Scan(&set, &ok)
	if err != nil && !fresh && ctx.Err() == nil && l.ended() {
		l.drop()
		if conn, _, err = l.connect(ctx); err != nil {
			return nil, false, err
		}
		err = conn.QueryRowContext(ctx, q, name, AdvisoryClass, AdvisoryCoop).Scan(&set, &ok)
	}
	return conn, ok, err
}

// lockServer takes the advisory lock on the server: at once if it is free,
// else by waiting with lock_timeout set to what is left of the budget. The
// connection holds nothing before; on failure it holds nothing after.
// l.gate is held.
func (l *pgLock) lockServer(ctx, wctx context.Context, mode lockcore.Mode, opts lockcore.Options, host string, start time.Time) error {
	// Connecting and the first, non-blocking try are bounded by ctx and
	// the connect timeout, not by the lock budget: only waiting is.
	try, wait := "pg_try_advisory_lock", "pg_advisory_lock"
	if mode == lockcore.ModeShared {
		try, wait = "pg_try_advisory_lock_shared", "pg_advisory_lock_shared"
	}
	conn, ok, err := l.try(ctx, try, holderName(holderInfo(opts, host, mode)))
	if conn == nil {
		return err // could not connect
	}
	if err != nil {
		return l.failed(ctx, opts, start, err)
	}
	if ok {
		return nil
	}
	deadline, _ := wctx.Deadline()
	left := time.Until(deadline)
	if left <= 0 {
		return l.gaveUp(ctx, opts, start, conn)
	}
	logger(opts).Debug("lock busy, waiting", "location", l.name, "mode", mode, "budget", left)
	// 0 would mean no timeout at all; the server takes at most INT_MAX ms.
	ms := min(max(left.Milliseconds(), 1), math.MaxInt32)
	if _, err := conn.ExecContext(ctx, "SELECT set_config('lock_timeout', $1, false)", strconv.FormatInt(ms, 10)+"ms"); err != nil {
		return l.failed(ctx, opts, start, err)
	}
	// lock_timeout ends the wait on the budget and leaves the connection
	// usable; only a cancelled ctx interrupts the statement (and so closes
	// the connection, which releases whatever it may have been granted).
	qctx, qcancel := context.WithTimeout(context.WithoutCancel(ctx), left+releaseTimeout)
	defer qcancel()
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			qcancel()
		}
	})
	defer stop()
	_, err = conn.ExecContext(qctx, "SELECT "+wait+"($1, $2)", AdvisoryClass, AdvisoryCoop)
	var pe *pgconn.PgError
	if err != nil && !(errors.As(err, &pe) && pe.Code == pgLockNotAvailable) {
		return l.failed(ctx, opts, start, err)
	}
	// The hold's writes run on this connection: they must not inherit
	// what was left of the budget.
	if _, rerr := conn.ExecContext(qctx, "RESET lock_timeout"); rerr != nil {
		return l.failed(ctx, opts, start, rerr)
	}
	if err != nil {
		return l.gaveUp(ctx, opts, start, conn)
	}
	// Granted after a wait: show when, so that the age others see is the
	// hold's, not the wait's.
	if _, err := conn.ExecContext(qctx, "SELECT set_config('application_name', $1, false)", holderName(holderInfo(opts, host, mode))); err != nil {
		return l.failed(ctx, opts, start, err)
	}
	return nil
}

// failed cleans up after an error on the lock's connection: the session
// must hold nothing, so it unlocks all or is closed. l.gate is held.
func (l *pgLock) failed(ctx context.Context, opts lockcore.Options, start time.Time, err error) error {
	if !l.ended() {
		cctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		_, uerr := l.conn.ExecContext(cctx, "SELECT pg_advisory_unlock_all()")
		cancel()
		if uerr != nil {
			l.drop()
		}
	} else {
		l.drop()
	}
	if ctx.Err() != nil {
		return l.gaveUp(ctx, opts, start, nil)
	}
	return Dialect{}.Classify("lock database", err)
}

// gaveUp is the error for a wait that ended: ctx's error when it was
// cancelled, else a *lockcore.LockedError naming the holder when conn
// (if not nil) can see one.
func (l *pgLock) gaveUp(ctx context.Context, opts lockcore.Options, start time.Time, conn *sql.Conn) error {
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		return fmt.Errorf("lock %s: %w", l.name, err)
	}
	le := &lockcore.LockedError{Path: l.name, Waited: time.Since(start), Attempts: 1}
	ictx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	var st lockcore.Status
	var err error
	if conn != nil {
		le.Attempts = 2
		err = conn.Raw(func(dc any) error {
			st, err = inspect(ictx, dc.(*stdlib.Conn).Conn(), l.name, opts)
			return err
		})
	} else {
		// Another goroutine of this process holds the lock (and its
		// connection): ask the server on a connection of our own.
		st, err = Inspect(ictx, l.url, opts)
	}
	if err == nil && st.Locked {
		le.Holder, le.Verified, le.PossiblyHung, le.Mode = st.Holder, st.Verified, st.PossiblyHung, st.Mode
	}
	logger(opts).Debug("lock busy past budget", "location", l.name, "waited", le.Waited)
	return le
}

// logger is opts' logger, silent when it has none.
func logger(opts lockcore.Options) *slog.Logger {
	if opts.Logger != nil {
		return opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}
