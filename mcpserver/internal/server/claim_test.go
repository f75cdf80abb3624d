package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sessionAgent is the default agent name of a session of the test client.
var sessionAgent = regexp.MustCompile(`^test-client-[0-9a-f]{6}$`)

func TestClaimNextTask(t *testing.T) {
	e := newEnv(t)
	added := e.add(task("epic", "priorityScore", 10), task("low", "priorityScore", 20),
		task("top", "priorityScore", 90, "parentIndex", 0), task("later", "dependsOn", []int{2}, "priorityScore", 100))
	epic, low, top, later := added[0], added[1], added[2], added[3]

	none := call[server.NextTaskOutput](e, "claimNextTask", map[string]any{"priority": "high", "parentTaskId": low.ID})
	if none.Task != nil {
		t.Fatalf("claimNextTask below %s = %s, want null", low.ID, none.Task.ID)
	}
	got := call[server.NextTaskOutput](e, "claimNextTask", map[string]any{"leaseSeconds": 120})
	if got.Task == nil || got.Task.ID != top.ID || got.Task.Status != taskstore.StatusInProgress {
		t.Fatalf("claimNextTask = %+v, want %s in-progress", got.Task, top.ID)
	}
	if !sessionAgent.MatchString(got.Task.Assignee) {
		t.Errorf("assignee = %q, want the client's name and a 6-hex suffix", got.Task.Assignee)
	}
	if d := got.Task.LeaseExpiresAt.Sub(*got.Task.ClaimedAt); d.Seconds() != 120 {
		t.Errorf("lease = %v, want 120s", d)
	}
	if got.Context == nil || len(got.Context.Dependents) != 1 || got.Context.Dependents[0].ID != later.ID {
		t.Errorf("claimNextTask context = %+v, want the dependent %s", got.Context, later.ID)
	}
	shown := call[server.TaskOutput](e, "getTask", map[string]any{"taskId": top.ID})
	if shown.Task.Assignee != got.Task.Assignee || shown.Task.LeaseExpiresAt == nil || shown.Task.ClaimedAt == nil {
		t.Errorf("getTask = %+v, want the claim shown", shown.Task)
	}
	listed := call[server.ListTasksOutput](e, "listTasks", map[string]any{})
	for _, lt := range listed.Tasks {
		if lt.ID == top.ID && lt.Assignee != got.Task.Assignee {
			t.Errorf("listTasks shows %s with assignee %q", lt.ID, lt.Assignee)
		}
	}

	// One session, one name: the next claim is recorded under the same.
	second := call[server.NextTaskOutput](e, "claimNextTask", map[string]any{"agent": "named"})
	if second.Task == nil || second.Task.ID != low.ID || second.Task.Assignee != "named" {
		t.Errorf("claimNextTask(agent named) = %+v, want %s for named", second.Task, low.ID)
	}
	third := call[server.NextTaskOutput](e, "claimNextTask", map[string]any{})
	if third.Task == nil || third.Task.ID != epic.ID || third.Task.Assignee != got.Task.Assignee {
		t.Errorf("claimNextTask = %+v, want %s for %s", third.Task, epic.ID, got.Task.Assignee)
	}
	// Nothing is free: task null, said in the JSON.
	call[server.NextTaskOutput](e, "claimNextTask", map[string]any{})
	res := e.callRaw("claimNextTask", map[string]any{})
	if !strings.Contains(text(res), `"task":null`) {
		t.Errorf("claimNextTask with nothing free = %s, want task null", text(res))
	}
	e.wantErr("claimNextTask", map[string]any{"leaseSeconds": 0}, "leaseSeconds")
	e.wantErr("claimNextTask", map[string]any{"parentTaskId": "NOPE"}, "not found")
}

