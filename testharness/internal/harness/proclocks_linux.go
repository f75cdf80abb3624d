//go:build linux

package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// BlockedPIDs returns the processes blocked in the kernel on a lock of the
// file at path (flock, or a POSIX or OFD range lock), read from /proc/locks.
// A waiter that shows up here is asleep in the kernel and is woken the
// moment the lock it waits for is let go. It exists on Linux only: no
// other kernel lists lock waiters.
func BlockedPIDs(path string) ([]int, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	st := fi.Sys().(*syscall.Stat_t)
	key := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return nil, err
	}
	var pids []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// "3: -> FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
		f := strings.Fields(sc.Text())
		if len(f) < 7 || f[1] != "->" || f[6] != key {
			continue
		}
		if pid, err := strconv.Atoi(f[5]); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, sc.Err()
}

// AwaitBlocked waits at most d until process pid is blocked in the kernel
// on a lock of the file at path, as /proc/locks shows it (Linux only).
func AwaitBlocked(path string, pid int, d time.Duration) error {
	return Poll(d, fmt.Sprintf("pid %d blocked on %s", pid, path), func() (bool, error) {
		pids, err := BlockedPIDs(path)
		for _, p := range pids {
			if p == pid {
				return true, nil
			}
		}
		return false, err
	})
}
