//go:build unix

package taskstore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func init() {
	extraRoles["open-report"] = func(ctx context.Context, db string, _ *bufio.Reader) error {
		fmt.Println(openReport(ctx, db))
		return nil
	}
}

// openReport opens the database at db as astro does (with the lock) and
// says how that went: "open: ok" or "open: <error>".
func openReport(ctx context.Context, db string) string {
	s, err := Open(ctx, Options{DataDir: db})
	if err != nil {
		return "open: " + err.Error()
	}
	s.Close()
	return "open: ok"
}

// TestOpenReadOnlyDirectory runs a helper as a user who may not write the
// database's directory (nobody, when the tests run as root): a new
// database there, and an existing one whose -wal file is still to be
// created, fail with one line saying so, and nothing is created.
func TestOpenReadOnlyDirectory(t *testing.T) {
	dir := tempDir(t)
	ro := filepath.Join(dir, "ro")
	existing := filepath.Join(ro, "existing.db")
	s, err := OpenLocal(t.Context(), existing)
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // the last connection removes the -wal and -shm files
	bin := filepath.Join(dir, "taskstore.test")
	copyExecutable(t, os.Args[0], bin)
	for p, mode := range map[string]os.FileMode{filepath.Dir(dir): 0o755, dir: 0o755, existing: 0o666, ro: 0o555} {
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, ro)
	for _, db := range []string{filepath.Join(ro, "new.db"), existing} {
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Env = append(os.Environ(), roleEnv+"=open-report", "TASKSTORE_TEST_DB="+db)
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		out, err := cmd.Output()
		want := "open: open task db " + db + ": the directory is read-only for this user (permission denied)\n"
		if err != nil || string(out) != want {
			t.Fatalf("helper (as uid %d) said %q, %v; want %q", os.Geteuid(), out, err, want)
		}
		t.Log(strings.TrimSpace(string(out)))
	}
	if diff := cmp.Diff(before, snapshot(t, ro)); diff != "" {
		t.Fatalf("the read-only directory changed (-before +after):\n%s", diff)
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