func TestClaimOwnership(t *testing.T) {
	a := newEnv(t)
	b := newEnvWith(t, a.loc, a.store) // another server, another session
	id := a.add(task("shared"))[0].ID

	claimed := call[server.ClaimTaskOutput](a, "claimTask", map[string]any{"taskId": id})
	holder := claimed.Task.Assignee
	if !sessionAgent.MatchString(holder) {
		t.Fatalf("claimTask assignee = %q", holder)
	}
	msg := b.wantErr("updateStatus", map[string]any{"taskId": id, "status": "done"}, "task "+id+" is claimed by "+holder+" until ")
	if !regexp.MustCompile(` until \d\d:\d\d:\d\d UTC$`).MatchString(msg) {
		t.Errorf("refusal %q does not end with the lease's end", msg)
	}
	b.wantErr("releaseClaim", map[string]any{"taskId": id}, "is claimed by "+holder)
	b.wantErr("renewClaim", map[string]any{"taskId": id}, "is claimed by "+holder)
	// Claiming again fails even for the holder.
	a.wantErr("claimTask", map[string]any{"taskId": id}, "is claimed by "+holder)

	renewed := call[server.ClaimTaskOutput](a, "renewClaim", map[string]any{"taskId": id, "leaseSeconds": 3600})
	if !renewed.Task.LeaseExpiresAt.After(*claimed.Task.LeaseExpiresAt) {
		t.Errorf("renewClaim lease %v, want after %v", renewed.Task.LeaseExpiresAt, claimed.Task.LeaseExpiresAt)
	}
	// The holder's own context renews too.
	call[server.ContextSliceOutput](a, "addTaskContext", map[string]any{"taskId": id, "title": "note", "description": "d"})
	after := call[server.TaskOutput](a, "getTask", map[string]any{"taskId": id})
	if !after.Task.LeaseExpiresAt.After(*renewed.Task.LeaseExpiresAt) {
		t.Errorf("after the holder's addTaskContext the lease is %v, want after %v", after.Task.LeaseExpiresAt, renewed.Task.LeaseExpiresAt)
	}

	forced := call[server.UpdateStatusOutput](b, "updateStatus", map[string]any{"taskId": id, "status": "done", "force": true})
	forcedTask := call[server.TaskOutput](b, "getTask", map[string]any{"taskId": id}).Task
	if forced.Task.Status != taskstore.StatusDone || !sessionAgent.MatchString(forcedTask.ForcedBy) ||
		forcedTask.ForcedBy == holder || forcedTask.ForcedAt == nil {
		t.Errorf("forced updateStatus = %+v (task %+v), want done, forcedBy b's agent", forced.Task, forcedTask)
	}

	// releaseClaim by the holder; forced release by another is recorded.
	id2 := a.add(task("second"))[0].ID
	call[server.ClaimTaskOutput](a, "claimTask", map[string]any{"taskId": id2, "agent": "x"})
	rel := call[server.ClaimTaskOutput](a, "releaseClaim", map[string]any{"taskId": id2, "agent": "x"})
	if rel.Task.Status != taskstore.StatusPending || rel.Task.Assignee != "" {
		t.Errorf("releaseClaim = %+v, want pending with no assignee", rel.Task)
	}
	call[server.ClaimTaskOutput](a, "claimTask", map[string]any{"taskId": id2, "agent": "x"})
	rel = call[server.ClaimTaskOutput](b, "releaseClaim", map[string]any{"taskId": id2, "force": true})
	if rel.Task.Status != taskstore.StatusPending || call[server.TaskOutput](b, "getTask", map[string]any{"taskId": id2}).Task.ForcedBy == "" {
		t.Errorf("forced releaseClaim = %+v, want pending and recorded", rel.Task)
	}
	a.wantErr("releaseClaim", map[string]any{"taskId": id2}, "is not claimed")
}

