package taskstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore/internal/postgres"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
	"github.com/google/go-cmp/cmp"
)

// TestPostgresLockLost ends the lock's connection with
// pg_terminate_backend while a WithDatabaseLock function holds the lock,
// as a server restart or a proxy's idle timeout would: another process
// takes the lock at once, and every later write of the old hold fails
// with ErrLockLost, leaving nothing of it committed.
func TestPostgresLockLost(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	admin := keepOpen(t)(OpenLocal(ctx, url)).(*sqlStore)
	lostMsg := func(op string, pid int) string {
		return fmt.Sprintf("%s: the PostgreSQL lock was lost: its connection (backend pid %d) ended; nothing was written", op, pid)
	}

	var pid int
	err := WithDatabaseLock(ctx, url, lockOpts("maintenance"), func(ctx context.Context, s Store) error {
		if _, err := s.AddTaskWithID(ctx, "BEFORE", NewTask{Title: "written while held"}); err != nil {
			t.Fatal(err)
		}
		pid = terminateLockBackend(t, admin)
		h := startHelper(t, "pg-hold", "TASKSTORE_TEST_DB="+url, "TASKSTORE_TEST_MODE=exclusive", "TASKSTORE_TEST_HOST=machine-b")
		h.expect("ready")
		t.Logf("helper pid %d (machine-b) took the lock", h.cmd.Process.Pid)
		defer h.wait()

		_, err := s.AddTaskWithID(ctx, "AFTER", NewTask{Title: "written after the loss"})
		wantIs(t, err, ErrLockLost)
		if want := lostMsg("add task", pid); err == nil || err.Error() != want {
			t.Errorf("AddTask after the loss = %v, want %q", err, want)
		}
		err = s.Transaction(ctx, func(ctx context.Context, tx Store) error {
			_, err := tx.AddTaskWithID(ctx, "IN-TX", NewTask{Title: "in a transaction after the loss"})
			return err
		})
		wantIs(t, err, ErrLockLost)
		if want := lostMsg("begin transaction", pid); err == nil || err.Error() != want {
			t.Errorf("Transaction after the loss = %v, want %q", err, want)
		}
		// Reads need no lock of their own connection.
		if _, err := s.GetTask(ctx, "BEFORE"); err != nil {
			t.Errorf("GetTask after the loss: %v", err)
		}
		return err
	})
	wantIs(t, err, ErrLockLost)
	if got := ids(allTasks(t, admin)); !cmp.Equal(got, []string{"BEFORE"}) {
		t.Errorf("tasks = %v, want [BEFORE]: nothing written after the loss", got)
	}

	// A transaction that loses the lock half way commits nothing of it.
	err = WithDatabaseLock(ctx, url, lockOpts("maintenance"), func(ctx context.Context, s Store) error {
		return s.Transaction(ctx, func(ctx context.Context, tx Store) error {
			if _, err := tx.AddTaskWithID(ctx, "FIRST", NewTask{Title: "before the loss"}); err != nil {
				t.Fatal(err)
			}
			pid = terminateLockBackend(t, admin)
			_, err := tx.AddTaskWithID(ctx, "SECOND", NewTask{Title: "after the loss"})
			wantIs(t, err, ErrLockLost)
			if want := lostMsg("add task", pid); err == nil || err.Error() != want {
				t.Errorf("AddTask in the transaction after the loss = %v, want %q", err, want)
			}
			return err
		})
	})
	if want := lostMsg("add task", pid); err == nil || err.Error() != want {
		t.Errorf("WithDatabaseLock = %v, want %q", err, want)
	}
	if got := ids(allTasks(t, admin)); !cmp.Equal(got, []string{"BEFORE"}) {
		t.Errorf("tasks = %v, want [BEFORE]: the transaction was not committed", got)
	}

	// The next hold takes the lock on a new connection.
	err = WithDatabaseLock(ctx, url, lockOpts("maintenance"), func(ctx context.Context, s Store) error {
		_, err := s.AddTaskWithID(ctx, "AGAIN", NewTask{Title: "under a new hold"})
		return err
	})
	if err != nil {
		t.Fatalf("WithDatabaseLock after the loss: %v", err)
	}
}

// TestPostgresLockConnectionDiedIdle ends the lock's connection while a
// LockingStore keeps it idle between holds, as a proxy's idle timeout
// would: the next call takes the lock on a new connection, and its write
// is bound to that one.
func TestPostgresLockConnectionDiedIdle(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	admin := keepOpen(t)(OpenLocal(ctx, url)).(*sqlStore)
	s, err := OpenLocked(ctx, url, lockOpts("cli"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var old int
	err = s.Transaction(ctx, func(ctx context.Context, tx Store) error {
		old = lockBackend(t, admin)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	terminate(t, admin, old)
	err = s.Transaction(ctx, func(ctx context.Context, tx Store) error {
		if now := lockBackend(t, admin); now == old {
			t.Errorf("the lock is held by backend %d, which was terminated", now)
		}
		_, err := tx.AddTaskWithID(ctx, "A", NewTask{Title: "after an idle loss"})
		return err
	})
	if err != nil {
		t.Fatalf("Transaction after the idle lock connection died: %v", err)
	}
	if got := ids(allTasks(t, s)); !cmp.Equal(got, []string{"A"}) {
		t.Errorf("tasks = %v, want [A]", got)
	}
}

// lockBackend is the pid of the server backend that holds the
// cooperative lock exclusively.
func lockBackend(t *testing.T, admin *sqlStore) int {
	t.Helper()
	var pid int
	err := admin.db.QueryRow(fmt.Sprintf(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND mode = 'ExclusiveLock' AND classid = %d AND objid = %d AND objsubid = 2
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		postgres.AdvisoryClass, postgres.AdvisoryCoop)).Scan(&pid)
	if err != nil {
		t.Fatalf("the lock's backend: %v", err)
	}
	return pid
}

// terminateLockBackend ends the backend that holds the cooperative lock
// and returns its pid once it is gone.
func terminateLockBackend(t *testing.T, admin *sqlStore) int {
	t.Helper()
	pid := lockBackend(t, admin)
	terminate(t, admin, pid)
	return pid
}

// terminate ends backend pid with pg_terminate_backend and waits (up to
// a generous deadline) until it has exited.
func terminate(t *testing.T, admin *sqlStore, pid int) {
	t.Helper()
	var ok bool
	if err := admin.db.QueryRow("SELECT pg_terminate_backend($1, 60000)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
	}
	t.Logf("terminated backend %d", pid)
	st, err := InspectLock(context.Background(), admin.loc, lockcore.Options{})
	if err != nil || st.Locked {
		t.Fatalf("InspectLock after terminating the holder = %+v, %v; want free", st, err)
	}
}
