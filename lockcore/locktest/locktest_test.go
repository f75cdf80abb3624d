package locktest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/lockcore/locktest"
)

// TestTempDirWithOpenLockFile: a directory holding a lock file that this
// process keeps open is removed when its test ends, Wine included.
func TestTempDirWithOpenLockFile(t *testing.T) {
	var dir string
	t.Run("holder", func(t *testing.T) {
		dir = locktest.TempDir(t)
		lk := lockcore.New(filepath.Join(dir, "tasks.db"), lockcore.Options{ProcessType: "test"})
		if err := lk.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := lk.Release(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, lockcore.LockFileName)); err != nil {
			t.Fatalf("no lock file in the directory: %v", err)
		}
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the test's directory is still there after it ended: %v", err)
	}
}

// TestSymlink: Symlink makes a link that resolves to its target.
func TestSymlink(t *testing.T) {
	dir := locktest.TempDir(t)
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	locktest.Symlink(t, target, link)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("Lstat(link) = %v, %v; want a symlink", fi, err)
	}
	if b, err := os.ReadFile(link); err != nil || string(b) != "x" {
		t.Errorf("read through the link = %q, %v; want the target's content", b, err)
	}
}