func TestServerAgentOption(t *testing.T) {
	base := newEnv(t)
	id := base.add(task("named by the server"))[0].ID
	srv := server.New(base.store, server.Options{Location: base.loc, LockOptions: lockOpts, Agent: "from-flag"})
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "other", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cs.Close(); ss.Wait() }()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "claimTask", Arguments: map[string]any{"taskId": id}})
	if err != nil || res.IsError {
		t.Fatalf("claimTask = %v, %v", res, err)
	}
	got := decode[server.ClaimTaskOutput](t, "claimTask", res)
	if got.Task.Assignee != "from-flag" {
		t.Errorf("assignee = %q, want the server's Options.Agent", got.Task.Assignee)
	}
}

// TestClaimNextTaskRace has several sessions drain tasks with claimNextTask
// at once: every task goes to one session, and no call loses a race.
func TestClaimNextTaskRace(t *testing.T) {
	first := newEnv(t)
	const n = 24
	batch := make([]map[string]any, n)
	for i := range batch {
		batch[i] = task(fmt.Sprint("task ", i), "priorityScore", i%5)
	}
	first.add(batch...)
	envs := []*env{first}
	for range 3 {
		envs = append(envs, newEnvWith(t, first.loc, first.store))
	}
	var mu sync.Mutex
	owner := map[string]int{}
	var wg sync.WaitGroup
	for i, e := range envs {
		wg.Go(func() {
			for {
				res, err := e.try("claimNextTask", map[string]any{})
				if err != nil || res.IsError {
					t.Errorf("session %d: claimNextTask = %v %s", i, err, text(res))
					return
				}
				var out server.NextTaskOutput
				if err := json.Unmarshal([]byte(text(res)), &out); err != nil {
					t.Errorf("session %d: claimNextTask answer %s: %v", i, text(res), err)
					return
				}
				if out.Task == nil {
					return
				}
				mu.Lock()
				if prev, ok := owner[out.Task.ID]; ok {
					t.Errorf("task %s claimed by sessions %d and %d", out.Task.ID, prev, i)
				}
				owner[out.Task.ID] = i
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(owner) != n {
		t.Errorf("%d tasks claimed, want %d", len(owner), n)
	}
}

// TestGetNextTaskOffersExpiredLease: getNextTask, with or without a
// priority filter, offers what claimNextTask would take: a task whose
// lease has run out, and not one whose lease runs.
func TestGetNextTaskOffersExpiredLease(t *testing.T) {
	e := newEnv(t)
	id := e.add(task("left by a crashed agent", "priorityScore", 80))[0].ID
	call[server.ClaimTaskOutput](e, "claimTask", map[string]any{"taskId": id, "agent": "crashed", "leaseSeconds": 1})
	filters := []map[string]any{{}, {"priority": "high"}, {"priorityScore": 80}}
	for _, args := range filters {
		if got := call[server.NextTaskOutput](e, "getNextTask", args); got.Task != nil {
			t.Fatalf("getNextTask(%v) = %s while its lease runs, want null", args, got.Task.ID)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for call[server.NextTaskOutput](e, "getNextTask", map[string]any{}).Task == nil {
		if time.Now().After(deadline) {
			t.Fatal("getNextTask offered nothing a minute after a 1s lease")
		}
		time.Sleep(20 * time.Millisecond) // polling until the lease has run out, with a deadline
	}
	for _, args := range filters {
		got := call[server.NextTaskOutput](e, "getNextTask", args)
		if got.Task == nil || got.Task.ID != id {
			t.Errorf("getNextTask(%v) = %v after the lease, want %s", args, got.Task, id)
		}
	}
	if got := call[server.NextTaskOutput](e, "getNextTask", map[string]any{"priorityScore": 81}); got.Task != nil {
		t.Errorf("getNextTask(priorityScore 81) = %s, want null: the only ready task scores 80", got.Task.ID)
	}
	claimed := call[server.NextTaskOutput](e, "claimNextTask", map[string]any{"priority": "high"})
	if claimed.Task == nil || claimed.Task.ID != id || claimed.Task.Assignee == "crashed" {
		t.Errorf("claimNextTask(high) = %+v, want %s for this session", claimed.Task, id)
	}
}
