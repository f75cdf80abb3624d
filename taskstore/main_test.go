package taskstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore/internal/postgres"
	"github.com/astrotask/astrotask-go/taskstore/internal/sqlite"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// roleEnv turns the test binary into a helper process (see TestMain).
const roleEnv = "TASKSTORE_TEST_ROLE"

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		if err := runRole(role); err != nil {
			fmt.Fprintln(os.Stdout, "error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := pgtest.Run(m)
	removeFixture()
	os.Exit(code)
}

// runRole is the body of a helper process. Helpers print "ready" when set
// up, wait for a line on stdin before acting when told to, and report on
// stdout one line per fact.
func runRole(role string) error {
	ctx := context.Background()
	db := os.Getenv("TASKSTORE_TEST_DB")
	in := bufio.NewReader(os.Stdin)
	waitGo := func() error {
		fmt.Println("ready")
		_, err := in.ReadString('\n')
		return err
	}
	switch role {
	case "open":
		// Open a (possibly brand-new) database at the same moment as others.
		if err := waitGo(); err != nil {
			return err
		}
		log := newLineLogger(os.Stdout)
		s, err := Open(ctx, Options{DataDir: db, Logger: log, LockOptions: lockcore.Options{ProcessType: "opener", MaxRetries: 600}})
		if err != nil {
			return err
		}
		defer s.Close()
		n, err := s.ListTasks(ctx, Filter{Statuses: []Status{}, IncludeProjectRoot: true})
		if err != nil {
			return err
		}
		fmt.Println("opened", len(n))
		return nil
	case "claim":
		// Claim every listed task, racing the other claimers.
		var s Store
		var err error
		if os.Getenv("TASKSTORE_TEST_LOCKED") == "1" {
			s, err = OpenLocked(ctx, db, lockcore.Options{ProcessType: "claimer", MaxRetries: 600})
		} else {
			s, err = OpenLocal(ctx, db)
		}
		if err != nil {
			return err
		}
		defer s.Close()
		ids := strings.Fields(os.Getenv("TASKSTORE_TEST_IDS"))
		if err := waitGo(); err != nil {
			return err
		}
		for _, id := range ids {
			t, err := s.ClaimTask(ctx, id)
			switch {
			case err == nil:
				fmt.Println("claimed", t.ID)
			case errors.Is(err, ErrConflict):
			default:
				return err
			}
		}
		fmt.Println("done")
		return nil
	case "hold":
		// Hold the lock exclusively until stdin closes.
		return lockcore.WithLock(ctx, db, lockcore.Options{ProcessType: "holder"}, func(context.Context) error {
			fmt.Println("ready")
			_, err := io.Copy(io.Discard, in)
			return err
		})
	}
	if f := extraRoles[role]; f != nil {
		return f(ctx, db, in)
	}
	return fmt.Errorf("unknown role %q", role)
}

// helper is a running helper process.
type helper struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	mu    sync.Mutex
	all   []string
}

// startHelper starts the test binary in role with extra environment.
func startHelper(t *testing.T, role string, env ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.mu.Lock()
			h.all = append(h.all, sc.Text())
			h.mu.Unlock()
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	t.Cleanup(func() {
		stdin.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill() // only our own child, by pid
			cmd.Wait()
		}
	})
	return h
}

// expect waits for a line with the prefix and returns it.
func (h *helper) expect(prefix string) string {
	h.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-h.lines:
			if !ok {
				h.t.Fatalf("helper pid %d exited before printing %q", h.cmd.Process.Pid, prefix)
			}
			if strings.HasPrefix(l, "error:") {
				h.t.Fatalf("helper pid %d: %s", h.cmd.Process.Pid, l)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			h.t.Fatalf("helper pid %d did not print %q within 60s", h.cmd.Process.Pid, prefix)
		}
	}
}

// wait lets the helper finish and returns everything it printed.
func (h *helper) wait() []string {
	h.t.Helper()
	h.stdin.Close()
	for range h.lines {
	}
	if err := h.cmd.Wait(); err != nil {
		h.t.Fatalf("helper pid %d: %v; output:\n%s", h.cmd.Process.Pid, err, strings.Join(h.all, "\n"))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.all
}

// backend is one way to open a fresh, empty Store. The whole store suite
// runs once per backend.
type backend struct {
	name string
	open func(t *testing.T) Store
}

func backends() []backend {
	var bs []backend
	for _, d := range databases() {
		bs = append(bs,
			backend{d.name, func(t *testing.T) Store {
				return keepOpen(t)(OpenLocal(context.Background(), d.new(t)))
			}},
			backend{d.name + "-locking", func(t *testing.T) Store {
				return keepOpen(t)(OpenLocked(context.Background(), d.new(t), lockcore.Options{ProcessType: "test"}))
			}})
	}
	return bs
}

// keepOpen returns a function that fails t on an open error, and
// otherwise closes the store when t ends.
func keepOpen(t testing.TB) func(s Store, err error) Store {
	return func(s Store, err error) Store {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// database is one kind of database: new names a fresh, empty one.
type database struct {
	name    string
	new     func(tb testing.TB) string
	dialect dialect
}

var (
	sqliteDB   = database{BackendSQLite, func(tb testing.TB) string { return filepath.Join(tempDir(tb), "astrotask.db") }, sqlite.Dialect{}}
	postgresDB = database{BackendPostgres, pgtest.NewDatabase, postgres.Dialect{}}
)

func databases() []database { return []database{sqliteDB, postgresDB} }

// forEachBackend runs f once per backend as a subtest.
func forEachBackend(t *testing.T, f func(t *testing.T, open func(t *testing.T) Store)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { f(t, b.open) })
	}
}

// newLineLogger logs JSON lines to w at info level.
func newLineLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

// lockOpts are lock options with a short budget, so that a test that goes
// wrong fails instead of waiting long.
func lockOpts(process string) lockcore.Options {
	return lockcore.Options{ProcessType: process, MaxRetries: 50, RetryDelay: 100 * time.Millisecond}
}
