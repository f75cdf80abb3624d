package lockcore

import (
	"strings"

	"golang.org/x/sys/unix"
)

// sstop is SSTOP from <sys/proc.h>, the p_stat of a process stopped by a
// signal or a debugger. golang.org/x/sys/unix does not define it for macOS.
const sstop = 4

// kinfo returns the kernel's description of pid (sysctl kern.proc.pid), or
// nil when there is none: the process is gone, or the call failed.
func kinfo(pid int) *unix.KinfoProc {
	if pid <= 0 {
		return nil
	}
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil || int(kp.Proc.P_pid) != pid {
		return nil
	}
	return kp
}

// startTime returns the start time of pid in microseconds since the Unix
// epoch (p_starttime), or 0 if pid is gone or cannot be read. The kernel
// stamps it when the process forks and never changes it: setting the clock
// later does not move it, and exec keeps it.
func startTime(pid int) uint64 {
	kp := kinfo(pid)
	if kp == nil || kp.Proc.P_starttime.Sec <= 0 {
		return 0
	}
	tv := kp.Proc.P_starttime
	return uint64(tv.Sec)*1e6 + uint64(tv.Usec)
}

// bootID returns the kernel's boot session UUID (kern.bootsessionuuid), or
// "" if unknown. kern.boottime is not used: macOS derives it from the clock
// and the uptime and moves it when the clock is set, so it does not
// identify a boot.
func bootID() string {
	s, err := unix.Sysctl("kern.bootsessionuuid")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// stopped reports whether pid is stopped by a signal or a debugger (p_stat
// SSTOP). A process that is gone is not stopped.
func stopped(pid int) bool {
	kp := kinfo(pid)
	return kp != nil && kp.Proc.P_stat == sstop
}

// kernelHolders is unknown on macOS, which lists no file locks; callers
// fall back to probing.
func kernelHolders(dev, ino uint64) ([]flockHolder, bool) { return nil, false }
