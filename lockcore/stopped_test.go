//go:build linux

package lockcore

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStoppedWaiterBlocksNobody: a writer that is stopped (Ctrl-Z, SIGSTOP)
// while it waits for the lock must not keep others out once the lock is
// free, even though it had asked readers to let it go first.
func TestStoppedWaiterBlocksNobody(t *testing.T) {
	db := testDB(t)
	a := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "holder")
	a.expect("locked")
	w := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "writer")
	waitBlocked(t, w.pid())
	w.signal(syscall.SIGSTOP)
	waitStopped(t, w.pid()) // else a thread may still take the lock on release
	t.Logf("writer %d stopped while waiting; holder %d releases", w.pid(), a.pid())
	a.send("release")
	a.expect("released")
	opts := Options{MaxRetries: 20, RetryDelay: 100 * time.Millisecond}
	l := New(db, opts)
	if err := l.AcquireShared(context.Background()); err != nil {
		t.Fatalf("AcquireShared with a stopped waiter = %v", err)
	}
	l.Release()
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatalf("Acquire with a stopped waiter = %v", err)
	}
	l.Release()
	w.signal(syscall.SIGCONT)
	w.expect("locked")
}

// waitBlocked polls /proc/locks, with a deadline, until pid is listed as
// blocked waiting for a flock.
func waitBlocked(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !flockWaiter(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never blocked on the lock", pid)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// waitStopped polls, with a deadline, until every thread of pid is stopped.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !allStopped(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never stopped", pid)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
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
