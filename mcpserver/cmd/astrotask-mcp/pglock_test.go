package main_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// TestPostgresLockStatus has another "machine" (this test process, named
// machine-b) hold the cooperative lock of a PostgreSQL database while
// astrotask-mcp --db postgres://... serves it: lockStatus names the holder
// as the server sees it, a write waits its budget and fails with the
// lock's message, and works once the lock is free. The URL carries a
// password the server does not need; nothing shows it.
func TestPostgresLockStatus(t *testing.T) {
	base := pgtest.Own(t)
	plain, drop, err := pgtest.CreateDatabase(base, "mcplock")
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	u, _ := url.Parse(plain)
	u.User = url.UserPassword(u.User.Username(), "pw-never-printed")
	dbURL := u.String()

	s := start(t, nil, "--db", dbURL, "--lock-timeout=300ms")
	free := ok[map[string]any](s, "lockStatus", map[string]any{})
	if free["locked"] != false || strings.Contains(fmt.Sprint(free), "pw-never-printed") {
		t.Fatalf("lockStatus with nobody holding = %v", free)
	}
	if path, _ := free["path"].(string); !strings.Contains(path, ":xxxxx@127.0.0.1:") {
		t.Errorf("lockStatus path = %q, want the URL with its password redacted", path)
	}

	ctx := context.Background()
	holder, err := taskstore.Open(ctx, taskstore.Options{DataDir: dbURL, HostName: "machine-b",
		LockOptions: lockcore.Options{ProcessType: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- holder.Transaction(ctx, func(ctx context.Context, _ taskstore.Store) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	t.Logf("pid %d (machine-b) holds the lock", os.Getpid())

	st := ok[map[string]any](s, "lockStatus", map[string]any{})
	t.Logf("lockStatus: %v", st)
	h, _ := st["holder"].(map[string]any)
	if st["locked"] != true || st["mode"] != "exclusive" || st["verified"] != true || h == nil ||
		h["pid"] != float64(os.Getpid()) || h["host"] != "machine-b" || h["process"] != "cli" {
		t.Errorf("lockStatus = %v, want held exclusively by cli pid %d on machine-b, verified", st, os.Getpid())
	}
	res := s.call("addTasks", map[string]any{"tasks": []any{map[string]any{"title": "blocked"}}})
	want := fmt.Sprintf("Database is currently in use by cli (PID: %d). Please try again in a moment.", os.Getpid())
	if !res.IsError || text(res) != want {
		t.Errorf("addTasks while held = %q (isError %v), want %q", text(res), res.IsError, want)
	}
	if res := s.call("listTasks", map[string]any{}); !res.IsError || text(res) != want {
		t.Errorf("listTasks while held = %q (isError %v), want %q", text(res), res.IsError, want)
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ok[map[string]any](s, "addTasks", map[string]any{"tasks": []any{map[string]any{"title": "after the release"}}})
	if st := ok[map[string]any](s, "lockStatus", map[string]any{}); st["locked"] != false {
		t.Errorf("lockStatus after the release = %v, want free", st)
	}
	if strings.Contains(s.stderr.String(), "pw-never-printed") {
		t.Errorf("the server printed the password: %s", s.stderr.String())
	}
}

// TestPostgresUnreachable starts astrotask-mcp on a PostgreSQL URL whose
// port nothing listens on: it exits 1 at once with one line that names the
// server and not the password.
func TestPostgresUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(binary, "--db", fmt.Sprintf("postgres://agent:pw-never-printed@127.0.0.1:%d/tasks", port))
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("astrotask-mcp on a closed port: %v, want exit code 1", err)
	}
	msg := string(ee.Stderr)
	t.Logf("stderr: %s", msg)
	want := fmt.Sprintf("astrotask-mcp: open task db postgres://agent:xxxxx@127.0.0.1:%d/tasks: connect: cannot reach the PostgreSQL server at 127.0.0.1:%d: connection refused\n", port, port)
	if msg != want || len(out) != 0 {
		t.Errorf("stderr = %q, stdout = %q; want stderr %q and nothing on stdout", msg, out, want)
	}
}
