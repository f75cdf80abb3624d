//go:build unix

package lockcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestBadLockPaths(t *testing.T) {
	for name, setup := range map[string]func(path string) error{
		"directory": func(p string) error { return os.Mkdir(p, 0o755) },
		"fifo":      func(p string) error { return unix.Mkfifo(p, 0o644) },
		"symlink":   func(p string) error { return os.Symlink(filepath.Join(filepath.Dir(p), "target"), p) },
		"dangling":  func(p string) error { return os.Symlink("/nonexistent/x", p) },
	} {
		db := testDB(t)
		l := New(db, quick)
		os.MkdirAll(filepath.Dir(l.Path()), 0o755)
		if err := setup(l.Path()); err != nil {
			t.Fatal(err)
		}
		err := l.Acquire(t.Context())
		var pe *PathError
		if !errors.Is(err, ErrNotRegular) || errors.Is(err, ErrLocked) || !errors.As(err, &pe) || pe.Path != l.Path() {
			t.Fatalf("%s: Acquire = %v, want ErrNotRegular naming the path", name, err)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(l.Path()), "target")); err == nil {
			t.Fatalf("%s: symlink target was created", name)
		}
		t.Logf("%s: %v", name, err)
	}
}

// TestPermissionDenied runs an unprivileged helper (as nobody when the
// tests run as root) against a directory it cannot write.
func TestPermissionDenied(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "lockcore.test")
	copyExecutable(t, os.Args[0], bin)
	locked := filepath.Join(dir, "locked")
	os.Mkdir(locked, 0o555)
	for _, d := range []string{filepath.Dir(dir), dir} {
		os.Chmod(d, 0o755)
	}
	cmd := helperCmd("paths", "DB", filepath.Join(locked, "sub", "a.db"))
	cmd.Path, cmd.Args[0] = bin, bin
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	h := startCmd(t, cmd)
	if got := h.expect("permission="); !strings.HasPrefix(got, "permission=true readonly=false notregular=false locked=false") {
		t.Fatalf("helper said %q, want ErrPermission only", got)
	}
	h.wait()
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

// TestLockFileIsCloseOnExec: a child process does not inherit the lock.
func TestLockFileIsCloseOnExec(t *testing.T) {
	db := testDB(t)
	l := New(db, Options{})
	mustAcquire(t, l, ModeExclusive)
	defer l.Release()
	flags, err := unix.FcntlInt(uintptr(l.h.fd), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Fatalf("F_GETFD = %#x, %v; want FD_CLOEXEC", flags, err)
	}
	// os/exec passes on every descriptor not marked close-on-exec.
	h := startHelper(t, "fdcheck", "LOCKPATH", l.Path())
	h.expect("clean")
	h.wait()
}

func init() { roles["paths"] = rolePaths }

// describe prints which sentinels err satisfies, for the parent to check.
func describe(err error) string {
	return fmt.Sprintf("permission=%v readonly=%v notregular=%v locked=%v nil=%v",
		errors.Is(err, ErrPermission), errors.Is(err, ErrReadOnly),
		errors.Is(err, ErrNotRegular), errors.Is(err, ErrLocked), err == nil)
}

// rolePaths tries to acquire the lock on DB and describes the error.
func rolePaths() error {
	err := New(env("DB"), roleOptions()).Acquire(context.Background())
	fmt.Println(describe(err))
	fmt.Fprintln(os.Stderr, err)
	return nil
}
