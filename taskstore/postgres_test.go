package taskstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore/internal/postgres"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// extraRoles are helper-process roles beyond runRole's own.
var extraRoles = map[string]func(ctx context.Context, db string, in *bufio.Reader) error{
	// pg-hold holds the lock of a PostgreSQL database, in mode
	// TASKSTORE_TEST_MODE, as process "holder" on machine
	// TASKSTORE_TEST_HOST, until stdin closes.
	"pg-hold": func(ctx context.Context, db string, in *bufio.Reader) error {
		s, err := Open(ctx, Options{DataDir: db, HostName: os.Getenv("TASKSTORE_TEST_HOST"), LockOptions: lockcore.Options{ProcessType: "holder"}})
		if err != nil {
			return err
		}
		defer s.Close()
		ls := s.(*LockingStore)
		return ls.lock.With(ctx, lockcore.Mode(os.Getenv("TASKSTORE_TEST_MODE")), ls.opts, func(context.Context) error {
			fmt.Println("ready")
			_, err := io.Copy(io.Discard, in)
			return err
		})
	},
}

// closedPort returns a 127.0.0.1 port that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestPostgresUnreachable(t *testing.T) {
	ctx := context.Background()
	url := fmt.Sprintf("postgres://agent:hunter2@127.0.0.1:%d/tasks?sslmode=disable", closedPort(t))
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error from a closed port", what)
		}
		msg := err.Error()
		t.Logf("%s: %s", what, msg)
		if strings.Contains(msg, "hunter2") || strings.Contains(msg, "\n") ||
			!strings.Contains(msg, "cannot reach the PostgreSQL server at 127.0.0.1:") {
			t.Errorf("%s: error %q, want one line naming the server and never the password", what, msg)
		}
		var de *DatabaseError
		if !errors.As(err, &de) {
			t.Errorf("%s: error %T, want a *DatabaseError", what, err)
		}
	}
	s, err := Open(ctx, Options{DataDir: url})
	if s != nil {
		t.Errorf("Open failed but returned %#v", s)
	}
	check("Open", err)
	_, err = OpenLocked(ctx, url, lockOpts("t"))
	check("OpenLocked", err)
	_, err = OpenLocal(ctx, url)
	check("OpenLocal", err)
	err = WithDatabaseLock(ctx, url, lockOpts("t"), func(context.Context, Store) error { return nil })
	check("WithDatabaseLock", err)
	loc, err := Locate(url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = InspectLock(ctx, loc, lockOpts("t"))
	check("InspectLock", err)
	r, err := ClearStaleLock(ctx, loc, lockOpts("t"))
	check("ClearStaleLock", err)
	if r.Cleared {
		t.Errorf("ClearStaleLock = %+v, want nothing cleared (nothing can be left over)", r)
	}
}

func TestPostgresBadURL(t *testing.T) {
	for _, u := range []string{
		"postgres://agent:hunter2@127.0.0.1:notaport/tasks",
		"postgres://agent:hunter2@127.0.0.1/tasks?sslmode=sometimes",
		"postgres://agent@127.0.0.1/tasks?password=hunter2&connect_timeout=soon",
	} {
		_, err := OpenLocal(context.Background(), u)
		wantIs(t, err, ErrInvalid)
		if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "\n") {
			t.Errorf("OpenLocal(%s) = %v, want one line without the password", postgres.Redact(u), err)
		}
		t.Logf("%v", err)
	}
}

