//go:build unix

package taskstore

import "testing"

// moveLockFilesAtCleanup does nothing: on Unix an open file never keeps
// its directory from being removed.
func moveLockFilesAtCleanup(testing.TB, string) {}

// skipWithoutGitUnderWine does nothing: git is there or the test fails.
func skipWithoutGitUnderWine(testing.TB) {}
