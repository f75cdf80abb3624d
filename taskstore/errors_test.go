package taskstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestEngineErrorsAreTranslated(t *testing.T) {
	ctx := context.Background()
	s := keepOpen(t)(OpenLocal(ctx, sqliteDB.new(t))).(*sqlStore)
	engineErrors(t, s, "x", "no such table")

	// SQLite's own lock, busy past its timeout, reads as ErrLocked.
	other, err := sql.Open("sqlite", "file:"+s.loc.Path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = s.Transaction(ctx, func(ctx context.Context, tx Store) error {
		if _, err := tx.AddTask(ctx, NewTask{Title: "holding the write lock"}); err != nil {
			return err
		}
		_, err := other.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'x', 'x')")
		err = translate(s.d, "write", err)
		wantIs(t, err, ErrLocked)
		noEngineError(t, err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// engineErrors checks that engine errors from raw statements on s come
// out as taskstore errors: a duplicate key and a broken foreign key as
// ErrConflict, a failed CHECK as ErrInvalid, anything else as a
// *DatabaseError with the engine's message, containing missing for an
// unknown table. now is the engine's value for a timestamp column, and
// noEngineError fails t if a driver's or engine's own error type is
// anywhere in err's chain.
func noEngineError(t *testing.T, err error) {
	t.Helper()
	for _, e := range errorChain(err) {
		pkg := reflect.TypeOf(e).String()
		if tt := reflect.TypeOf(e); tt.Kind() == reflect.Pointer {
			pkg = tt.Elem().PkgPath()
		}
		if strings.Contains(pkg, "/internal/") || strings.HasPrefix(pkg, "modernc.org/") || strings.HasPrefix(pkg, "github.com/jackc/") {
			t.Errorf("an engine error (%T) escaped: %v", e, err)
		}
	}
}

// errorChain is err and everything it wraps.
func errorChain(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = append(out, errorChain(u.Unwrap())...)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, errorChain(e)...)
		}
	}
	return out
}

func engineErrors(t *testing.T, s *sqlStore, now any, missing string) {
	t.Helper()
	ctx := context.Background()
	mustAddID(t, s, "A", NewTask{})
	raw := func(query string, args ...any) error {
		return s.write(ctx, "raw", func(c *conn) error {
			_, err := c.exec(ctx, query, args...)
			return err
		})
	}
	err := raw("INSERT INTO tasks (id, parent_id, title, created_at, updated_at) VALUES ('A', ?, 't', ?, ?)", ProjectRootID, now, now)
	wantIs(t, err, ErrConflict)
	noEngineError(t, err)
	err = raw("UPDATE tasks SET priority_score = 500 WHERE id = 'A'")
	wantIs(t, err, ErrInvalid)
	noEngineError(t, err)
	err = raw("INSERT INTO task_dependencies (dependent_task_id, dependency_task_id, created_at) VALUES ('A', 'GONE', ?)", now)
	wantIs(t, err, ErrConflict)
	noEngineError(t, err)
	err = raw("SELECT * FROM no_such_table")
	var de *DatabaseError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), missing) {
		t.Errorf("err = %v, want a *DatabaseError with the engine's message", err)
	}
	noEngineError(t, err)
}

func TestCancelledContext(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		s := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.AddTask(ctx, NewTask{Title: "never"})
		wantIs(t, err, context.Canceled)
		_, err = s.ListTasks(ctx, Filter{})
		wantIs(t, err, context.Canceled)
		if n := len(allTasks(t, s)); n != 0 {
			t.Errorf("%d tasks written with a cancelled context", n)
		}
	})
}

func TestOpenOptions(t *testing.T) {
	ctx := context.Background()
	dir := tempDir(t)
	var logs bytes.Buffer
	s, err := Open(ctx, Options{DataDir: filepath.Join(dir, "a.db"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*LockingStore); !ok {
		t.Errorf("Open() = %T, want *LockingStore by default", s)
	}
	s.Close()
	if !strings.Contains(logs.String(), "applied migration") {
		t.Errorf("the logger did not hear about the migration: %q", logs.String())
	}
	off := false
	s, err = Open(ctx, Options{DataDir: filepath.Join(dir, "b.db"), EnableLocking: &off})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*LockingStore); ok {
		t.Error("Open(EnableLocking false) returned a *LockingStore")
	}
	s.Close()

	// The default location, from the environment.
	t.Setenv(EnvDatabaseURI, "sqlite://"+filepath.Join(dir, "env", "c.db"))
	s, err = Open(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.(*LockingStore).Location().Path; got != filepath.Join(dir, "env", "c.db") {
		t.Errorf("Open() opened %s", got)
	}
	s.Close()

	// A location that cannot hold a database fails clearly.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, locking := range []bool{false, true} {
		if s, err := Open(ctx, Options{DataDir: filepath.Join(file, "x.db"), EnableLocking: &locking}); s != nil || err == nil {
			t.Errorf("Open(under a file, locking %v) = %v, %v; want a nil Store and an error", locking, s, err)
		}
	}
	s, err = OpenLocal(ctx, filepath.Join(file, "x.db"))
	if s != nil {
		t.Errorf("OpenLocal failed but returned a non-nil Store %#v", s)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "open task db "+filepath.Join(file, "x.db")+": ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("OpenLocal(under a file) = %v, want a one-line open error", err)
	}
	t.Logf("under a file: %v", err)
	if err := os.WriteFile(filepath.Join(dir, "junk.db"), bytes.Repeat([]byte("junk"), 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = OpenLocal(ctx, filepath.Join(dir, "junk.db"))
	var de *DatabaseError
	if !errors.As(err, &de) {
		t.Errorf("OpenLocal(not a database) = %v, want a *DatabaseError", err)
	}
	t.Logf("not a database: %v", err)
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(tempDir(t), "astrotask.db")
	st, err := OpenLocal(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.(*sqlStore).db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for name, open := range map[string]func() (Store, error){
		"OpenLocal":  func() (Store, error) { return OpenLocal(ctx, db) },
		"OpenLocked": func() (Store, error) { return OpenLocked(ctx, db, lockOpts("t")) },
	} {
		s, err := open()
		if err == nil {
			s.Close()
			t.Errorf("%s opened a database from a newer version", name)
		} else if !strings.Contains(err.Error(), "database schema version 999 is newer than this program supports") {
			t.Errorf("%s error = %v", name, err)
		}
	}
}
