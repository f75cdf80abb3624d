package lockcore

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// startTime returns the start time of pid in clock ticks since boot, from
// field 22 of /proc/<pid>/stat, or 0 if it cannot be read.
func startTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces and parentheses: skip past
	// the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

// bootID returns the kernel's boot id, or "" if unknown.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// stopped reports whether pid is stopped by a signal or a tracer (state T
// or t in /proc/<pid>/stat).
func stopped(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't')
}

// kernelHolders lists the processes holding a flock on the file identified by
// dev and ino, as the kernel reports them in /proc/locks. ok is false when
// /proc/locks cannot be read.
func kernelHolders(dev, ino uint64) (hs []flockHolder, ok bool) {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil, false
	}
	defer f.Close()
	return parseProcLocks(f, devKey(dev, ino)), true
}
