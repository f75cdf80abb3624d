package probe

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// TestMain turns the test binary into a helper process chosen by
// PROBE_HELPER, as os/exec's tests do.
func TestMain(m *testing.M) {
	switch os.Getenv("PROBE_HELPER") {
	case "":
		os.Exit(m.Run())
	case "echo":
		fmt.Printf("helper pid=%d args=%q\n", os.Getpid(), os.Args[1:])
		os.Exit(7)
	case "sleep":
		fmt.Println("ready")
		time.Sleep(time.Hour)
	case "lock", "lock-exit":
		f, err := os.OpenFile(os.Getenv("PROBE_FILE"), os.O_RDWR, 0)
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		if err := lock(f, windows.LOCKFILE_EXCLUSIVE_LOCK); err != nil {
			fmt.Println("lock:", err)
			os.Exit(3)
		}
		fmt.Println("locked")
		if os.Getenv("PROBE_HELPER") == "lock-exit" {
			os.Exit(0) // without unlocking or closing
		}
		time.Sleep(time.Hour)
	}
	os.Exit(9)
}

// lock locks byte 0 of f, as github.com/gofrs/flock does on Windows.
func lock(f *os.File, flags uint32) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &windows.Overlapped{})
}

// helper starts the test binary as helper kind and waits for its first line.
func helper(t *testing.T, kind, file string) (*exec.Cmd, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "PROBE_HELPER="+kind, "PROBE_FILE="+file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper %s: first line: %v", kind, err)
	}
	return cmd, strings.TrimSpace(line)
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

func TestReexec(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("os.Executable() = %s, os.Args[0] = %s", exe, os.Args[0])
	cmd := exec.Command(exe, "a b", `c"d`)
	cmd.Env = append(os.Environ(), "PROBE_HELPER=echo")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("helper: err = %v, want exit status 7", err)
	}
	want := `args=["a b" "c\"d"]`
	if !strings.Contains(string(out), want) {
		t.Fatalf("helper output = %q, want it to contain %q", out, want)
	}
	t.Logf("parent pid=%d, helper said %q", os.Getpid(), strings.TrimSpace(string(out)))
}

func TestKill(t *testing.T) {
	cmd, line := helper(t, "sleep", "")
	if line != "ready" {
		t.Fatalf("helper said %q, want ready", line)
	}
	pid := uint32(cmd.Process.Pid)
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		t.Fatalf("OpenProcess(live child %d): %v", pid, err)
	}
	var c1, c2, e, k, u windows.Filetime
	if err := windows.GetProcessTimes(h, &c1, &e, &k, &u); err != nil {
		t.Fatalf("GetProcessTimes: %v", err)
	}
	windows.GetProcessTimes(h, &c2, &e, &k, &u)
	t.Logf("child %d creation time %v (again: %v)", pid, time.Unix(0, c1.Nanoseconds()), time.Unix(0, c2.Nanoseconds()))
	if c1.Nanoseconds() == 0 || c1 != c2 {
		t.Errorf("creation time %v then %v, want nonzero and stable", c1, c2)
	}
	windows.CloseHandle(h)

	start := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Logf("Wait after Kill returned after %v: %v (exit code %d)", time.Since(start), err, cmd.ProcessState.ExitCode())
	case <-time.After(10 * time.Second):
		t.Fatal("killed child did not die within 10s")
	}
	// Real Windows deletes a process object, and OpenProcess on its pid
	// fails, once its last handle is closed (Wait closed ours). A liveness
	// check must in any case test the exit code, not OpenProcess alone.
	var code uint32
	gone := waitFor(t, "OpenProcess(dead child) to fail or show an exit code", 5*time.Second, func() bool {
		h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
		if err != nil {
			t.Logf("OpenProcess(dead child %d): %v", pid, err)
			return true
		}
		defer windows.CloseHandle(h)
		if err := windows.GetExitCodeProcess(h, &code); err != nil {
			t.Fatalf("GetExitCodeProcess: %v", err)
		}
		return code != 259 // STILL_ACTIVE
	})
	t.Logf("dead child %d: settled after %v, exit code %d", pid, gone, code)
	time.Sleep(time.Second) // an experiment, not a synchronisation
	if h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid); err == nil {
		windows.GetExitCodeProcess(h, &code)
		windows.CloseHandle(h)
		t.Logf("1s later OpenProcess(dead child %d) still succeeds, exit code %d (real Windows: ERROR_INVALID_PARAMETER)", pid, code)
	} else {
		t.Logf("1s later OpenProcess(dead child %d): %v", pid, err)
	}
}

