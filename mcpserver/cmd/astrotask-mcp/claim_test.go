package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The servers these tests start name their agents from their flags or from
// the MCP client, never from the developer's own ASTROTASK_AGENT.
func init() { os.Unsetenv("ASTROTASK_AGENT") }

// TestClaimNextAcrossCLIAndMCP has MCP servers and CLI processes drain one
// database with claim-next at the same time: every task is claimed exactly
// once, by whoever the database says holds it.
func TestClaimNextAcrossCLIAndMCP(t *testing.T) {
	claimNextRace(t, dbPath(t))
}

// TestPostgresClaimNext is TestClaimNextAcrossCLIAndMCP on PostgreSQL.
func TestPostgresClaimNext(t *testing.T) {
	base := pgtest.Own(t)
	dbURL, drop, err := pgtest.CreateDatabase(base, "claimnext")
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	claimNextRace(t, dbURL)
}

func claimNextRace(t *testing.T, db string) {
	const tasks, servers, clis = 24, 3, 2
	var sessions []*session
	for i := range servers {
		sessions = append(sessions, start(t, nil, "--db", db, "--lock-timeout=60s", fmt.Sprintf("--agent=mcp-%d", i)))
	}
	batch := make([]any, tasks)
	for i := range batch {
		batch[i] = map[string]any{"title": fmt.Sprintf("task %d", i), "priorityScore": i % 4}
	}
	ok[server.AddTasksOutput](sessions[0], "addTasks", map[string]any{"tasks": batch})
	astroBin := astro(t)

	var mu sync.Mutex
	claimedBy := map[string][]string{}
	record := func(id, agent string) {
		mu.Lock()
		claimedBy[id] = append(claimedBy[id], agent)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			for {
				res, err := s.try("claimNextTask", map[string]any{})
				if err != nil || res.IsError {
					t.Errorf("mcp-%d: claimNextTask = %v %s", i, err, text(res))
					return
				}
				var out server.NextTaskOutput
				if err := json.Unmarshal([]byte(text(res)), &out); err != nil {
					t.Errorf("mcp-%d: %v", i, err)
					return
				}
				if out.Task == nil {
					return
				}
				record(out.Task.ID, out.Task.Assignee)
			}
		})
	}
	for i := range clis {
		agent := fmt.Sprintf("cli-%d", i)
		wg.Go(func() {
			for {
				cmd := exec.Command(astroBin, "task", "claim", "--next", "--json", "--db", db, "--lock-timeout", "60s", "--agent", agent)
				cmd.Env = cleanEnv()
				out, err := cmd.Output()
				if err != nil {
					t.Errorf("%s: astro task claim --next: %v: %s", agent, err, stderrOf(err))
					return
				}
				var got struct {
					Task *struct{ ID, Assignee string }
				}
				if err := json.Unmarshal(out, &got); err != nil {
					t.Errorf("%s: %v: %s", agent, err, out)
					return
				}
				if got.Task == nil {
					return
				}
				record(got.Task.ID, got.Task.Assignee)
			}
		})
	}
	wg.Wait()

	list := listAll(sessions[0], map[string]any{"statuses": []string{}})
	perAgent := map[string]int{}
	for _, task := range list {
		who := claimedBy[task.ID]
		if len(who) != 1 {
			t.Errorf("task %s claimed %d times (%v), want once", task.ID, len(who), who)
			continue
		}
		if task.Assignee != who[0] || task.Status != "in-progress" {
			t.Errorf("task %s is %s for %q, but %s was told it won", task.ID, task.Status, task.Assignee, who[0])
		}
		perAgent[who[0]]++
	}
	if len(list) != tasks || len(claimedBy) != tasks {
		t.Errorf("%d tasks listed, %d claimed; want %d each", len(list), len(claimedBy), tasks)
	}
	t.Logf("claims per agent: %v", perAgent)
}

// TestLeaseOfKilledAgent claims a task in a server process with a short
// lease and kills the process: the claim stands until the lease has run
// out by the database's clock, and then another server claims the task.
func TestLeaseOfKilledAgent(t *testing.T) {
	db := dbPath(t)
	cmd := exec.Command(binary, "--db", db, "--agent", "doomed")
	cmd.Env = cleanEnv()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	doomed, err := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &session{ClientSession: doomed, t: t, stderr: &syncBuffer{}}
	ok[server.AddTasksOutput](d, "addTasks", map[string]any{"tasks": []any{map[string]any{"title": "orphaned"}}})
	claimed := ok[server.NextTaskOutput](d, "claimNextTask", map[string]any{"leaseSeconds": 2})
	if claimed.Task == nil || claimed.Task.Assignee != "doomed" {
		t.Fatalf("claimNextTask = %+v, want a task for doomed", claimed.Task)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	doomed.Close()
	t.Logf("killed the server holding %s until %v", claimed.Task.ID, claimed.Task.LeaseExpiresAt)

	survivor := start(t, nil, "--db", db, "--agent", "survivor")
	res := survivor.call("claimTask", map[string]any{"taskId": claimed.Task.ID})
	if time.Until(*claimed.Task.LeaseExpiresAt) > 500*time.Millisecond {
		// Still well inside the lease: the dead agent's claim stands.
		if !res.IsError || !strings.Contains(text(res), "is claimed by doomed until") {
			t.Errorf("claimTask inside the lease = %s, want a refusal naming doomed", text(res))
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		next := ok[server.NextTaskOutput](survivor, "claimNextTask", map[string]any{})
		if next.Task != nil {
			if next.Task.ID != claimed.Task.ID || next.Task.Assignee != "survivor" {
				t.Errorf("claimNextTask after the lease = %+v, want %s for survivor", next.Task, claimed.Task.ID)
			}
			if next.Task.ClaimedAt.Before(*claimed.Task.LeaseExpiresAt) {
				t.Errorf("reclaimed at %v, before the lease ended at %v", next.Task.ClaimedAt, claimed.Task.LeaseExpiresAt)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the dead agent's lease never ran out")
		}
		time.Sleep(50 * time.Millisecond) // poll interval, not synchronisation
	}
}
