package lockcore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitLimit bounds every wait for a helper; it is a deadline, not a timing
// assertion.
const waitLimit = 30 * time.Second

// waitFor polls cond until it holds or waitLimit has passed, and reports
// whether it held. The pause between polls is a polling interval, not
// synchronisation.
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// helper is a re-executed test binary running one role.
type helper struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	done  chan struct{}
}

// startHelper runs role with the given LOCKCORE_TEST_* settings. The helper
// is killed (by pid) when the test ends, if still running.
func startHelper(t *testing.T, role string, kv ...string) *helper {
	t.Helper()
	return startCmd(t, helperCmd(role, kv...))
}

func helperCmd(role string, kv ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// atexit_sleep_ms=0: a race-enabled helper would otherwise linger 1s at exit.
	cmd.Env = append(os.Environ(), "LOCKCORE_TEST_ROLE="+role, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	for i := 0; i+1 < len(kv); i += 2 {
		cmd.Env = append(cmd.Env, "LOCKCORE_TEST_"+kv[i]+"="+kv[i+1])
	}
	cmd.Stderr = os.Stderr
	return cmd
}

func startCmd(t *testing.T, cmd *exec.Cmd) *helper {
	t.Helper()
	h := &helper{t: t, cmd: cmd, lines: make(chan string, 100), done: make(chan struct{})}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if h.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	go h.read(out)
	t.Cleanup(h.kill)
	return h
}

func (h *helper) read(r io.Reader) {
	defer close(h.lines)
	for sc := bufio.NewScanner(r); sc.Scan(); {
		h.lines <- sc.Text()
	}
}

func (h *helper) pid() int { return h.cmd.Process.Pid }

// expect waits for the helper's next output line and checks its prefix.
func (h *helper) expect(prefix string) string {
	h.t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok || !strings.HasPrefix(line, prefix) {
			h.t.Fatalf("helper %d said %q (open=%v), want %q", h.pid(), line, ok, prefix)
		}
		return line
	case <-time.After(waitLimit):
		h.t.Fatalf("helper %d did not say %q within %v", h.pid(), prefix, waitLimit)
	}
	return ""
}

func (h *helper) send(line string) {
	h.t.Helper()
	if _, err := io.WriteString(h.stdin, line+"\n"); err != nil {
		h.t.Fatalf("write to helper %d: %v", h.pid(), err)
	}
}

// wait closes stdin and waits for a clean exit.
func (h *helper) wait() {
	h.t.Helper()
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		h.t.Fatalf("helper %d: %v", h.pid(), err)
	}
	close(h.done)
}

// crash kills the helper (SIGKILL; TerminateProcess on Windows) and reaps
// it.
func (h *helper) crash() {
	h.t.Helper()
	if err := h.cmd.Process.Kill(); err != nil {
		h.t.Fatalf("kill %d: %v", h.pid(), err)
	}
	h.cmd.Wait()
	close(h.done)
}

func (h *helper) kill() {
	select {
	case <-h.done:
		return
	default:
	}
	h.cmd.Process.Kill()
	h.cmd.Wait()
	close(h.done)
}

// testDB returns a database path in a fresh temporary directory; the
// directory of the database does not exist yet.
func testDB(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tempDir(tb), "data", "astrotask.db")
}

// tempDir is tb.TempDir for lock files: where a directory holding an open
// file cannot be removed (Windows), the registry's handles of lock files
// in it are closed before the directory is removed.
func tempDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	closeHandlesAtCleanup(tb, dir)
	return dir
}

// quick is a small budget for calls that are expected to give up.
var quick = Options{MaxRetries: 5, RetryDelay: 10 * time.Millisecond}

func mustAcquire(t *testing.T, l *Lock, mode Mode) {
	t.Helper()
	var err error
	if mode == ModeShared {
		err = l.AcquireShared(context.Background())
	} else {
		err = l.Acquire(context.Background())
	}
	if err != nil {
		t.Fatalf("acquire %s: %v", mode, err)
	}
}

// mustBlock checks that f does not return until unblock is called, then
// that it returns. It narrates instead of sleeping: f must still be running
// after unblock's preconditions are in place.
func mustBlock(t *testing.T, f func(), unblock func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
		t.Fatal("call did not block")
	case <-time.After(50 * time.Millisecond):
		t.Log("call is blocked, as it should be")
	}
	unblock()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("call still blocked after unblock")
	}
}

// readLockFile returns the lock file and checks it is one valid JSON value.
func readLockFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		t.Fatalf("lock file is not valid JSON: %q", b)
	}
	return b
}

const anotherProcess = "Database is currently in use by another process. Please try again in a moment."

func (l *Lock) dirForTest() string { return filepath.Dir(l.Path()) }

// logBuffer collects debug logs; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) count(s string) int { return strings.Count(b.String(), s) }

func debugLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
