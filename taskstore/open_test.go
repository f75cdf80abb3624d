package taskstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore/locktest"
	"github.com/astrotask/astrotask-go/taskstore/internal/sqlite"
	"github.com/google/go-cmp/cmp"
)

// openBoth opens the database at path without and with the cooperative
// lock, and calls check with each result; a Store that opened is closed.
func openBoth(t *testing.T, path string, check func(t *testing.T, locking bool, err error)) {
	t.Helper()
	for _, locking := range []bool{false, true} {
		s, err := Open(t.Context(), Options{DataDir: path, EnableLocking: &locking, LockOptions: lockOpts("t")})
		if s != nil {
			s.Close()
		}
		check(t, locking, err)
	}
}

// wantOpenError checks that err is the one-line *DatabaseError
// "open task db <path>: <want>".
func wantOpenError(t *testing.T, err error, path, want string) {
	t.Helper()
	var de *DatabaseError
	if !errors.As(err, &de) || err.Error() != "open task db "+path+": "+want {
		t.Fatalf("open error = %v (%T), want *DatabaseError %q", err, err, "open task db "+path+": "+want)
	}
}

// rawSQLite runs statements on the SQLite file at path through the driver
// alone, as another application would.
func rawSQLite(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// applicationID reads the mark of the SQLite file at path.
func applicationID(t *testing.T, path string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var id int64
	if err := db.QueryRow("PRAGMA application_id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// snapshot maps the name of every file below dir to its content (a
// symlink to its target).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			files[rel] = "-> " + target
			return err
		case d.IsDir():
			files[rel] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestOpenRefusesForeignDatabase: a SQLite file of another application is
// refused, with and without the lock, and left exactly as it was: no
// tables added, no switch to WAL, no -wal, -shm, -journal or lock file.
func TestOpenRefusesForeignDatabase(t *testing.T) {
	for name, c := range map[string]struct {
		stmts []string
		why   string
	}{
		"tables":      {[]string{"CREATE TABLE notes (x)", "INSERT INTO notes VALUES (1)"}, "it has another application's tables and no astrotask mark"},
		"wal":         {[]string{"PRAGMA journal_mode = WAL", "CREATE TABLE notes (x)"}, "it has another application's tables and no astrotask mark"},
		"marked":      {[]string{"PRAGMA application_id = 1196444487"}, "it is marked as another application's (application_id 0x47504b47)"},
		"marked ours": {[]string{"PRAGMA application_id = -1", "CREATE TABLE tasks (id)"}, "it is marked as another application's (application_id 0xffffffff)"},
		"versioned":   {[]string{"PRAGMA user_version = 7"}, "it has another application's user_version (7)"},
		// Rails keeps a schema_migrations table too, without our columns.
		"lookalike": {[]string{"CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)", "INSERT INTO schema_migrations VALUES ('1')",
			"CREATE TABLE tasks (id)", "CREATE TABLE task_dependencies (a)", "CREATE TABLE context_slices (a)"},
			"it has another application's tables and no astrotask mark"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := tempDir(t)
			path := filepath.Join(dir, "other.sqlite")
			rawSQLite(t, path, c.stmts...)
			before := snapshot(t, dir)
			openBoth(t, path, func(t *testing.T, locking bool, err error) {
				wantOpenError(t, err, path, "not an astrotask database: "+c.why)
				if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
					t.Fatalf("locking %v: the directory changed (-before +after):\n%s", locking, diff)
				}
			})
			t.Logf("%s: refused, unchanged", name)
		})
	}
}

// TestOpenMarksDatabases: a new database, an empty file and a SQLite file
// with no schema open as new databases and get the mark; a database made
// before the mark (astrotask's tables, application_id 0) opens with its
// tasks and gets marked by migration.
func TestOpenMarksDatabases(t *testing.T) {
	ctx := context.Background()
	dir := tempDir(t)
	fresh := filepath.Join(dir, "new.db")
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(dir, "bare.db")
	rawSQLite(t, bare, "PRAGMA journal_mode = WAL")
	for _, p := range []string{fresh, empty, bare} {
		s, err := OpenLocal(ctx, p)
		if err != nil {
			t.Fatalf("OpenLocal(%s) = %v", filepath.Base(p), err)
		}
		s.Close()
		if got := applicationID(t, p); got != sqlite.ApplicationID {
			t.Errorf("%s: application_id = %#x, want %#x", filepath.Base(p), got, sqlite.ApplicationID)
		}
	}

	legacy := filepath.Join(dir, "legacy.db")
	s, err := OpenLocal(ctx, legacy)
	if err != nil {
		t.Fatal(err)
	}
	task, err := s.AddTask(ctx, NewTask{Title: "from before the mark"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// As the releases before the mark left it.
	rawSQLite(t, legacy, "PRAGMA application_id = 0", "DELETE FROM schema_migrations WHERE name = 'mark'")
	if got := applicationID(t, legacy); got != 0 {
		t.Fatalf("legacy fixture application_id = %#x", got)
	}
	openBoth(t, legacy, func(t *testing.T, locking bool, err error) {
		if err != nil {
			t.Fatalf("Open(legacy, locking %v) = %v", locking, err)
		}
	})
	s, err = OpenLocal(ctx, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.GetTask(ctx, task.ID); err != nil || got.Title != task.Title {
		t.Fatalf("GetTask(%s) after the mark = %+v, %v", task.ID, got, err)
	}
	if got := applicationID(t, legacy); got != sqlite.ApplicationID {
		t.Errorf("legacy: application_id = %#x after opening, want %#x", got, sqlite.ApplicationID)
	}
}

// TestOpenRefusesSymlinks: a symlink at the database's name, or at its
// -wal, -shm or -journal name, is refused before SQLite opens anything:
// the target is neither created nor changed. A symlinked directory above
// the database is followed, and the lock file sits beside the database in
// the directory it points to.
func TestOpenRefusesSymlinks(t *testing.T) {
	dir := tempRoot(t)
	elsewhere := filepath.Join(dir, "elsewhere")
	mkdirs(t, elsewhere)
	ours := filepath.Join(elsewhere, "ours.db")
	s, err := OpenLocal(t.Context(), ours)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	precious := filepath.Join(elsewhere, "precious")
	writeFile(t, precious, strings.Repeat("keep me ", 1024))

	for _, c := range []struct{ name, link, target string }{
		{"to nothing", "astrotask.db", filepath.Join(elsewhere, "created.db")},
		{"to a database", "astrotask.db", ours},
		{"-wal", "astrotask.db-wal", precious},
		{"-shm", "astrotask.db-shm", precious},
		{"-journal", "astrotask.db-journal", precious},
	} {
		data := filepath.Join(dir, strings.TrimPrefix(c.name, "-"), "data")
		mkdirs(t, data)
		db := filepath.Join(data, "astrotask.db")
		if c.link != "astrotask.db" {
			s, err := OpenLocal(t.Context(), db)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
		locktest.Symlink(t, c.target, filepath.Join(data, c.link))
		before, beforeElsewhere := snapshot(t, data), snapshot(t, elsewhere)
		openBoth(t, db, func(t *testing.T, locking bool, err error) {
			want := "it is a symlink: give the path of the file it points to, so that the lock file sits beside that file"
			if c.link != "astrotask.db" {
				want = filepath.Join(data, c.link) + " is a symlink, which SQLite would write through"
			}
			wantOpenError(t, err, db, want)
			if diff := cmp.Diff(before, snapshot(t, data)); diff != "" {
				t.Fatalf("%s, locking %v: the data directory changed (-before +after):\n%s", c.name, locking, diff)
			}
			if diff := cmp.Diff(beforeElsewhere, snapshot(t, elsewhere)); diff != "" {
				t.Fatalf("%s, locking %v: the link's target changed (-before +after):\n%s", c.name, locking, diff)
			}
		})
		t.Logf("%s: refused", c.name)
	}

	linked := filepath.Join(dir, "linked")
	locktest.Symlink(t, elsewhere, linked)
	s, err = Open(t.Context(), Options{DataDir: filepath.Join(linked, "via-dir.db"), LockOptions: lockOpts("t")})
	if err != nil {
		t.Fatalf("Open through a symlinked directory = %v", err)
	}
	if _, err := s.ListTasks(t.Context(), Filter{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, name := range []string{"via-dir.db", ".astrotask.lock"} {
		if fi, err := os.Lstat(filepath.Join(elsewhere, name)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s in the symlinked directory's target: %v, %v; want a regular file", name, fi, err)
		}
	}
}

// TestOpenFailuresSayWhatIsWrong: a file that is not a database and a
// damaged database fail to open with one line naming the file and what is
// wrong with it, and without the migration step that met the failure.
func TestOpenFailuresSayWhatIsWrong(t *testing.T) {
	dir := tempDir(t)
	junk := filepath.Join(dir, "junk.db")
	writeFile(t, junk, strings.Repeat("not a database ", 1000))
	openBoth(t, junk, func(t *testing.T, _ bool, err error) { wantOpenError(t, err, junk, "not a SQLite database") })

	damaged := filepath.Join(dir, "damaged.db")
	s, err := OpenLocal(t.Context(), damaged)
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // the last connection checkpoints: the file holds everything
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[100:], bytes.Repeat([]byte{0xff}, 400)) // page 1 past the header: the schema's b-tree
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	openBoth(t, damaged, func(t *testing.T, _ bool, err error) {
		wantOpenError(t, err, damaged, "database disk image is malformed")
	})

	file := filepath.Join(dir, "file")
	writeFile(t, file, "")
	under := filepath.Join(file, "x.db")
	openBoth(t, under, func(t *testing.T, _ bool, err error) {
		if err == nil || !strings.HasPrefix(err.Error(), "open task db "+under+": mkdir "+file+": ") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("Open(under a file) = %v, want one line naming the database and the directory", err)
		}
	})
}
