//go:build !windows

package testdir

import "testing"

// UnderWine is false off Windows.
func UnderWine() bool { return false }

// moveLockFilesAtCleanup does nothing: on Unix an open file never keeps
// its directory from being removed.
func moveLockFilesAtCleanup(testing.TB, string) {}
