// Package locktest helps the tests of programs that use lockcore: a
// temporary directory that may hold a lock file the test process keeps
// open, removable on every platform, Wine included.
package locktest

import "testing"

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
