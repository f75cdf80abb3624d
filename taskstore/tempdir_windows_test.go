package taskstore

import (
	"os/exec"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore/locktest"
)

// skipWithoutGitUnderWine skips a test that builds repositories with the
// real git when it runs under Wine with no git for Windows installed; the
// test runs on windows-latest, which has git.
func skipWithoutGitUnderWine(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("git"); err != nil && locktest.UnderWine() {
		tb.Skip("no git for Windows under Wine; this test runs natively on windows-latest")
	}
}
