//go:build unix

package taskstore

import "testing"

// skipWithoutGitUnderWine does nothing: git is there or the test fails.
func skipWithoutGitUnderWine(testing.TB) {}
