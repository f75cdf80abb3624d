package main_test

import "testing"

// tempDir is tb.TempDir for a directory that may come to hold a lock file
// this process keeps open (lockcore keeps its handles for the life of the
// process): see moveLockFilesAtCleanup for Wine, where that would keep the
// directory from being removed.
func tempDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	moveLockFilesAtCleanup(tb, dir)
	return dir
}
