package harness

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// contend acquires and releases Count times (or until told to stop with
// Loop), logging every hold.
func contend(io *childIO, a Args) error {
	ctx := context.Background()
	l, err := newLocker(a)
	if err != nil {
		return err
	}
	log, err := CreateEventLog(a.Log)
	if err != nil {
		return err
	}
	defer log.Close()
	var db *sql.DB
	if a.Counter {
		if db, err = OpenDB(a.DB); err != nil {
			return err
		}
		defer db.Close()
	}
	if err := barrier(io, a); err != nil {
		return err
	}
	done := 0
	for i := 0; a.Loop || i < a.Count; i++ {
		if a.Loop && io.stop() {
			break
		}
		t0 := Mono()
		if err := acquire(ctx, l, a.Shared); err != nil {
			log.Fail(Mono() - t0)
			if !errors.Is(err, lockcore.ErrLocked) {
				return fmt.Errorf("acquire: %w", err)
			}
			continue
		}
		t1 := Mono()
		log.Enter(t1, a.Shared, t1-t0)
		if a.Hold > 0 {
			time.Sleep(a.Hold) // the work done inside the hold
		}
		if a.Counter {
			if err := Increment(ctx, db, a.Owner, int64(i)); err != nil {
				return err
			}
			log.Ack(int64(i))
		}
		log.Leave(Mono())
		if err := l.Release(); err != nil {
			return fmt.Errorf("release: %w", err)
		}
		done++
		if a.Progress > 0 && done%a.Progress == 0 {
			io.say("progress %d", done)
		}
	}
	io.say("done %d", done)
	return nil
}

// barrier, with Barrier set, prints "ready" and waits for "go", so the
// parent can start processes first and set them going together.
func barrier(io *childIO, a Args) error {
	if !a.Barrier {
		return nil
	}
	io.say("ready")
	if !io.await("go") {
		return errors.New("stdin closed before go")
	}
	return nil
}

// holder acquires once and holds until told "release" (or stdin closes).
// With Count it first commits that many counter writes; with InTx it then
// leaves a write transaction open, to be killed in the middle of it.
func holder(io *childIO, a Args) error {
	ctx := context.Background()
	l, err := newLocker(a)
	if err != nil {
		return err
	}
	log, err := CreateEventLog(a.Log)
	if err != nil {
		return err
	}
	defer log.Close()
	if err := barrier(io, a); err != nil {
		return err
	}
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
	for seq := int64(0); seq < int64(a.Count); seq++ {
		if err := Increment(ctx, db, a.Owner, seq); err != nil {
			return nil, err
		}
		log.Ack(seq)
	}
	if !a.InTx {
		return nil, db.Close()
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	for seq := int64(a.Count); seq < int64(a.Count)+50; seq++ {
		if err := writeInTx(ctx, tx, a.Owner, seq, -seq); err != nil {
			return nil, err
		}
	}
	io.say("intx")
	return tx, nil
}

// WaitResult is one acquisition attempt of a waiter, printed as
// "result <json>".
type WaitResult struct {
	OK         bool  `json:"ok"`
	AcquiredAt int64 `json:"acquiredAt,omitempty"` // Mono when the acquisition returned
	WaitNs     int64 `json:"waitNs"`
	RecordPID  int   `json:"recordPid,omitempty"` // on success: the pid in the lock file
	EndedAtMs  int64 `json:"endedAtMs"`           // wall clock, Unix ms, when the attempt returned

	Error           string `json:"error,omitempty"`
	IsErrLocked     bool   `json:"isErrLocked,omitempty"`   // errors.Is(err, lockcore.ErrLocked)
	IsLockedError   bool   `json:"isLockedError,omitempty"` // errors.As(err, **lockcore.LockedError)
	HolderPID       int    `json:"holderPid,omitempty"`
	HolderProcess   string `json:"holderProcess,omitempty"`
	HolderTimestamp int64  `json:"holderTimestamp,omitempty"`
	Verified        bool   `json:"verified,omitempty"`
	PossiblyHung    bool   `json:"possiblyHung,omitempty"`
	Attempts        int    `json:"attempts,omitempty"`
	WaitedNs        int64  `json:"waitedNs,omitempty"` // LockedError.Waited
}

// waiter makes up to Attempts acquisition attempts, printing each outcome.
// It stops at the first success (holding until "release" with HoldAfter)
// or, with UntilHung, at the first failure that reports a possibly hung
// holder.
func waiter(io *childIO, a Args) error {
	ctx := context.Background()
	l, err := newLocker(a)
	if err != nil {
		return err
	}
	log, err := CreateEventLog(a.Log)
	if err != nil {
		return err
	}
	defer log.Close()
	if err := barrier(io, a); err != nil {
		return err
	}
	io.say("waiting")
	for i := 0; i < max(a.Attempts, 1); i++ {
		r, err := attempt(ctx, l, a)
		if err != nil {
			return err
		}
		if r.OK {
			log.Enter(r.AcquiredAt, a.Shared, r.WaitNs)
			io.say("result %s", mustJSON(r))
			if a.HoldAfter {
				io.await("release")
			}
			log.Leave(Mono())
			if err := l.Release(); err != nil {
				return fmt.Errorf("release: %w", err)
			}
			io.say("released")
			return nil
		}
		io.say("result %s", mustJSON(r))
		if a.UntilHung && r.PossiblyHung {
			break
		}
	}
	return nil
}

func attempt(ctx context.Context, l locker, a Args) (WaitResult, error) {
	t0 := Mono()
	err := acquire(ctx, l, a.Shared)
	t1 := Mono()
	r := WaitResult{WaitNs: t1 - t0, EndedAtMs: time.Now().UnixMilli()}
	if err == nil {
		r.OK, r.AcquiredAt = true, t1
		pid, perr := RecordPID(a.DB)
		if perr != nil && a.Impl != ImplRaw {
			return r, perr
		}
		r.RecordPID = pid
		return r, nil
	}
	r.Error = err.Error()
	r.IsErrLocked = errors.Is(err, lockcore.ErrLocked)
	var le *lockcore.LockedError
	if errors.As(err, &le) {
		r.IsLockedError = true
		r.Verified, r.PossiblyHung, r.Attempts, r.WaitedNs = le.Verified, le.PossiblyHung, le.Attempts, int64(le.Waited)
		if le.Holder != nil {
			r.HolderPID, r.HolderProcess, r.HolderTimestamp = le.Holder.PID, le.Holder.Process, le.Holder.Timestamp
		}
	}
	if !r.IsErrLocked {
		return r, fmt.Errorf("acquire: %w", err)
	}
	return r, nil
}

// RecordPID reads the lock file of the database at dbPath whole, as JSON,
// and returns its pid: the file must be valid JSON at every moment.
func RecordPID(dbPath string) (int, error) {
	b, err := os.ReadFile(LockPath(dbPath))
	if err != nil {
		return 0, fmt.Errorf("read lock record: %w", err)
	}
	var rec struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return 0, fmt.Errorf("lock record is not JSON: %w (%q)", err, truncate(b, 80))
	}
	return rec.PID, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("harness: marshal: " + err.Error())
	}
	return string(b)
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
