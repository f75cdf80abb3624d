//go:build unix

package app

import "testing"

// moveLockFilesAtCleanup does nothing: on Unix an open file never keeps
// its directory from being removed.
func moveLockFilesAtCleanup(testing.TB, string) {}
