package app

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore/locktest"
)

// runAstro runs the real astro in dir with args, with no DATABASE_URI, and
// returns its exit code and standard error.
func runAstro(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("astro", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DATABASE_URI=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("astro %q: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// wantRefusal checks that astro failed with exit code 1 and the one line
// "Error: <want>".
func wantRefusal(t *testing.T, code int, stderr, want string) {
	t.Helper()
	if code != ExitError || stderr != "Error: "+want+"\n" {
		t.Fatalf("astro: exit %d, stderr %q; want exit %d and %q", code, stderr, ExitError, "Error: "+want+"\n")
	}
	t.Log(strings.TrimSpace(stderr))
}

// mustRead returns the content of path.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAstroRefusesSymlinkedDatabase: a symlink at data/astrotask.db is
// refused, and its target is not created.
func TestAstroRefusesSymlinkedDatabase(t *testing.T) {
	dir := tempDir(t)
	target := filepath.Join(dir, "elsewhere.db")
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "data", "astrotask.db")
	locktest.Symlink(t, target, db)
	code, stderr := runAstro(t, dir, "task", "list")
	wantRefusal(t, code, stderr, "open database: open task db "+db+": it is a symlink: give the path of the file it points to, so that the lock file sits beside that file")
	if _, err := os.Lstat(target); err == nil {
		t.Fatalf("astro created the symlink's target %s", target)
	}
}

// TestAstroRefusesHardLinkedLockFile: a lock file that is another name of
// some file is refused, and that file keeps its content.
func TestAstroRefusesHardLinkedLockFile(t *testing.T) {
	dir := tempDir(t)
	if code, stderr := runAstro(t, dir, "init"); code != 0 {
		t.Fatalf("astro init: exit %d: %s", code, stderr)
	}
	lock := filepath.Join(dir, "data", ".astrotask.lock")
	precious := filepath.Join(dir, "precious")
	content := bytes.Repeat([]byte("keep me "), 128)
	if err := os.WriteFile(precious, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(precious, lock); err != nil {
		t.Fatal(err)
	}
	code, stderr := runAstro(t, dir, "task", "add", "--title", "never written")
	wantRefusal(t, code, stderr, "add task: lockcore: open "+lock+
		": lock file has other names (hard links); the lock record would overwrite them: found 2 links")
	if got := mustRead(t, precious); !bytes.Equal(got, content) {
		t.Fatalf("the lock file's other name changed: %q", got)
	}
}

// TestAstroRefusesForeignDatabase: a SQLite file marked as another
// application's (here astro's own database, its application_id changed to
// GeoPackage's) is refused and left byte for byte as it was, with no -wal
// or -shm file beside it.
func TestAstroRefusesForeignDatabase(t *testing.T) {
	dir := tempDir(t)
	db := filepath.Join(dir, "other.gpkg")
	if code, stderr := runAstro(t, dir, "--db", db, "init"); code != 0 {
		t.Fatalf("astro init: exit %d: %s", code, stderr)
	}
	if _, err := os.Lstat(db + "-wal"); err == nil {
		t.Fatal("astro left a -wal file: the database file is not whole")
	}
	b := mustRead(t, db)
	binary.BigEndian.PutUint32(b[68:], 0x47504b47) // the header's application_id
	if err := os.WriteFile(db, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr := runAstro(t, dir, "--db", db, "task", "list")
	wantRefusal(t, code, stderr, "open database: open task db "+db+": not an astrotask database: it is marked as another application's (application_id 0x47504b47)")
	if !bytes.Equal(mustRead(t, db), b) {
		t.Fatal("astro changed the other application's database")
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Lstat(db + suffix); err == nil {
			t.Errorf("astro left %s beside the other application's database", db+suffix)
		}
	}
}

// TestAstroOpenFailureSaysWhatIsWrong: a file that is not a database is
// named, with what is wrong, in one line.
func TestAstroOpenFailureSaysWhatIsWrong(t *testing.T) {
	dir := tempDir(t)
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("junk"), 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr := runAstro(t, dir, "--db", junk, "task", "list")
	wantRefusal(t, code, stderr, "open database: open task db "+junk+": not a SQLite database")
}

// TestAstroRefusesConninfo: a libpq key=value string is refused with a
// hint to use a URL; the password is not echoed and no file is created.
func TestAstroRefusesConninfo(t *testing.T) {
	dir := tempDir(t)
	code, stderr := runAstro(t, dir, "--db", "host=localhost password=s3cret-value dbname=tasks", "task", "list")
	wantRefusal(t, code, stderr, "locate database: invalid database: a PostgreSQL key=value connection string (host, password, dbname) is not supported: use a URL such as postgres://user:password@host:5432/dbname")
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Fatalf("astro left %v (%v) in the working directory", ents, err)
	}
}