// TestPostgresInProcessExclusion has goroutines of one process, through
// two stores, update a plain counter under the exclusive lock: the race
// detector sees the exclusion, and no increment is lost.
func TestPostgresInProcessExclusion(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	var stores []*LockingStore
	for range 2 {
		s, err := OpenLocked(ctx, url, lockcore.Options{ProcessType: "worker", MaxRetries: 600})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	counter := 0
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[g%2]
			for range 10 {
				err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
					counter++
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
				if _, err := s.ListTasks(ctx, Filter{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if counter != 80 {
		t.Errorf("counter = %d, want 80", counter)
	}
}

func TestPostgresLockedByAnotherProcess(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s := openShortBudget(t, url)
	mustAddID(t, s, "BEFORE", NewTask{})

	h := startHelper(t, "pg-hold", "TASKSTORE_TEST_DB="+url, "TASKSTORE_TEST_MODE=exclusive", "TASKSTORE_TEST_HOST=machine-b")
	h.expect("ready")
	pid := h.cmd.Process.Pid
	t.Logf("helper pid %d (machine-b) holds the lock", pid)

	st, err := InspectLock(ctx, s.Location(), lockcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Locked || st.Mode != lockcore.ModeExclusive || !st.Verified || st.Holder == nil ||
		st.Holder.PID != pid || st.Holder.Process != "holder" || st.Holder.Host != "machine-b" || st.Readers != 0 {
		t.Fatalf("InspectLock = %+v (holder %+v), want held exclusively by helper pid %d on machine-b", st, st.Holder, pid)
	}
	if st.Path != s.Location().String() || st.Age < 0 || st.PossiblyHung {
		t.Errorf("InspectLock path %q, age %v, possibly hung %v", st.Path, st.Age, st.PossiblyHung)
	}
	want := fmt.Sprintf("Database is currently in use by holder (PID: %d). Please try again in a moment.", pid)
	_, err = s.AddTask(ctx, NewTask{Title: "blocked write"})
	wantIs(t, err, ErrLocked)
	var le *lockcore.LockedError
	if !errors.As(err, &le) || err.Error() != want {
		t.Fatalf("AddTask error = %q, want %q", err, want)
	}
	if le.Holder.Host != "machine-b" || le.Mode != lockcore.ModeExclusive {
		t.Errorf("LockedError holder %+v mode %q", le.Holder, le.Mode)
	}
	_, err = s.ListTasks(ctx, Filter{})
	wantIs(t, err, ErrLocked)

	// Another database on the same server has a lock of its own.
	other, err := OpenLocked(ctx, pgtest.NewDatabase(t), lockcore.Options{MaxRetries: 1, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatalf("a brand-new database has its own lock, got %v", err)
	}
	mustAddID(t, other, "OTHER", NewTask{})
	other.Close()

	// A caller's deadline sooner than the budget ends the wait too.
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	long, err := OpenLocked(ctx, url, lockcore.Options{MaxRetries: 1000, RetryDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = long.GetTask(dctx, "BEFORE")
	cancel()
	long.Close()
	wantIs(t, err, ErrLocked)

	// A cancelled wait is the caller's cancellation, not "locked".
	cctx, ccancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, ccancel)
	long, err = OpenLocked(ctx, url, lockcore.Options{MaxRetries: 1000, RetryDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = long.AddTask(cctx, NewTask{Title: "cancelled"})
	long.Close()
	wantIs(t, err, context.Canceled)

	// OpenLocal ignores the cooperative lock; the server still serialises.
	writeLocalBeside(t, s, url, h)
}

func TestPostgresSharedHolders(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s := openShortBudget(t, url)
	mustAddID(t, s, "A", NewTask{})
	var hs []*helper
	for _, host := range []string{"machine-b", "machine-c"} {
		h := startHelper(t, "pg-hold", "TASKSTORE_TEST_DB="+url, "TASKSTORE_TEST_MODE=shared", "TASKSTORE_TEST_HOST="+host)
		h.expect("ready")
		hs = append(hs, h)
	}
	st, err := InspectLock(ctx, s.Location(), lockcore.Options{})
	if err != nil || !st.Locked || st.Mode != lockcore.ModeShared || st.Readers != 2 || !st.Verified || st.Holder.Process != "holder" {
		t.Fatalf("InspectLock = %+v, %v; want shared by 2 readers", st, err)
	}
	if _, err := s.GetTask(ctx, "A"); err != nil {
		t.Errorf("a read beside readers: %v", err)
	}
	_, err = s.AddTask(ctx, NewTask{Title: "write"})
	var le *lockcore.LockedError
	if !errors.As(err, &le) || le.Mode != lockcore.ModeShared || !le.Verified {
		t.Errorf("a write beside readers = %v (%+v), want a LockedError naming a reader", err, le)
	}
	for _, h := range hs {
		h.wait()
	}
	if _, err := s.AddTask(ctx, NewTask{Title: "write"}); err != nil {
		t.Errorf("a write after the readers left: %v", err)
	}
}

// TestPostgresHolderKilled kills a holder with SIGKILL: the server frees
// its lock at once, so a writer waiting with a long budget gets in and
// nothing is left over.
func TestPostgresHolderKilled(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s, err := OpenLocked(ctx, url, lockcore.Options{ProcessType: "cli", MaxRetries: 600})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := startHelper(t, "pg-hold", "TASKSTORE_TEST_DB="+url, "TASKSTORE_TEST_MODE=exclusive")
	h.expect("ready")
	if p, _ := holderOf(t, url); p != "holder" {
		t.Fatalf("holder = %s", p)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.AddTaskWithID(ctx, "AFTER", NewTask{Title: "after the kill"})
		done <- err
	}()
	// The writer is queued on the server before the kill.
	waitFor(t, "a waiting writer", func() bool { return pgWaiters(t, url) == 1 })
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	h.cmd.Wait()
	t.Logf("killed holder pid %d", h.cmd.Process.Pid)
	if err := <-done; err != nil {
		t.Fatalf("the waiting writer: %v", err)
	}
	if r, err := ClearStaleLock(ctx, s.Location(), lockcore.Options{}); r.Cleared || r.After.Locked || err != nil {
		t.Errorf("ClearStaleLock = %+v, %v; want free, not cleared, nil", r, err)
	}
	st, err := InspectLock(ctx, s.Location(), lockcore.Options{})
	if err != nil || st.Locked || st.Leftover || st.Holder != nil {
		t.Errorf("InspectLock = %+v, %v; want free with nothing left over", st, err)
	}
}

// pgWaiters counts the sessions waiting for the cooperative lock.
func pgWaiters(t *testing.T, url string) int {
	t.Helper()
	s, err := OpenLocal(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	err = s.(*sqlStore).db.QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
		AND classid = %d AND objid = %d AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		postgres.AdvisoryClass, postgres.AdvisoryCoop)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPostgresConcurrentFirstOpenLocal is TestConcurrentFirstOpen on
// PostgreSQL without the cooperative lock: the migrations' own advisory
// lock keeps them apart.
func TestPostgresConcurrentFirstOpenLocal(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, err := OpenLocal(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("OpenLocal: %v", err)
	}
}

func TestPostgresEngineErrorsAreTranslated(t *testing.T) {
	s := keepOpen(t)(OpenLocal(context.Background(), postgresDB.new(t))).(*sqlStore)
	engineErrors(t, s, time.Now(), "does not exist")
}

// TestPostgresBusyInProcess has one goroutine hold the lock while another
// of the same process gives up: its error names the holder as the server
// shows it.
func TestPostgresBusyInProcess(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s, err := OpenLocked(ctx, url, lockcore.Options{ProcessType: "cli", MaxRetries: 2, RetryDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = WithDatabaseLock(ctx, url, lockOpts("maintenance"), func(context.Context, Store) error {
		_, err := s.AddTask(ctx, NewTask{Title: "waits in this process"})
		return err
	})
	want := fmt.Sprintf("Database is currently in use by maintenance (PID: %d). Please try again in a moment.", os.Getpid())
	var le *lockcore.LockedError
	if !errors.As(err, &le) || err.Error() != want {
		t.Fatalf("AddTask under another goroutine's hold = %v, want %q", err, want)
	}
	if le.Holder.Host != hostname(t) || le.Mode != lockcore.ModeExclusive {
		t.Errorf("LockedError holder %+v, mode %q", le.Holder, le.Mode)
	}
}

// TestPostgresUnnamedHolder has a session that does not name itself hold
// the advisory lock (psql, say): the lock is still the lock, and errors
// and status speak of "another process". Past the stale timeout a named
// holder is called possibly hung, and still not robbed.
func TestPostgresUnnamedHolder(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s, err := OpenLocked(ctx, url, lockcore.Options{ProcessType: "cli", MaxRetries: 2, RetryDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := OpenLocal(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.(*sqlStore).db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT set_config('application_name', 'psql', false), pg_advisory_lock($1, $2)", postgres.AdvisoryClass, postgres.AdvisoryCoop); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddTask(ctx, NewTask{Title: "blocked"})
	const want = "Database is currently in use by another process. Please try again in a moment."
	if !errors.Is(err, ErrLocked) || err.Error() != want {
		t.Errorf("AddTask = %v, want %q", err, want)
	}
	st, err := InspectLock(ctx, s.Location(), lockcore.Options{})
	if err != nil || !st.Locked || st.Verified || st.Holder != nil || !strings.Contains(st.RecordError, `"psql"`) {
		t.Errorf("InspectLock = %+v, %v; want locked by an unnamed session", st, err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock_all()"); err != nil {
		t.Fatal(err)
	}

	err = WithDatabaseLock(ctx, url, lockOpts("maintenance"), func(ctx context.Context, _ Store) error {
		st, err := InspectLock(ctx, s.Location(), lockcore.Options{StaleTimeout: time.Nanosecond})
		if err != nil || !st.Locked || !st.PossiblyHung || !st.Verified {
			t.Errorf("InspectLock(stale timeout 1ns) = %+v, %v; want a verified, possibly hung holder", st, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddTask(ctx, NewTask{Title: "free again"}); err != nil {
		t.Errorf("AddTask after the unnamed session let go: %v", err)
	}
}

// TestPostgresLocations opens PostgreSQL through every way of naming it:
// postgres:// and postgresql:// URLs, and DATABASE_URI.
func TestPostgresLocations(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	alt := "postgresql" + strings.TrimPrefix(url, "postgres")
	for _, u := range []string{url, alt} {
		s, err := OpenLocked(ctx, u, lockOpts("t"))
		if err != nil {
			t.Fatalf("OpenLocked(%s) = %v", u, err)
		}
		if loc := s.Location(); loc.Backend != BackendPostgres || loc.URL != u {
			t.Errorf("Location() = %+v", loc)
		}
		mustAdd(t, s, NewTask{Title: "via " + u[:10]})
		s.Close()
	}
	t.Setenv(EnvDatabaseURI, url)
	s, err := Open(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := len(allTasks(t, s)); n != 2 {
		t.Errorf("DATABASE_URI opened a database with %d tasks, want the 2 added above", n)
	}
}

// TestPostgresSilentServer points the store at a listener that accepts
// connections and never answers: opening gives up after the connect
// timeout, in one line. Without connect_timeout in the URL the timeout is
// DefaultConnectTimeout.
func TestPostgresSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	url := fmt.Sprintf("postgres://agent:hunter2@127.0.0.1:%d/tasks?sslmode=disable&connect_timeout=1", port)
	_, err = OpenLocal(context.Background(), url)
	var de *DatabaseError
	if !errors.As(err, &de) || strings.Contains(err.Error(), "hunter2") ||
		!strings.HasSuffix(err.Error(), fmt.Sprintf("cannot reach the PostgreSQL server at 127.0.0.1:%d: no answer in time (timed out)", port)) {
		t.Errorf("OpenLocal(silent server) = %v", err)
	}
	t.Logf("%v", err)
}

// hostname is os.Hostname, which the PostgreSQL lock shows by default.
func hostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}
