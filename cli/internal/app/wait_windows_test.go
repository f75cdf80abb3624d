package app

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore/locktest"
)

var generateConsoleCtrlEvent = syscall.NewLazyDLL("kernel32.dll").NewProc("GenerateConsoleCtrlEvent")

// TestCtrlBreakWhileWaiting sends a real console Ctrl-Break to an astro
// process that is waiting for the lock; Go delivers Ctrl-C and Ctrl-Break
// alike as os.Interrupt. Windows sends console events to process groups
// sharing a console, and a new group ignores Ctrl-C, so astro starts in a
// group of its own and gets Ctrl-Break, as Go's own os/signal tests do.
func TestCtrlBreakWhileWaiting(t *testing.T) {
	if locktest.UnderWine() {
		t.Skip("Wine refuses GenerateConsoleCtrlEvent here (Invalid access): no console is shared with the child; this test runs natively on windows-latest")
	}
	interruptWaiting(t, func(cmd *exec.Cmd) {
		cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	}, func(p *os.Process) error {
		if ok, _, err := generateConsoleCtrlEvent.Call(syscall.CTRL_BREAK_EVENT, uintptr(p.Pid)); ok == 0 {
			return err
		}
		return nil
	})
}
