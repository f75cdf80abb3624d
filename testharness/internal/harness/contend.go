package harness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// contend acquires and releases Count times (or until told to stop with
// Loop), logging every hold.
func contend(io *childIO, a Args) error {
	ctx := context.Background()
	var db *sql.DB
	if a.Counter {
		var err error
		if db, err = OpenDB(a.DB); err != nil {
			return err
		}
		defer db.Close()
	}
	l, log, err := startLockRole(io, a)
	if err != nil {
		return err
	}
	defer log.Close()
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

// startLockRole sets up a role that takes the lock itself: its locker,
// then its event log, then the barrier. The caller closes the log.
func startLockRole(io *childIO, a Args) (locker, *EventLog, error) {
	l, err := newLocker(a)
	if err != nil {
		return nil, nil, err
	}
	log, err := startLog(io, a)
	if err != nil {
		return nil, nil, err
	}
	return l, log, nil
}

// startLog creates the event log at a.Log and then waits at the barrier.
// The caller closes the log.
func startLog(io *childIO, a Args) (*EventLog, error) {
	log, err := CreateEventLog(a.Log)
	if err != nil {
		return nil, err
	}
	if err := barrier(io, a); err != nil {
		log.Close()
		return nil, err
	}
	return log, nil
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
