package main_test

import (
	"encoding/json"
	"os/exec"
	"slices"
	"testing"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// TestPostgres runs two servers and the CLI on one PostgreSQL database, as
// a team on several machines would: they see each other's tasks, and a
// claim race has one winner.
func TestPostgres(t *testing.T) {
	base := pgtest.Own(t)
	dbURL, drop, err := pgtest.CreateDatabase(base, "mcpserver")
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	a := start(t, nil, "--db", dbURL, "--lock-timeout=60s")
	b := start(t, nil, "--db", dbURL, "--lock-timeout=60s")

	added := ok[server.AddTasksOutput](a, "addTasks", map[string]any{"tasks": []any{
		map[string]any{"title": "Epic", "priorityScore": 0},
		map[string]any{"title": "First", "parentIndex": 0, "priorityScore": 90},
		map[string]any{"title": "Second", "parentIndex": 0, "dependsOn": []int{1}},
	}})
	epic, first, second := added.Tasks[0], added.Tasks[1], added.Tasks[2]
	if epic.PriorityScore != 0 {
		t.Errorf("priorityScore 0 became %d", epic.PriorityScore)
	}

	cmd := exec.Command(astro(t), "task", "add", "--db", dbURL, "--json", "--title", "from the CLI")
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("astro task add on PostgreSQL: %v: %s", err, stderrOf(err))
	}
	var cliTask struct{ ID string }
	json.Unmarshal(out, &cliTask)

	listed := listAll(b, map[string]any{"statuses": []string{}})
	for _, id := range []string{epic.ID, first.ID, second.ID, cliTask.ID} {
		if !slices.Contains(ids(listed), id) {
			t.Errorf("server b does not see task %s (sees %v)", id, ids(listed))
		}
	}
	if got := ok[server.TaskOutput](b, "getTask", map[string]any{"taskId": second.ID}); !got.Context.IsBlocked {
		t.Errorf("getTask(%s) on b: not blocked, want blocked by %s", second.ID, first.ID)
	}
	if next := ok[server.NextTaskOutput](b, "getNextTask", map[string]any{}); next.Task == nil || next.Task.ID != first.ID {
		t.Errorf("getNextTask on b = %v, want %s", next.Task, first.ID)
	}

	if n := claimRace(t, []*session{a, b}, first.ID); n != 1 {
		t.Errorf("claimTask won by %d servers, want exactly 1", n)
	}

	ok[server.UpdateStatusOutput](a, "updateStatus", map[string]any{"taskId": second.ID, "status": "cancelled"})
	ok[server.UpdateStatusOutput](a, "updateStatus", map[string]any{"taskId": epic.ID, "status": "done", "cascade": true})
	if got := ok[server.TaskOutput](b, "getTask", map[string]any{"taskId": second.ID}); got.Task.Status != "cancelled" {
		t.Errorf("cascade on PostgreSQL turned cancelled work into %s", got.Task.Status)
	}
	st := ok[map[string]any](b, "lockStatus", map[string]any{})
	t.Logf("lockStatus on PostgreSQL: %v", st)
	if st["locked"] != false {
		t.Errorf("lockStatus on PostgreSQL with idle servers = %v, want locked false", st)
	}
}
