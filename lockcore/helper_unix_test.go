//go:build unix

package lockcore

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func init() { roles["fdcheck"] = roleFDCheck }

// closeHandlesAtCleanup does nothing: Unix removes a directory whose files
// are open.
func closeHandlesAtCleanup(testing.TB, string) {}

// symlinkOrSkip is os.Symlink, checked.
func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// signal sends sig to the helper, by pid.
func (h *helper) signal(sig syscall.Signal) {
	h.t.Helper()
	if err := syscall.Kill(h.pid(), sig); err != nil {
		h.t.Fatalf("kill -%v %d: %v", sig, h.pid(), err)
	}
}

// suspend stops the helper with SIGSTOP; resume continues it.
func (h *helper) suspend() { h.t.Helper(); h.signal(syscall.SIGSTOP) }

func (h *helper) resume() { h.t.Helper(); h.signal(syscall.SIGCONT) }

// freeElsewhere reports whether the lock at path could be taken
// exclusively through a descriptor of its own, and lets go at once.
func freeElsewhere(path string) (bool, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	return flockOp(sysFile(fd), unix.LOCK_EX|unix.LOCK_NB)
}

// holdsGate reports whether process pid, another than this one, holds a
// gate in its own slot of the lock file at path, as F_GETLK sees it.
func holdsGate(t *testing.T, path string, pid int) bool {
	t.Helper()
	h, err := lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Start: gateOffset + int64(pid)%gateSlots*gateTurns, Len: gateTurns}
	if err := unix.FcntlFlock(uintptr(h.fd), unix.F_GETLK, &lk); err != nil {
		t.Fatalf("F_GETLK on the gate slot of %d: %v", pid, err)
	}
	return lk.Type != unix.F_UNLCK && int(lk.Pid) == pid
}

// roleFDCheck reports whether this process inherited a descriptor of the
// lock file at LOCKPATH: it compares the file of every descriptor up to the
// limit on open files with it, which needs no /proc.
func roleFDCheck() error {
	var want unix.Stat_t
	if err := unix.Stat(env("LOCKPATH"), &want); err != nil {
		fmt.Println("clean") // no lock file, nothing to inherit
		return nil
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	for fd := range int(min(lim.Cur, 1<<16)) {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil && st.Dev == want.Dev && st.Ino == want.Ino {
			fmt.Println("inherited")
			return nil
		}
	}
	fmt.Println("clean")
	return nil
}

func mono() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}
