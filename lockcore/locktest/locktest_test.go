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
