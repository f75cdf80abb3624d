package app

import (
	"fmt"
	"os"
	"syscall"
)

// umaskMain stands for `umask MASK astro ARGS...`, which scripts run on
// Unix only: Windows has no umask.
func umaskMain() {
	fmt.Fprintln(os.Stderr, "umask: Windows has no umask")
	os.Exit(2)
}

var (
	ntdll         = syscall.NewLazyDLL("ntdll.dll")
	ntSuspendProc = ntdll.NewProc("NtSuspendProcess")
	ntResumeProc  = ntdll.NewProc("NtResumeProcess")

	processSuspendRes = uint32(0x0800) // PROCESS_SUSPEND_RESUME
)

// stopProcess suspends every thread of p (NtSuspendProcess), the nearest
// Windows has to SIGSTOP; continueProcess resumes them.
func stopProcess(p *os.Process) error { return ntProcess(ntSuspendProc, p.Pid) }

func continueProcess(p *os.Process) error { return ntProcess(ntResumeProc, p.Pid) }

func ntProcess(proc *syscall.LazyProc, pid int) error {
	h, err := syscall.OpenProcess(processSuspendRes, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("open process %d: %w", pid, err)
	}
	defer syscall.CloseHandle(h)
	if st, _, _ := proc.Call(uintptr(h)); st != 0 {
		return fmt.Errorf("%s(%d) = %#x", proc.Name, pid, st)
	}
	return nil
}
