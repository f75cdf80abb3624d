package lockcore

import (
	"errors"
	"strconv"
	"unsafe"

	"golang.org/x/sys/windows"
)

// stillActive is STILL_ACTIVE, the exit code of a process that has not
// exited.
const stillActive = 259

// openProcess opens pid to query it, or reports why it cannot.
func openProcess(pid int) (windows.Handle, error) {
	if pid <= 0 {
		return 0, windows.ERROR_INVALID_PARAMETER
	}
	return windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
}

// pidAlive reports whether pid names a running process: it can be opened
// and has not exited. Access denied means the process exists but belongs to
// someone else, so it counts as alive. A process that exited while others
// keep a handle to it still opens, but has an exit code.
func pidAlive(pid int) bool {
	p, err := openProcess(pid)
	if err != nil {
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(p)
	var code uint32
	return windows.GetExitCodeProcess(p, &code) != nil || code == stillActive
}

// startTime returns the creation time of pid (GetProcessTimes) in 100 ns
// units since 1601, or 0 if pid is gone or cannot be opened. It is an
// absolute time, fixed when the process is created: setting the clock
// later does not move it.
func startTime(pid int) uint64 {
	p, err := openProcess(pid)
	if err != nil {
		return 0
	}
	defer windows.CloseHandle(p)
	var created, exited, kernel, user windows.Filetime
	if windows.GetProcessTimes(p, &created, &exited, &kernel, &user) != nil {
		return 0
	}
	return uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime)
}

// timeOfDay is SYSTEM_TIMEOFDAY_INFORMATION.
type timeOfDay struct {
	BootTime, CurrentTime, TimeZoneBias int64
	TimeZoneID, Reserved                uint32
	BootTimeBias, SleepTimeBias         uint64
}

// bootID identifies the boot by the time the system booted, as the kernel
// first knew it: BootTime less BootTimeBias (SystemTimeOfDayInformation),
// in 100 ns units since 1601, or "" if unknown. Setting the clock moves
// BootTime and BootTimeBias together, so, unlike now less the uptime, the
// difference stays put for the life of the boot.
func bootID() string {
	var t timeOfDay
	err := windows.NtQuerySystemInformation(windows.SystemTimeOfDayInformation, unsafe.Pointer(&t), uint32(unsafe.Sizeof(t)), nil)
	if err != nil || t.BootTime == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(t.BootTime)-t.BootTimeBias, 10)
}
