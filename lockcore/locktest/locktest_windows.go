package locktest

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
)

// UnderWine reports whether the process runs under Wine, whose ntdll
// exports wine_get_version.
func UnderWine() bool {
	return syscall.NewLazyDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// moveLockFilesAtCleanup, under Wine only, moves the lock files below dir
// out of it when tb ends, just before dir is removed. Windows itself
// deletes such a file (lockcore opens it to share deletion) at once, so
// there the test's own cleanup runs as it is. The moved files go to one
// directory, emptied of earlier runs' files as far as they are closed.
func moveLockFilesAtCleanup(tb testing.TB, dir string) {
	if !UnderWine() {
		return
	}
	tb.Cleanup(func() {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.Name() != lockcore.LockFileName {
				return nil
			}
			to, err := os.MkdirTemp(lockFileAttic(), "")
			if err == nil {
				err = os.Rename(path, filepath.Join(to, d.Name()))
			}
			if err != nil {
				tb.Errorf("move the open lock file %s out of the test's directory: %v", path, err)
			}
			return nil
		})
	})
}

var atticOnce sync.Once

// lockFileAttic is the directory moveLockFilesAtCleanup moves lock files to.
func lockFileAttic() string {
	attic := filepath.Join(os.TempDir(), "astrotask-wine-lock-files")
	atticOnce.Do(func() {
		entries, _ := os.ReadDir(attic)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(attic, e.Name())) // fails for files still open
		}
		os.MkdirAll(attic, 0o755)
	})
	return attic
}
