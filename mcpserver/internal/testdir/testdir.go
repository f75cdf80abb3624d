// Package testdir gives the module's tests temporary directories that can
// hold a lock file this process keeps open, on every platform including
// Wine.
package testdir

import "testing"

// New is tb.TempDir for a directory that may come to hold a lock file this
// process keeps open (lockcore keeps its handles for the life of the
// process): under Wine, which keeps the name of an open file even once
// deleted, the lock files are moved out before the directory is removed.
func New(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	moveLockFilesAtCleanup(tb, dir)
	return dir
}
