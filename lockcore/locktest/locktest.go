// Package locktest helps the tests of programs that use lockcore: a
// temporary directory that may hold a lock file the test process keeps
// open, removable on every platform, Wine included.
package locktest

import (
	"errors"
	"os"
	"testing"
)

// TempDir is tb.TempDir for a directory that may come to hold a lock file
// this process keeps open (lockcore keeps a lock file's handle for the life
// of the process). Under Wine, which keeps the name of an open file even
// once it is deleted, the directory could not be removed: there the lock
// files below it are moved out, to one directory under os.TempDir, just
// before it is removed. Elsewhere it is tb.TempDir.
func TempDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	moveLockFilesAtCleanup(tb, dir)
	return dir
}

// Symlink makes link point to target and checks that a symlink was made.
// Under Wine, whose CreateSymbolicLinkW reports success and makes nothing,
// it skips the test, which then runs natively on windows-latest; anywhere
// else a failure fails the test (on Windows, making symlinks needs an
// administrator or Developer Mode).
func Symlink(tb testing.TB, target, link string) {
	tb.Helper()
	err := os.Symlink(target, link)
	if fi, lerr := os.Lstat(link); err == nil && (lerr != nil || fi.Mode()&os.ModeSymlink == 0) {
		err = errors.New("no symlink was made")
	}
	if err == nil {
		return
	}
	if UnderWine() {
		tb.Skipf("Wine lacks symbolic links (%v); this test runs natively on windows-latest", err)
	}
	tb.Fatalf("make a symlink %s -> %s: %v", link, target, err)
}
