package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
)

// TestWithConcurrentCLI has the server answer tool calls while 4 `astro task
// add` processes write to the same database. Every call succeeds, and every
// task that was acknowledged (by the CLI's JSON or the server's answer) is
// in the database afterwards. Then the test holds the lock on purpose: the
// only failures are the lock-timeout message, and both sides recover.
func TestWithConcurrentCLI(t *testing.T) {
	astroBin := astro(t)
	db := dbPath(t)
	// Generous budgets: under -race on a shared machine a writer may wait,
	// but no call may fail while nobody holds the lock on purpose.
	s := start(t, nil, "--db", db, "--lock-timeout=60s")

	const writers, perWriter = 4, 8
	var (
		mu    sync.Mutex
		acked []string
		fails []string
	)
	ack := func(ids ...string) {
		mu.Lock()
		acked = append(acked, ids...)
		mu.Unlock()
	}
	fail := func(format string, args ...any) {
		mu.Lock()
		fails = append(fails, fmt.Sprintf(format, args...))
		mu.Unlock()
	}

	var cliDone atomic.Bool
	var cli sync.WaitGroup
	for w := range writers {
		cli.Go(func() {
			for i := range perWriter {
				cmd := exec.Command(astroBin, "task", "add", "--db", db, "--lock-timeout", "60s", "--json", "--title", fmt.Sprintf("cli %d-%d", w, i))
				cmd.Env = cleanEnv()
				out, err := cmd.Output()
				if err != nil {
					fail("astro task add (writer %d #%d): %v: %s", w, i, err, stderrOf(err))
					continue
				}
				var task struct{ ID string }
				if err := json.Unmarshal(out, &task); err != nil || task.ID == "" {
					fail("astro task add printed %q: %v", out, err)
					continue
				}
				ack(task.ID)
			}
		})
	}
	var mcpCalls sync.WaitGroup
	var calls atomic.Int64
	for c := range 2 {
		mcpCalls.Go(func() {
			for i := 0; !cliDone.Load() || i < 3; i++ {
				res, err := s.try("addTasks", map[string]any{"tasks": []any{
					map[string]any{"title": fmt.Sprintf("mcp %d-%d", c, i)},
					map[string]any{"title": "child", "parentIndex": 0},
				}})
				calls.Add(1)
				if err != nil {
					fail("%v", err)
					return
				}
				if res.IsError {
					fail("addTasks: %s", text(res))
					continue
				}
				var out server.AddTasksOutput
				json.Unmarshal([]byte(text(res)), &out)
				ack(ids(out.Tasks)...)
				for _, tool := range []string{"listTasks", "getNextTask", "lockStatus"} {
					calls.Add(1)
					if res, err := s.try(tool, map[string]any{}); err != nil {
						fail("%v", err)
					} else if res.IsError {
						fail("%s: %s", tool, text(res))
					}
				}
			}
		})
	}
	cli.Wait()
	cliDone.Store(true)
	mcpCalls.Wait()
	for _, f := range fails {
		t.Errorf("failed while nobody held the lock on purpose: %s", f)
	}
	all := listAll(s, map[string]any{"statuses": []string{}})
	present := ids(all)
	for _, id := range acked {
		if !slices.Contains(present, id) {
			t.Errorf("acknowledged task %s is missing", id)
		}
	}
	if len(present) != len(acked) {
		t.Errorf("database has %d tasks, %d were acknowledged", len(present), len(acked))
	}
	t.Logf("%d CLI adds and %d MCP calls interleaved; %d tasks present", writers*perWriter, calls.Load(), len(present))

	// Now hold the lock on purpose. A server and a CLI with short budgets
	// fail with the lock-timeout message only, and work again afterwards.
	short := start(t, nil, "--db", db, "--lock-timeout=300ms")
	holder := lockcore.New(db, lockcore.Options{ProcessType: "test-holder"})
	if err := holder.Acquire(context.Background()); err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	want := fmt.Sprintf("Database is currently in use by test-holder (PID: %d). Please try again in a moment.", os.Getpid())
	for _, tool := range []string{"listTasks", "getNextTask"} {
		if res := short.call(tool, map[string]any{}); !res.IsError || text(res) != want {
			t.Errorf("%s while held: isError %v %q, want %q", tool, res.IsError, text(res), want)
		}
	}
	res := short.call("addTasks", map[string]any{"tasks": []any{map[string]any{"title": "blocked"}}})
	if !res.IsError || text(res) != want {
		t.Errorf("addTasks while held: isError %v %q, want %q", res.IsError, text(res), want)
	}
	cmd := exec.Command(astroBin, "task", "add", "--db", db, "--lock-timeout", "300ms", "--title", "blocked cli")
	cmd.Env = cleanEnv()
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("astro task add while held succeeded: %s", out)
	}
	if err := holder.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	after := ok[server.AddTasksOutput](short, "addTasks", map[string]any{"tasks": []any{map[string]any{"title": "after"}}})
	final := listAll(s, map[string]any{"statuses": []string{}})
	if len(final) != len(acked)+1 || !slices.Contains(ids(final), after.Tasks[0].ID) {
		t.Errorf("after release: %d tasks, want %d (nothing written while held, then one more)", len(final), len(acked)+1)
	}
}

func ids(tasks []server.TaskSummary) []string {
	s := make([]string, len(tasks))
	for i, t := range tasks {
		s[i] = t.ID
	}
	return s
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// TestClaimAcrossProcesses has three server processes claim the same tasks
// at the same moment: each task goes to exactly one of them.
func TestClaimAcrossProcesses(t *testing.T) {
	db := dbPath(t)
	var servers []*session
	for range 3 {
		servers = append(servers, start(t, nil, "--db", db, "--lock-timeout=60s"))
	}
	batch := make([]any, 5)
	for i := range batch {
		batch[i] = map[string]any{"title": fmt.Sprintf("contested %d", i)}
	}
	tasks := ok[server.AddTasksOutput](servers[0], "addTasks", map[string]any{"tasks": batch})
	for _, task := range tasks.Tasks {
		if n := claimRace(t, servers, task.ID); n != 1 {
			t.Errorf("task %s claimed by %d servers, want exactly 1", task.ID, n)
		}
	}
}

// claimRace has every session claim task id at once and returns how many
// won; a protocol error fails the test.
func claimRace(t *testing.T, sessions []*session, id string) int {
	t.Helper()
	var wins atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, len(sessions))
	for _, s := range sessions {
		wg.Go(func() {
			res, err := s.try("claimTask", map[string]any{"taskId": id})
			switch {
			case err != nil:
				errs <- err
			case !res.IsError:
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return int(wins.Load())
}
