package main_test

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore/locktest"
)

// interruptName is what interrupt sends.
const interruptName = "Ctrl-Break"

var generateConsoleCtrlEvent = syscall.NewLazyDLL("kernel32.dll").NewProc("GenerateConsoleCtrlEvent")

// prepareInterrupt starts cmd in a console process group of its own, so
// that interrupt can send it, and it alone, a console event.
func prepareInterrupt(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// interrupt asks the process to stop cleanly: a console Ctrl-Break, which
// Go delivers as os.Interrupt (a new process group ignores Ctrl-C). Wine
// refuses the event (Invalid access): there the test is skipped from here
// on, and runs whole natively on windows-latest.
func interrupt(t *testing.T, p *os.Process) {
	t.Helper()
	skipUnderWine(t, "delivery of GenerateConsoleCtrlEvent to a process group")
	if ok, _, err := generateConsoleCtrlEvent.Call(syscall.CTRL_BREAK_EVENT, uintptr(p.Pid)); ok == 0 {
		t.Fatalf("GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, %d): %v", p.Pid, err)
	}
}

// skipUnderWine skips the test under Wine, which lacks what; it runs
// natively on windows-latest.
func skipUnderWine(t *testing.T, lacks string) {
	t.Helper()
	if locktest.UnderWine() {
		t.Skipf("Wine lacks %s; this test runs natively on windows-latest", lacks)
	}
}
