package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestStdioTools drives the built binary over stdio through every tool.
func TestStdioTools(t *testing.T) {
	s := start(t, nil, "--db", dbPath(t))
	if got := s.InitializeResult().ServerInfo.Name; got != server.Name {
		t.Errorf("server name = %q, want %q", got, server.Name)
	}
	if names, want := toolNames(t, s.ClientSession), registered(t); !slices.Equal(names, want) {
		t.Errorf("tools = %v, want %v (what server.New registers)", names, want)
	}

	added := ok[server.AddTasksOutput](s, "addTasks", map[string]any{"tasks": []any{
		map[string]any{"title": "Epic", "priorityScore": 0},
		map[string]any{"title": "First", "parentIndex": 0, "priorityScore": 70},
		map[string]any{"title": "Second", "parentIndex": 0, "dependsOn": []int{1}},
	}})
	epic, first, second := added.Tasks[0], added.Tasks[1], added.Tasks[2]
	if epic.PriorityScore != 0 || first.ParentID != epic.ID {
		t.Errorf("addTasks = %+v", added.Tasks)
	}
	if got := ok[server.TaskOutput](s, "getTask", map[string]any{"taskId": second.ID}); !got.Context.IsBlocked {
		t.Errorf("getTask(%s).context.isBlocked = false, want true", second.ID)
	}
	if got := ok[server.ListTasksOutput](s, "listTasks", map[string]any{"parentId": epic.ID}); len(got.Tasks) != 2 {
		t.Errorf("listTasks under epic = %d, want 2", len(got.Tasks))
	}
	ok[server.ContextSliceOutput](s, "addTaskContext", map[string]any{"taskId": first.ID, "title": "Plan", "description": "do it"})
	if got := ok[server.NextTaskOutput](s, "getNextTask", map[string]any{}); got.Task == nil || got.Task.ID != first.ID {
		t.Errorf("getNextTask = %+v, want %s", got.Task, first.ID)
	}
	if got := ok[server.ClaimTaskOutput](s, "claimTask", map[string]any{"taskId": first.ID}); got.Task.Status != taskstore.StatusInProgress {
		t.Errorf("claimTask status = %s", got.Task.Status)
	}
	ok[server.DependencyOutput](s, "addDependency", map[string]any{"dependentTaskId": epic.ID, "dependencyTaskId": second.ID})
	ok[server.RemoveDependencyOutput](s, "removeDependency", map[string]any{"dependentTaskId": epic.ID, "dependencyTaskId": second.ID})
	ok[server.UpdateStatusOutput](s, "updateStatus", map[string]any{"taskId": epic.ID, "status": "done", "cascade": true})
	if st := ok[map[string]any](s, "lockStatus", map[string]any{}); st["locked"] != false {
		t.Errorf("lockStatus of an idle server: %v, want locked false", st)
	}
	if got := ok[server.DeleteTaskOutput](s, "deleteTask", map[string]any{"taskId": epic.ID, "cascade": true}); got.Deleted != 3 {
		t.Errorf("deleteTask deleted %d, want 3", got.Deleted)
	}
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"getTask", map[string]any{"taskId": epic.ID}, "not found"},
		{"updateStatus", map[string]any{"taskId": epic.ID, "status": "gone"}, "status"},
		{"addTasks", map[string]any{"tasks": []any{}}, "tasks"},
	} {
		res := s.call(c.tool, c.args)
		if !res.IsError || !strings.Contains(text(res), c.want) || strings.Contains(text(res), "\n") {
			t.Errorf("%s(%v) = isError %v %q, want a one-line tool error with %q", c.tool, c.args, res.IsError, text(res), c.want)
		}
	}
}

// toolNames returns the sorted names of the tools cs lists.
func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

// registered returns the sorted names of the tools server.New registers,
// as an in-process server lists them.
func registered(t *testing.T) []string {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := server.New(nil, server.Options{}).Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatalf("connect the in-process server: %v", err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "in-process", Version: "1"}, nil).Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatalf("connect to the in-process server: %v", err)
	}
	defer func() {
		cs.Close()
		ss.Wait()
	}()
	return toolNames(t, cs)
}

