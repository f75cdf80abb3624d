package lockcore

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// What the kernel tells on Linux, for the wanted values of shared tests:
// /proc/locks lists the processes holding the lock (so Inspect counts
// readers and rules out a record naming a live process that does not hold
// it), and F_GETLK reports the gate that was taken first.
const (
	kernelListsHolders = true
	getlkReportsOldest = true
)

// waitQueued waits, with a deadline, until the writer pid is blocked in
// the kernel waiting for the lock at path.
func waitQueued(t *testing.T, path string, pid int) {
	t.Helper()
	waitBlocked(t, pid)
}

// waitBlocked polls /proc/locks, with a deadline, until pid is listed as
// blocked waiting for a flock.
func waitBlocked(t *testing.T, pid int) {
	t.Helper()
	if !waitFor(func() bool { return flockWaiter(pid) }) {
		t.Fatalf("pid %d never blocked on the lock", pid)
	}
}

func flockWaiter(pid int) bool {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return false
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		fs := strings.Fields(sc.Text())
		if len(fs) > 5 && fs[1] == "->" && fs[2] == "FLOCK" && fs[5] == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

// waitStopped polls, with a deadline, until every thread of pid is stopped.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	if !waitFor(func() bool { return allStopped(pid) }) {
		t.Fatalf("pid %d never stopped", pid)
	}
}

func allStopped(pid int) bool {
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/stat")
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
			return false
		}
	}
	return true
}

// gateHolders returns the pids holding a gate of the lock file at path, from
// /proc/locks: POSIX locks at gateOffset and above.
func gateHolders(t *testing.T, path string) []int {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	key := devKey(st.Dev, st.Ino)
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 7 || f[1] != "POSIX" || f[5] != key {
			continue
		}
		if off, err := strconv.ParseInt(f[6], 10, 64); err == nil && off >= gateOffset {
			pid, _ := strconv.Atoi(f[4])
			pids = append(pids, pid)
		}
	}
	return pids
}
