package taskstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// holderOf returns the process name and mode the lock of the database at
// db shows: its lock record, or on PostgreSQL what the server shows, which
// must name a verified holder.
func holderOf(t *testing.T, db string) (string, lockcore.Mode) {
	t.Helper()
	loc, err := Locate(db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := InspectLock(context.Background(), loc, lockcore.Options{})
	if err != nil {
		t.Fatalf("InspectLock = %v", err)
	}
	if !st.Locked || st.Holder == nil || (loc.Backend == BackendPostgres && !st.Verified) {
		t.Fatalf("InspectLock = %+v, want the lock held by a named holder", st)
	}
	return st.Holder.Process, st.Mode
}

func TestLockRecordProcessTypes(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) { lockRecordProcessTypes(t, d.new(t)) })
	}
}

func lockRecordProcessTypes(t *testing.T, db string) {
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	record := func(phase string) func(context.Context) {
		return func(ctx context.Context) {
			p, mode := holderOf(t, db)
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s: %s %s", phase, p, mode))
			mu.Unlock()
		}
	}
	testHookMigrating = record("migrate")
	testHookBackup = record("backup")
	defer func() { testHookMigrating, testHookBackup = nil, nil }()

	s, err := OpenLocked(ctx, db, lockOpts("agent-7"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
		record("transaction")(ctx)
		// Calls on the outer store with the callback's ctx reuse the hold:
		// no deadlock, no change of record.
		if _, err := s.AddTask(ctx, NewTask{Title: "inner write"}); err != nil {
			return err
		}
		if _, err := s.ListTasks(ctx, Filter{}); err != nil {
			return err
		}
		record("inner")(ctx)
		_, err := tx.AddTask(ctx, NewTask{Title: "tx write"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	doc, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, doc, ImportOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
		record("after backup")(ctx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err = s.lock.With(ctx, lockcore.ModeShared, s.opts, func(ctx context.Context) error {
		record("read")(ctx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second open of the migrated database migrates nothing.
	s2, err := OpenLocked(ctx, db, lockOpts("agent-8"))
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	want := []string{
		"migrate: migration exclusive",
		"transaction: agent-7 exclusive",
		"inner: agent-7 exclusive",
		"backup: backup exclusive",
		"backup: backup exclusive",
		"after backup: agent-7 exclusive",
		"read: agent-7 shared",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("lock records:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	if n := len(allTasks(t, s)); n != 2 {
		t.Errorf("%d tasks, want 2", n)
	}
	st, err := InspectLock(ctx, s.Location(), lockcore.Options{})
	if err != nil || st.Locked {
		t.Errorf("after the last hold InspectLock = %+v, %v; want free", st, err)
	}
}

func TestWithDatabaseLock(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) { withDatabaseLock(t, d.new(t)) })
	}
}

func withDatabaseLock(t *testing.T, db string) {
	ctx := context.Background()
	outer, err := OpenLocked(ctx, db, lockOpts("cli"))
	if err != nil {
		t.Fatal(err)
	}
	defer outer.Close()
	boom := errors.New("boom")
	err = WithDatabaseLock(ctx, db, lockOpts("maintenance"), func(ctx context.Context, s Store) error {
		if p, mode := holderOf(t, db); p != "maintenance" || mode != lockcore.ModeExclusive {
			t.Errorf("record = %s %s, want maintenance exclusive", p, mode)
		}
		if _, err := s.AddTaskWithID(ctx, "M1", NewTask{Title: "one"}); err != nil {
			return err
		}
		// A LockingStore on the same database given fn's ctx joins the
		// hold instead of waiting.
		if _, err := outer.AddTaskWithID(ctx, "M2", NewTask{Title: "two"}); err != nil {
			return err
		}
		if _, err := outer.GetTask(ctx, "M1"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithDatabaseLock = %v, want fn's error", err)
	}
	// fn's writes are not one transaction: each committed on its own.
	if got := ids(allTasks(t, outer)); strings.Join(got, " ") != "M1 M2" {
		t.Errorf("tasks = %v, want [M1 M2]", got)
	}
	st, err := InspectLock(ctx, outer.Location(), lockcore.Options{})
	if err != nil || st.Locked {
		t.Errorf("after WithDatabaseLock the lock is %+v, %v; want free", st, err)
	}
	// An exclusive hold asked for under a shared one would wait for itself.
	err = outer.lock.With(ctx, lockcore.ModeShared, outer.opts, func(ctx context.Context) error {
		_, err := outer.AddTask(ctx, NewTask{Title: "upgrade"})
		return err
	})
	wantIs(t, err, lockcore.ErrUpgrade)
}

func TestLockedByAnotherProcess(t *testing.T) {
	db := filepath.Join(tempDir(t), "astrotask.db")
	ctx := context.Background()
	s := openShortBudget(t, db)
	mustAddID(t, s, "BEFORE", NewTask{})

	h := startHelper(t, "hold", "TASKSTORE_TEST_DB="+db)
	h.expect("ready")
	t.Logf("helper pid %d holds the lock", h.cmd.Process.Pid)

	// InspectLock works while the lock is held, without opening the database.
	st, err := InspectLock(ctx, s.Location(), lockcore.Options{})
	if err != nil || !st.Locked || st.Holder == nil || st.Holder.Process != "holder" || st.Holder.PID != h.cmd.Process.Pid {
		t.Fatalf("InspectLock = %+v, %v; want held by the helper", st, err)
	}
	want := fmt.Sprintf("Database is currently in use by holder (PID: %d). Please try again in a moment.", h.cmd.Process.Pid)
	_, err = s.AddTask(ctx, NewTask{Title: "blocked write"})
	wantIs(t, err, ErrLocked)
	var le *lockcore.LockedError
	if !errors.As(err, &le) || err.Error() != want {
		t.Errorf("AddTask error = %q, want %q", err, want)
	}
	_, err = s.ListTasks(ctx, Filter{})
	wantIs(t, err, ErrLocked)
	again, err := OpenLocked(ctx, filepath.Join(filepath.Dir(db), "astrotask.db"), lockcore.Options{MaxRetries: 1, RetryDelay: 1e6})
	if err != nil {
		t.Errorf("opening a migrated database needs no lock, got %v", err)
	} else {
		again.Close()
	}
	// A brand-new database in the same directory needs migrating, which
	// waits for the lock.
	_, err = OpenLocked(ctx, filepath.Join(filepath.Dir(db), "other.db"), lockcore.Options{MaxRetries: 2, RetryDelay: 10e6})
	wantIs(t, err, ErrLocked)

	// OpenLocal ignores the cooperative lock; SQLite still serialises.
	writeLocalBeside(t, s, db, h)
}

// openShortBudget opens a LockingStore on db as process "cli" with a
// budget of three retries 20ms apart, so that a call blocked by another
// holder gives up soon. It is closed when t ends.
func openShortBudget(t *testing.T, db string) *LockingStore {
	t.Helper()
	s, err := OpenLocked(context.Background(), db, lockcore.Options{ProcessType: "cli", MaxRetries: 3, RetryDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// writeLocalBeside adds task LOCAL to db through OpenLocal, which ignores
// the cooperative lock that helper h holds, then lets h finish and checks
// that s, which holds task BEFORE, sees both.
func writeLocalBeside(t *testing.T, s Store, db string, h *helper) {
	t.Helper()
	local := keepOpen(t)(OpenLocal(context.Background(), db))
	mustAddID(t, local, "LOCAL", NewTask{})
	h.wait()
	if got := ids(allTasks(t, s)); strings.Join(got, " ") != "BEFORE LOCAL" {
		t.Errorf("tasks = %v, want [BEFORE LOCAL]", got)
	}
}

func TestClearStaleLock(t *testing.T) {
	db := filepath.Join(tempDir(t), "astrotask.db")
	ctx := context.Background()
	loc := Location{Backend: BackendSQLite, Path: db}
	if r, err := ClearStaleLock(ctx, loc, lockcore.Options{}); err != nil || r.Cleared {
		t.Errorf("ClearStaleLock(no lock file) = %+v, %v; want not cleared, nil", r, err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), lockcore.LockFileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ClearStaleLock(no lock file) created one: %v", err)
	}
	h := startHelper(t, "hold", "TASKSTORE_TEST_DB="+db)
	h.expect("ready")
	r, err := ClearStaleLock(ctx, loc, lockcore.Options{})
	wantIs(t, err, ErrLocked)
	if r.Cleared || !r.After.Locked || r.After.Holder == nil || r.After.Holder.PID != h.cmd.Process.Pid {
		t.Errorf("ClearStaleLock(held) = %+v, want the live holder pid %d, not cleared", r, h.cmd.Process.Pid)
	}

	// Killed while holding: the kernel frees the lock, the record stays.
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	h.cmd.Wait()
	st, err := InspectLock(ctx, loc, lockcore.Options{})
	if err != nil || st.Locked || !st.Leftover {
		t.Fatalf("after the kill InspectLock = %+v, %v; want free with a leftover record", st, err)
	}
	r, err = ClearStaleLock(ctx, loc, lockcore.Options{})
	if err != nil || !r.Cleared || !r.Before.Leftover || r.Before.Holder == nil {
		t.Fatalf("ClearStaleLock = %+v, %v; want the leftover record cleared", r, err)
	}
	if r.After.Locked || r.After.Leftover || r.After.Holder != nil {
		t.Errorf("ClearStaleLock's After = %+v, want free and clean", r.After)
	}
	if st, _ := InspectLock(ctx, loc, lockcore.Options{}); st.Leftover || st.Holder != nil {
		t.Errorf("after clearing InspectLock = %+v", st)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), lockcore.LockFileName)); err != nil {
		t.Errorf("the lock file must never be deleted: %v", err)
	}
}
