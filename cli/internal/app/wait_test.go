package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

func TestWatchPrintsHolderOnce(t *testing.T) {
	st := lockcore.Status{
		Locked: true, Mode: lockcore.ModeExclusive, Verified: true, Age: 1234 * time.Millisecond,
		Holder: &lockcore.LockInfo{PID: os.Getpid() + 1, Process: "mcp-server"},
	}
	calls := 0
	var w syncBuffer
	stop := watch(context.Background(), time.Millisecond, func(context.Context) (lockcore.Status, error) {
		calls++
		return st, nil
	}, &w)
	waitFor(t, "the waiting line", func() bool { return w.String() != "" })
	stop()
	want := "Waiting for the database: held by mcp-server (PID " + strconv.Itoa(os.Getpid()+1) + ") for 1.2s...\n"
	if got := w.String(); got != want || calls != 1 {
		t.Errorf("watch printed %q after %d inspections, want %q after 1", got, calls, want)
	}
}

func TestWatchNamesUnverifiedHolderVaguely(t *testing.T) {
	st := lockcore.Status{Locked: true, Age: 700 * time.Millisecond, Holder: &lockcore.LockInfo{PID: 42, Process: "mcp-server"}}
	if got, want := waitingLine(st), "Waiting for the database: held by another process for 700ms..."; got != want {
		t.Errorf("waitingLine(unverified) = %q, want %q", got, want)
	}
}

func TestWatchSilent(t *testing.T) {
	tests := []struct {
		name string
		st   lockcore.Status
	}{
		{"free", lockcore.Status{}},
		{"held by this process", lockcore.Status{Locked: true, Verified: true, Holder: &lockcore.LockInfo{PID: os.Getpid(), Process: "cli"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inspected := make(chan struct{})
			var w syncBuffer
			stop := watch(context.Background(), time.Millisecond, func(context.Context) (lockcore.Status, error) {
				close(inspected)
				return tt.st, nil
			}, &w)
			<-inspected
			stop()
			if got := w.String(); got != "" {
				t.Errorf("watch printed %q, want nothing", got)
			}
		})
	}
}

func TestWatchStoppedEarlyNeverInspects(t *testing.T) {
	var w syncBuffer
	stop := watch(context.Background(), time.Hour, func(context.Context) (lockcore.Status, error) {
		t.Error("inspect called after stop")
		return lockcore.Status{}, nil
	}, &w)
	stop()
	if got := w.String(); got != "" {
		t.Errorf("watch printed %q, want nothing", got)
	}
}

// holder is a running lockholder.
type holder struct {
	*exec.Cmd
	ready string
}

// release tells the holder to let go of the lock (see untilReleased) and
// waits for it to exit.
func (h *holder) release(t *testing.T) {
	t.Helper()
	if err := os.Remove(h.ready); err != nil {
		t.Fatal(err)
	}
	if err := h.Wait(); err != nil {
		t.Fatalf("lockholder: %v", err)
	}
}

// startHolder starts the lockholder command (installed in PATH by
// TestMain) on dbPath and waits until it holds the lock. The holder is
// killed when the test ends.
func startHolder(t *testing.T, mode, dbPath string) *holder {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command("lockholder", mode, dbPath, ready)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start lockholder: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	waitFor(t, "lockholder to hold the lock", func() bool {
		b, err := os.ReadFile(ready)
		return err == nil && len(b) > 0
	})
	return &holder{cmd, ready}
}

// TestInterruptWhileWaiting runs `task add` in process on a terminal-like
// stderr while another process holds the lock, waits for the status line,
// then cancels the context as SIGINT would: the command must exit 130,
// release everything and write nothing.
func TestInterruptWhileWaiting(t *testing.T) {
	dir := tempDir(t)
	db := filepath.Join(dir, "data", "astrotask.db")
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: os.Stderr, waitDelay: WaitNoticeDelay, getenv: os.Getenv}
	if code := run(context.Background(), e, []string{"astro", "init", "--db", db}); code != ExitOK {
		t.Fatalf("astro init exited %d", code)
	}

	holder := startHolder(t, "exclusive", db)
	var stderr syncBuffer
	e = &env{stdout: &out, stderr: &stderr, errTerminal: true, waitDelay: 20 * time.Millisecond, getenv: os.Getenv}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"astro", "task", "add", "--db", db, "--lock-timeout", "1m", "--title", "never written"})
	}()
	want := "Waiting for the database: held by mcp-server (PID " + strconv.Itoa(holder.Process.Pid) + ") for "
	waitFor(t, "the waiting line", func() bool { return strings.Contains(stderr.String(), want) })
	t.Logf("stderr before cancel: %q", stderr.String())
	cancel()
	if code := <-done; code != ExitInterrupted {
		t.Errorf("interrupted task add exited %d, want %d", code, ExitInterrupted)
	}
	if !strings.HasSuffix(stderr.String(), "Interrupted; nothing was changed.\n") {
		t.Errorf("stderr = %q, want it to end with the interruption message", stderr.String())
	}

	holder.release(t)
	out.Reset()
	e = &env{stdout: &out, stderr: os.Stderr, waitDelay: WaitNoticeDelay, getenv: os.Getenv}
	if code := run(context.Background(), e, []string{"astro", "task", "list", "--all", "--json", "--db", db}); code != ExitOK {
		t.Fatalf("task list exited %d", code)
	}
	var got taskList
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("task list --json: %v in %q", err, out.String())
	}
	if len(got.Tasks) != 0 {
		t.Errorf("after the interrupted add, task list = %+v, want no tasks", got.Tasks)
	}
}

// interruptWaiting starts an astro process that waits for the lock, has
// interrupt deliver it the system's interrupt (what Ctrl-C sends) once it
// waits: it must exit 130 with one line, having written nothing, and the
// lock must be free for the next process at once. prepare, if not nil,
// adjusts the command before it starts.
func interruptWaiting(t *testing.T, prepare func(*exec.Cmd), interrupt func(*os.Process) error) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "astrotask.db")
	if out, err := exec.Command("astro", "--db", db, "init").CombinedOutput(); err != nil {
		t.Fatalf("astro init: %v\n%s", err, out)
	}
	holder := startHolder(t, "exclusive", db)

	cmd := exec.Command("astro", "--db", db, "--verbose", "--lock-timeout", "1m", "task", "add", "--title", "never written")
	if prepare != nil {
		prepare(cmd)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start astro: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	// The debug log says when the process has started to wait; by then its
	// signal handler is installed.
	var log bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(log.String(), "lockcore: attempt") {
		n, err := stderr.Read(buf)
		log.Write(buf[:n])
		if err != nil {
			t.Fatalf("astro stderr ended before it waited: %v\n%s", err, log.String())
		}
	}
	t.Logf("astro (pid %d) is waiting; interrupting it", cmd.Process.Pid)
	if err := interrupt(cmd.Process); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	log.Write(rest)
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted {
		t.Fatalf("astro after the interrupt: exit code %d (%v), want %d\n%s", code, err, ExitInterrupted, log.String())
	}
	if !strings.HasSuffix(log.String(), "Interrupted; nothing was changed.\n") {
		t.Errorf("astro stderr = %q, want it to end with the interruption message", log.String())
	}

	holder.release(t)
	out, err := exec.Command("astro", "--db", db, "--lock-timeout", "0s", "task", "list", "--all", "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("astro task list: %v\n%s", err, out)
	}
	var got taskList
	if err := json.Unmarshal(out, &got); err != nil || len(got.Tasks) != 0 {
		t.Errorf("after the interrupted add, task list = %s (%v), want no tasks", out, err)
	}
}
