//go:build !windows

package locktest

import "testing"

// UnderWine reports whether the process runs under Wine: never off Windows.
func UnderWine() bool { return false }

// moveLockFilesAtCleanup does nothing: off Windows an open file never
// keeps its directory from being removed.
func moveLockFilesAtCleanup(testing.TB, string) {}
