//go:build linux

package lockcore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
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

// TestAbandonedWriterLetsReadersIn: a writer that gave up while it waits
// behind a reader stops holding later readers back, even though its kernel
// wait lingers until the reader leaves.
func TestAbandonedWriterLetsReadersIn(t *testing.T) {
	db := testDB(t)
	r := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "reader")
	r.expect("locked")
	l := New(db, quick)
	errc := make(chan error)
	go func() { errc <- l.Acquire(context.Background()) }()
	waitBlocked(t, os.Getpid())
	if gateHolders(t, l.Path()) != os.Getpid() {
		t.Fatal("a waiting writer does not hold the gate")
	}
	if err := <-errc; !errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire behind a reader = %v, want ErrLocked", err)
	}
	if pid := gateHolders(t, l.Path()); pid != 0 {
		t.Fatalf("gate still held by pid %d after the writer gave up", pid)
	}
	r2 := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "reader2")
	r2.expect("locked")
}

// gateHolders returns the pid holding the gate of the lock file at path,
// from /proc/locks, or 0.
func gateHolders(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	key := devKey(st.Dev, st.Ino)
	b, _ := os.ReadFile("/proc/locks")
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 6 && f[1] == "POSIX" && f[5] == key && f[6] == strconv.Itoa(gateOffset) {
			pid, _ := strconv.Atoi(f[4])
			return pid
		}
	}
	return 0
}
