//go:build unix

package main_test

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// interruptName is what interrupt sends.
const interruptName = "SIGTERM"

// prepareInterrupt readies cmd, before it starts, for interrupt: nothing
// to do on Unix.
func prepareInterrupt(*exec.Cmd) {}

// interrupt asks the process to stop cleanly: SIGTERM.
func interrupt(t *testing.T, p *os.Process) {
	t.Helper()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}

// skipUnderWine does nothing on Unix.
func skipUnderWine(*testing.T, string) {}