func lockedFile(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), ".astrotask.lock")
	if err := os.WriteFile(name, []byte("0123456789abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func tryLock(t *testing.T, name string, flags uint32) error {
	t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return lock(f, flags|windows.LOCKFILE_FAIL_IMMEDIATELY)
}

func TestLockFileExContentionAndKilledHolder(t *testing.T) {
	name := lockedFile(t)
	cmd, line := helper(t, "lock", name)
	if line != "locked" {
		t.Fatalf("helper said %q, want locked", line)
	}
	for _, m := range []struct {
		name  string
		flags uint32
	}{{"exclusive", windows.LOCKFILE_EXCLUSIVE_LOCK}, {"shared", 0}} {
		err := tryLock(t, name, m.flags)
		t.Logf("non-blocking %s LockFileEx while the helper holds it: %v", m.name, err)
		if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			t.Errorf("non-blocking %s lock = %v, want ERROR_LOCK_VIOLATION", m.name, err)
		}
	}

	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 16)
	n, err := f.ReadAt(buf, 0)
	t.Logf("ReadAt(16 bytes at 0) of a range the helper holds locked: n=%d err=%v %q (real Windows: ERROR_LOCK_VIOLATION)", n, err, buf[:n])
	n, err = f.ReadAt(buf[:15], 1)
	t.Logf("ReadAt(15 bytes at 1), outside the locked byte: n=%d err=%v", n, err)
	n, err = f.WriteAt([]byte("X"), 0)
	t.Logf("WriteAt(1 byte at 0), inside the locked byte: n=%d err=%v", n, err)
	n, err = f.WriteAt([]byte("Y"), 5)
	t.Logf("WriteAt(1 byte at 5), outside: n=%d err=%v", n, err)

	// A blocking waiter, started before the kill, must be woken by it.
	g, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	woke := make(chan error, 1)
	go func() { woke <- lock(g, windows.LOCKFILE_EXCLUSIVE_LOCK) }()
	select {
	case err := <-woke:
		t.Fatalf("blocking LockFileEx returned while the helper holds the lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}

	killed := time.Now()
	cmd.Process.Kill()
	cmd.Wait()
	select {
	case err := <-woke:
		t.Logf("blocking LockFileEx returned %v after the holder was killed, %v after Kill", err, time.Since(killed))
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocking LockFileEx still waiting 10s after the holder was killed")
	}
	windows.UnlockFileEx(windows.Handle(g.Fd()), 0, 1, 0, &windows.Overlapped{})
	d := waitFor(t, "non-blocking lock after kill", 10*time.Second, func() bool {
		return tryLock(t, name, windows.LOCKFILE_EXCLUSIVE_LOCK) == nil
	})
	t.Logf("non-blocking LockFileEx free %v after the waiter unlocked", d)
}

func TestLockFileExHolderExits(t *testing.T) {
	name := lockedFile(t)
	cmd, line := helper(t, "lock-exit", name)
	if line != "locked" {
		t.Fatalf("helper said %q, want locked", line)
	}
	cmd.Wait()
	d := waitFor(t, "lock free after holder exit", 10*time.Second, func() bool {
		return tryLock(t, name, windows.LOCKFILE_EXCLUSIVE_LOCK) == nil
	})
	t.Logf("lock free %v after the holder exited without unlocking", d)
}

func TestLockFileExSameProcessTwoHandles(t *testing.T) {
	name := lockedFile(t)
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lock(f, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY); err != nil {
		t.Fatal(err)
	}
	err = tryLock(t, name, windows.LOCKFILE_EXCLUSIVE_LOCK)
	t.Logf("second handle, same process: %v", err)
	if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		t.Errorf("second handle lock = %v, want ERROR_LOCK_VIOLATION", err)
	}
}

func TestTempDir(t *testing.T) {
	var d string
	t.Cleanup(func() {
		// Cleanups run last in, first out: this one runs after TempDir's.
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after TempDir cleanup, Stat(%s) = %v, want not exist", d, err)
		}
	})
	d = t.TempDir()
	if err := os.MkdirAll(filepath.Join(d, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"x", "a/y", "a/b/z"} {
		if err := os.WriteFile(filepath.Join(d, p), []byte(p), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("TempDir %s with a read-only file in a nested directory", d)
}

func TestRemoveAllOpenFile(t *testing.T) {
	d, err := os.MkdirTemp("", "openfile")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(d, "open"))
	if err != nil {
		t.Fatal(err)
	}
	err = os.RemoveAll(d)
	t.Logf("RemoveAll of a directory holding a file still open: %v (os.Create shares no FILE_SHARE_DELETE, so real Windows refuses too)", err)
	f.Close()
	if err != nil {
		if err := os.RemoveAll(d); err != nil {
			t.Fatalf("RemoveAll after Close: %v", err)
		}
	}
}
