package main_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

// TestStdioBadMessages: each bad line gets a JSON-RPC error on stdout and
// the server goes on: not JSON, a wrong version, a batch, an object id, a
// line over 16 MiB; then a request is served and the server exits 0 when
// stdin closes.
func TestStdioBadMessages(t *testing.T) {
	s := startRaw(t, "--db", dbPath(t))
	huge := `{"jsonrpc":"2.0","id":99,"method":"ping","params":{"pad":"` + strings.Repeat("x", 16<<20) + `"}}`
	tests := []struct {
		line string
		code float64
		id   any
	}{
		{"not json", -32700, nil},
		{`{"jsonrpc":"1.0","id":1,"method":"ping"}`, -32600, float64(1)},
		{`[{"jsonrpc":"2.0","id":2,"method":"ping"}]`, -32600, nil},
		{`{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}`, -32600, nil},
		{huge, -32700, nil},
		{initializeRaw, 0, "init"},
		{`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"addTasks","arguments":{"tasks":[{"title":"after bad input"}]}}}`, 0, float64(3)},
	}
	for _, tt := range tests {
		s.send(tt.line)
		m := s.next()
		if rpcError(m) != tt.code || m["id"] != tt.id {
			t.Errorf("answer to %.60s = %.300v; want code %v id %v", tt.line, m, tt.code, tt.id)
		}
	}
	s.stdin.Close()
	if rest := s.rest(); len(rest) != 0 {
		t.Errorf("unexpected stdout after the answers: %v", rest)
	}
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d after stdin closed, want 0; stderr:\n%s", code, s.log.String())
	}
}

// TestStdioAnswersBeforeEOF pipes requests and closes stdin at once:
// every request is answered before the server exits 0.
func TestStdioAnswersBeforeEOF(t *testing.T) {
	db := dbPath(t)
	s := startRaw(t, "--db", db, "--lock-timeout=2m")
	const n = 25
	lines := []string{initializeRaw, `{"jsonrpc":"2.0","method":"notifications/initialized"}`}
	for i := range n {
		lines = append(lines,
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"addTasks","arguments":{"tasks":[{"title":"task %d"}]}}}`, 2*i, i),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"listTasks","arguments":{}}}`, 2*i+1))
	}
	go func() {
		s.stdin.Write([]byte(strings.Join(lines, "\n") + "\n"))
		s.stdin.Close()
	}()
	answered := map[any]bool{}
	for _, m := range s.rest() {
		if rpcError(m) != 0 || (m["result"] != nil && m["result"].(map[string]any)["isError"] == true) {
			t.Errorf("answer %.300v, want a success", m)
		}
		answered[m["id"]] = true
	}
	if len(answered) != 2*n+1 {
		t.Errorf("%d requests answered, want all %d; stderr:\n%s", len(answered), 2*n+1, s.log.String())
	}
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if got := countTasks(t, db); got != n {
		t.Errorf("%d tasks in the database, want %d", got, n)
	}
}

// TestStdioSignalAnswersWrite: a write that the server has read when it is
// told to stop (SIGTERM; Ctrl-Break on Windows) is finished and answered
// before the server exits 0, and requests sent after the signal are not
// read. The write waits for the database lock, held by this test, so that
// it is in progress when the signal comes.
func TestStdioSignalAnswersWrite(t *testing.T) {
	db := dbPath(t)
	s := startRaw(t, "--db", db, "--lock-timeout=2m", "--verbose")
	s.handshake()

	holder := lockcore.New(db, lockcore.Options{ProcessType: "test-holder"})
	if err := holder.Acquire(context.Background()); err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	released := false
	defer func() {
		if !released {
			holder.Release()
		}
	}()
	s.send(`{"jsonrpc":"2.0","id":"write","method":"tools/call","params":{"name":"addTasks","arguments":{"tasks":[{"title":"in flight"}]}}}`,
		`{"jsonrpc":"2.0","id":"ping","method":"ping"}`)
	// Calls run concurrently: the ping's answer shows that the write was
	// read and is waiting for the lock.
	if m := s.next(); m["id"] != "ping" {
		t.Fatalf("first answer %v, want the ping's (the write waits for the lock)", m)
	}
	interrupt(t, s.cmd.Process)
	if !s.waitLog("answering the requests in progress", 30*time.Second) {
		t.Logf("no shutdown log within 30s; releasing the lock anyway")
	}
	s.send(`{"jsonrpc":"2.0","id":"late","method":"ping"}`)
	if err := holder.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	released = true

	rest := s.rest()
	code := s.wait()
	tasks := countTasks(t, db)
	answered := false
	for _, m := range rest {
		switch m["id"] {
		case "write":
			answered = true
			if rpcError(m) != 0 || m["result"].(map[string]any)["isError"] == true {
				t.Errorf("write answered %v, want a success", m)
			}
		case "late":
			t.Errorf("a request sent after the signal was answered: %v", m)
		}
	}
	if answered != (tasks == 1) {
		t.Errorf("write answered %v, %d tasks committed: a committed write must be answered, an unanswered one not committed", answered, tasks)
	}
	if !answered {
		t.Errorf("the write read before the signal was not answered; stderr:\n%s", s.log.String())
	}
	if code != 0 {
		t.Errorf("exit code %d after %s, want 0", code, interruptName)
	}
}

// countTasks returns how many tasks the database at db holds.
func countTasks(t *testing.T, db string) int {
	t.Helper()
	store, err := taskstore.Open(context.Background(), taskstore.Options{DataDir: db})
	if err != nil {
		t.Fatalf("open %s: %v", db, err)
	}
	defer store.Close()
	tasks, err := store.ListTasks(context.Background(), taskstore.Filter{Statuses: []taskstore.Status{}})
	if err != nil {
		t.Fatalf("list tasks: %v", err)
	}
	return len(tasks)
}