// TestStdoutIsProtocolOnly speaks raw JSON-RPC to a verbose server: every
// stdout line is a JSON-RPC message, the logs go to stderr, and the server
// exits 0 when its stdin closes.
func TestStdoutIsProtocolOnly(t *testing.T) {
	cmd := exec.Command(binary, "--db", dbPath(t), "--verbose")
	cmd.Env = cleanEnv()
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	defer cmd.Process.Kill()
	requests := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"addTasks","arguments":{"tasks":[{"title":"raw"}]}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"getTask","arguments":{"taskId":"NOPE"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"noSuchTool","arguments":{}}}`,
	}
	go func() {
		for _, r := range requests {
			io.WriteString(stdin, r+"\n")
		}
	}()
	answered := map[float64]map[string]any{}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for len(answered) < 4 && sc.Scan() {
		var msg map[string]any
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil || msg["jsonrpc"] != "2.0" {
			t.Fatalf("stdout line is not a JSON-RPC message: %q", sc.Text())
		}
		if id, ok := msg["id"].(float64); ok {
			answered[id] = msg
		}
	}
	if len(answered) < 4 {
		t.Fatalf("got %d answers before stdout ended (%v); stderr: %s", len(answered), sc.Err(), stderr.String())
	}
	if res := answered[3]["result"].(map[string]any); res["isError"] != true {
		t.Errorf("getTask of a missing task: %v, want isError true", res)
	}
	if answered[4]["error"] == nil {
		t.Errorf("unknown tool answered %v, want a JSON-RPC error", answered[4])
	}
	stdin.Close()
	rest, _ := io.ReadAll(stdout)
	if len(strings.TrimSpace(string(rest))) > 0 {
		t.Errorf("unexpected stdout after the answers: %q", rest)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("server exit after stdin closed: %v; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "tool call") {
		t.Errorf("--verbose wrote no debug log to stderr: %q", stderr.String())
	}
}

// TestServersStartTogether starts several servers on one brand-new database
// at the same moment, as clients that probe a server do: all of them come
// up and answer.
func TestServersStartTogether(t *testing.T) {
	db := dbPath(t)
	const n = 4
	sessions := make([]*session, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { sessions[i], errs[i] = startErr(nil, "--db", db, "--lock-timeout=60s") })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
		sessions[i].t = t
		t.Cleanup(func() { sessions[i].Close() })
	}
	results := make([]string, n)
	for i, s := range sessions {
		wg.Go(func() {
			res, err := s.try("addTasks", map[string]any{"tasks": []any{map[string]any{"title": fmt.Sprintf("from server %d", i)}}})
			switch {
			case err != nil:
				results[i] = err.Error()
			case res.IsError:
				results[i] = text(res)
			}
		})
	}
	wg.Wait()
	for i, r := range results {
		if r != "" {
			t.Errorf("addTasks on server %d: %s", i, r)
		}
	}
	got := ok[server.ListTasksOutput](sessions[0], "listTasks", map[string]any{})
	if len(got.Tasks) != n {
		t.Errorf("after one add per server: %d tasks, want %d", len(got.Tasks), n)
	}
}

// TestIdleServerHoldsNoLock checks that between calls the server holds no
// lock: another process (this test) takes the exclusive lock at once.
func TestIdleServerHoldsNoLock(t *testing.T) {
	db := dbPath(t)
	s := start(t, nil, "--db", db)
	ok[server.AddTasksOutput](s, "addTasks", map[string]any{"tasks": []any{map[string]any{"title": "t"}}})
	ok[server.ListTasksOutput](s, "listTasks", map[string]any{})
	l := lockcore.New(db, lockcore.Options{ProcessType: "test"})
	got, err := l.TryAcquire()
	if err != nil || !got {
		t.Fatalf("TryAcquire while the server is idle = %v, %v; want the lock at once", got, err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

// TestLockTimeout holds the database lock from this process: the server's
// calls fail after their budget (from the flag or the environment) with
// the friendly message naming this process, and succeed once it is free.
func TestLockTimeout(t *testing.T) {
	db := dbPath(t)
	viaFlag := start(t, nil, "--db", db, "--lock-timeout=200ms")
	viaEnv := start(t, []string{"ASTROTASK_LOCK_TIMEOUT=150ms"}, "--db", db)
	ok[server.AddTasksOutput](viaFlag, "addTasks", map[string]any{"tasks": []any{map[string]any{"title": "before"}}})

	l := lockcore.New(db, lockcore.Options{ProcessType: "test-holder"})
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	want := fmt.Sprintf("Database is currently in use by test-holder (PID: %d). Please try again in a moment.", os.Getpid())
	for _, s := range []*session{viaFlag, viaEnv} {
		for _, c := range []struct {
			tool string
			args map[string]any
		}{
			{"listTasks", map[string]any{}},
			{"addTasks", map[string]any{"tasks": []any{map[string]any{"title": "during"}}}},
		} {
			res := s.call(c.tool, c.args)
			if !res.IsError || text(res) != want {
				t.Errorf("%s while locked = isError %v %q, want %q", c.tool, res.IsError, text(res), want)
			}
		}
	}
	st := ok[map[string]any](viaEnv, "lockStatus", map[string]any{})
	holder, _ := st["holder"].(map[string]any)
	if st["locked"] != true || holder["process"] != "test-holder" || holder["pid"] != float64(os.Getpid()) {
		t.Errorf("lockStatus while held = %v, want locked by test-holder pid %d", st, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	got := ok[server.ListTasksOutput](viaEnv, "listTasks", map[string]any{})
	if len(got.Tasks) != 1 || got.Tasks[0].Title != "before" {
		t.Errorf("after release: %v, want only the task added before the lock", got.Tasks)
	}
}

// TestBadCommandLine checks exit codes and one-line messages.
func TestBadCommandLine(t *testing.T) {
	tests := []struct {
		args []string
		env  []string
		code int
		want string
	}{
		{[]string{"--lock-timeout=soon"}, nil, 2, "invalid lock timeout"},
		{nil, []string{"ASTROTASK_LOCK_TIMEOUT=soon"}, 2, "invalid lock timeout"},
		{[]string{"--http", "127.0.0.1:4000"}, nil, 2, "unexpected argument"},
		{[]string{"--db", "ftp://host/db"}, nil, 1, "unsupported URL scheme"},
		// Unreachable or unsupported, the location is shown without its password.
		{[]string{"--db", "postgres://u:secret@127.0.0.1:1/db"}, nil, 1, "postgres://u:xxxxx@127.0.0.1:1/db"},
		{[]string{"--http=127.0.0.1:99999"}, nil, 1, "listen"},
		// Beyond loopback without a token: refused before the database is
		// opened (this one could not be) and before listening.
		{[]string{"--http=0.0.0.0:0", "--db", "ftp://host/db"}, nil, 2, "needs a token"},
		{[]string{"--http=:0", "--db", "ftp://host/db"}, nil, 2, "needs a token"},
	}
	for _, tt := range tests {
		cmd := exec.Command(binary, tt.args...)
		cmd.Env = cleanEnv(tt.env...)
		cmd.Dir = t.TempDir()
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("astrotask-mcp %q: exit %d (%v), stderr %q; want exit %d and %q", tt.args, code, err, stderr.String(), tt.code, tt.want)
		}
		if strings.Contains(stderr.String(), "secret") {
			t.Errorf("astrotask-mcp %q printed the password: %q", tt.args, stderr.String())
		}
		if stdout.Len() != 0 {
			t.Errorf("astrotask-mcp %q wrote to stdout: %q", tt.args, stdout.String())
		}
	}
}

// TestDatabaseURI starts the server with DATABASE_URI and no --db, and sees
// its task from a second server that names the same file with --db.
func TestDatabaseURI(t *testing.T) {
	db := dbPath(t)
	viaEnv := start(t, []string{"DATABASE_URI=sqlite://" + db})
	added := ok[server.AddTasksOutput](viaEnv, "addTasks", map[string]any{"tasks": []any{map[string]any{"title": "from env"}}})
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("DATABASE_URI database not created: %v", err)
	}
	viaFlag := start(t, nil, "--db", db)
	got := ok[server.TaskOutput](viaFlag, "getTask", map[string]any{"taskId": added.Tasks[0].ID})
	if got.Task.Title != "from env" {
		t.Errorf("getTask via --db = %+v, want the task added via DATABASE_URI", got.Task)
	}
}
