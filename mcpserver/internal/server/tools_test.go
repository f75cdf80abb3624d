package server_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestListTools(t *testing.T) {
	e := newEnv(t)
	res, err := e.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	var names []string
	byName := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		byName[tool.Name] = tool
	}
	slices.Sort(names)
	// Every tool, with the input fields the reference server's prompts use.
	fields := map[string][]string{
		"getNextTask":      {"parentTaskId", "status", "priorityScore"},
		"getTask":          {"taskId", "contextSkip"},
		"addTasks":         {"tasks"},
		"listTasks":        {"statuses", "parentId", "includeProjectRoot", "limit", "cursor"},
		"addTaskContext":   {"taskId", "title", "description", "contextType"},
		"addDependency":    {"dependentTaskId", "dependencyTaskId"},
		"updateStatus":     {"taskId", "status", "cascade", "agent", "force"},
		"deleteTask":       {"taskId", "cascade", "force"},
		"claimTask":        {"taskId", "agent", "leaseSeconds"},
		"claimNextTask":    {"parentTaskId", "priorityScore", "priority", "agent", "leaseSeconds"},
		"renewClaim":       {"taskId", "agent", "leaseSeconds"},
		"releaseClaim":     {"taskId", "agent", "force"},
		"removeDependency": {"dependentTaskId", "dependencyTaskId"},
		"lockStatus":       {},
		"readText":         {"taskId", "part", "offset"},
		"updateTask":       {"taskId", "title", "description", "priorityScore", "priority", "parentTaskId", "agent"},
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(fields)), names); diff != "" {
		t.Errorf("tool names (-want +got):\n%s", diff)
	}
	for name, fields := range fields {
		tool := byName[name]
		if tool == nil {
			t.Errorf("tool %s missing", name)
			continue
		}
		schema := tool.InputSchema.(map[string]any)
		props, _ := schema["properties"].(map[string]any)
		for _, f := range fields {
			if _, ok := props[f]; !ok {
				t.Errorf("%s input schema has no %q (properties %v)", name, f, props)
			}
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s has no output schema", name)
		}
		if tool.Description == "" {
			t.Errorf("%s has no description", name)
		}
	}
	items := byName["addTasks"].InputSchema.(map[string]any)["properties"].(map[string]any)["tasks"].(map[string]any)
	if items["maxItems"] != float64(server.MaxBatch) || items["minItems"] != float64(1) {
		t.Errorf("addTasks tasks schema minItems=%v maxItems=%v, want 1 and %d", items["minItems"], items["maxItems"], server.MaxBatch)
	}
	for _, f := range []string{"title", "description", "parentTaskId", "parentIndex", "dependsOn", "priorityScore", "status", "details"} {
		if _, ok := items["items"].(map[string]any)["properties"].(map[string]any)[f]; !ok {
			t.Errorf("addTasks task schema has no %q", f)
		}
	}
}

func TestAddTasks(t *testing.T) {
	e := newEnv(t)
	out := call[server.AddTasksOutput](e, "addTasks", map[string]any{"tasks": []any{
		task("Parser", "priorityScore", 0, "description", "parse it"),
		task("Tokenizer", "parentIndex", 0, "priorityScore", 90, "details", "hand-written scanner"),
		task("Grammar", "parentIndex", 0, "dependsOn", []int{1, 1}, "priority", "high"),
		task("Docs", "status", "in-progress", "priority", "low"),
	}})
	if len(out.Tasks) != 4 || len(out.MoreIDs) != 0 {
		t.Fatalf("addTasks tasks=%d moreIds=%d, want 4 and 0", len(out.Tasks), len(out.MoreIDs))
	}
	parser, tok, gram, docs := out.Tasks[0], out.Tasks[1], out.Tasks[2], out.Tasks[3]
	t.Logf("created %v", ids(out.Tasks))
	if parser.PriorityScore != 0 {
		t.Errorf("priorityScore 0 became %d, want 0", parser.PriorityScore)
	}
	if stored, err := e.store.GetTask(t.Context(), parser.ID); err != nil || stored.Description != "parse it" || parser.Status != taskstore.StatusPending {
		t.Errorf("parser = %+v (stored %+v, %v), want description and pending", parser, stored, err)
	}
	if tok.ParentID != parser.ID || gram.ParentID != parser.ID {
		t.Errorf("children parents = %s, %s, want %s", tok.ParentID, gram.ParentID, parser.ID)
	}
	if !strings.HasPrefix(tok.ID, parser.ID+"-") {
		t.Errorf("child ID %s does not extend parent ID %s", tok.ID, parser.ID)
	}
	if gram.PriorityScore != taskstore.PriorityHigh || docs.PriorityScore != taskstore.PriorityLow {
		t.Errorf("level scores = %d, %d, want %d, %d", gram.PriorityScore, docs.PriorityScore, taskstore.PriorityHigh, taskstore.PriorityLow)
	}
	if docs.Status != taskstore.StatusInProgress {
		t.Errorf("docs status = %s, want in-progress", docs.Status)
	}
	deps, err := e.store.GetTaskDependencies(t.Context(), gram.ID)
	if err != nil || len(deps) != 1 || deps[0].ID != tok.ID {
		t.Errorf("GetTaskDependencies(%s) = %v, %v; want [%s]", gram.ID, taskIDs(deps), err, tok.ID)
	}
	slices, err := e.store.ListContextSlices(t.Context(), tok.ID)
	if err != nil || len(slices) != 1 || slices[0].Description != "hand-written scanner" || slices[0].ContextType != server.DetailsType {
		t.Errorf("ListContextSlices(%s) = %+v, %v; want the details slice", tok.ID, slices, err)
	}
	// parentTaskId names an existing task.
	sub := e.add(task("Sub", "parentTaskId", docs.ID, "dependsOnTaskIds", []string{parser.ID}))
	if sub[0].ParentID != docs.ID {
		t.Errorf("sub parent = %s, want %s", sub[0].ParentID, docs.ID)
	}
	// Unknown fields are ignored, as by the reference server.
	e.add(task("Extra", "estimate", "2h"))
}

func TestAddTasksErrors(t *testing.T) {
	e := newEnv(t)
	existing := e.add(task("Existing"))[0]
	many := make([]any, server.MaxBatch+1)
	for i := range many {
		many[i] = task(fmt.Sprintf("t%d", i))
	}
	tests := []struct {
		name  string
		tasks []any
		want  []string
	}{
		{"empty", []any{}, []string{"tasks"}},
		{"too many", many, []string{"tasks"}},
		{"forward parentIndex", []any{task("a", "parentIndex", 1), task("b")}, []string{"tasks[0].parentIndex"}},
		{"self parentIndex", []any{task("a"), task("b", "parentIndex", 1)}, []string{"tasks[1].parentIndex"}},
		{"negative parentIndex", []any{task("a"), task("b", "parentIndex", -1)}, []string{"parentIndex"}},
		{"both parents", []any{task("a"), task("b", "parentIndex", 0, "parentTaskId", existing.ID)}, []string{"not both"}},
		{"forward dependsOn", []any{task("a", "dependsOn", []int{1}), task("b")}, []string{"tasks[0].dependsOn"}},
		{"bad status", []any{task("a", "status", "finished")}, []string{"status", "finished"}},
		{"bad priority", []any{task("a", "priority", "urgent")}, []string{"priority", "urgent"}},
		{"score too high", []any{task("a", "priorityScore", 101)}, []string{"priorityScore"}},
		{"empty title", []any{task("")}, []string{"title"}},
		{"long title", []any{task(strings.Repeat("x", taskstore.MaxTitleLen+1))}, []string{"title"}},
		{"missing title", []any{map[string]any{"description": "no title"}}, []string{"title"}},
		{"unknown parent", []any{task("a", "parentTaskId", "NOPE")}, []string{"NOPE"}},
		{"unknown dependency", []any{task("a", "dependsOnTaskIds", []string{"NOPE"})}, []string{"NOPE"}},
		// The last task fails in the store, after the first ones were valid:
		// nothing of the batch may remain.
		{"atomic", []any{task("ok1"), task("ok2", "parentIndex", 0), task("bad", "parentTaskId", "NOPE")}, []string{"NOPE"}},
		{"atomic with details", []any{task("ok1", "details", "d"), task("bad", "parentTaskId", "NOPE")}, []string{"NOPE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := e.wantErr("addTasks", map[string]any{"tasks": tt.tasks}, tt.want...)
			t.Logf("error: %s", msg)
		})
	}
	all := call[server.ListTasksOutput](e, "listTasks", map[string]any{"statuses": []string{}})
	if diff := cmp.Diff([]string{existing.ID}, ids(all.Tasks)); diff != "" {
		t.Errorf("failed batches left tasks behind (-want +got):\n%s", diff)
	}
}

func TestGetTask(t *testing.T) {
	e := newEnv(t)
	ts := e.add(task("Parent"), task("Child", "parentIndex", 0), task("Dep"), task("Waiter", "dependsOn", []int{2}))
	call[server.ContextSliceOutput](e, "addTaskContext", map[string]any{"taskId": ts[0].ID, "title": "Note", "description": "n"})

	got := call[server.TaskOutput](e, "getTask", map[string]any{"taskId": ts[0].ID})
	if got.Task.ID != ts[0].ID || got.Task.Title != "Parent" {
		t.Errorf("getTask task = %+v, want %s", got.Task, ts[0].ID)
	}
	if diff := cmp.Diff([]string{ts[1].ID}, ids(got.Context.Subtasks)); diff != "" {
		t.Errorf("subtasks (-want +got):\n%s", diff)
	}
	if len(got.Context.ContextSlices) != 1 || got.Context.IsBlocked {
		t.Errorf("context = %+v, want one slice and not blocked", got.Context)
	}
	waiter := call[server.TaskOutput](e, "getTask", map[string]any{"taskId": ts[3].ID})
	if !waiter.Context.IsBlocked || !slices.Equal(ids(waiter.Context.Dependencies), []string{ts[2].ID}) {
		t.Errorf("waiter context = %+v, want blocked by %s", waiter.Context, ts[2].ID)
	}
	dep := call[server.TaskOutput](e, "getTask", map[string]any{"taskId": ts[2].ID})
	if !slices.Equal(ids(dep.Context.Dependents), []string{ts[3].ID}) {
		t.Errorf("dependents of %s = %v, want [%s]", ts[2].ID, ids(dep.Context.Dependents), ts[3].ID)
	}

	e.wantErr("getTask", map[string]any{"taskId": "ZZZZ"}, "ZZZZ", "not found")
	e.wantErr("getTask", map[string]any{"taskId": ""}, "taskId")
	e.wantErr("getTask", map[string]any{}, "taskId")
	e.wantErr("getTask", map[string]any{"taskId": 12}, "taskId")
}

func TestListTasks(t *testing.T) {
	e := newEnv(t)
	ts := e.add(task("A"), task("B", "parentIndex", 0), task("C", "status", "done"), task("D", "status", "in-progress"))
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"default", map[string]any{}, []string{ts[0].ID, ts[1].ID, ts[3].ID}},
		{"every status", map[string]any{"statuses": []string{}}, ids(ts)},
		{"done", map[string]any{"statuses": []string{"done"}}, []string{ts[2].ID}},
		{"two statuses", map[string]any{"statuses": []string{"in-progress", "done"}}, []string{ts[2].ID, ts[3].ID}},
		{"children", map[string]any{"parentId": ts[0].ID}, []string{ts[1].ID}},
		{"root included", map[string]any{"statuses": []string{}, "includeProjectRoot": true}, append([]string{taskstore.ProjectRootID}, ids(ts)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call[server.ListTasksOutput](e, "listTasks", tt.args)
			if !slices.Contains(tt.want, taskstore.ProjectRootID) {
				if diff := cmp.Diff(tt.want, ids(got.Tasks)); diff != "" {
					t.Errorf("listTasks(%v) (-want +got):\n%s", tt.args, diff)
				}
			} else if !slices.Contains(ids(got.Tasks), taskstore.ProjectRootID) || len(got.Tasks) != len(tt.want) {
				t.Errorf("listTasks(%v) = %v, want the project root and %d tasks", tt.args, ids(got.Tasks), len(tt.want)-1)
			}
			if got.Remaining != 0 || got.NextCursor != "" {
				t.Errorf("remaining = %d, nextCursor %q; want one page", got.Remaining, got.NextCursor)
			}
		})
	}
	e.wantErr("listTasks", map[string]any{"statuses": []string{"pending", "nope"}}, "statuses", "nope")
	e.wantErr("listTasks", map[string]any{"statuses": "pending"}, "statuses")
}

func TestAddTaskContext(t *testing.T) {
	e := newEnv(t)
	a := e.add(task("A"))[0]
	got := call[server.ContextSliceOutput](e, "addTaskContext", map[string]any{"taskId": a.ID, "title": "Approach", "description": "use X"})
	typed := call[server.ContextSliceOutput](e, "addTaskContext", map[string]any{"taskId": a.ID, "title": "R", "description": "d", "contextType": "research"})
	stored, err := e.store.ListContextSlices(t.Context(), a.ID)
	if err != nil || len(stored) != 2 || stored[0].ID != got.ID || stored[0].ContextType != taskstore.DefaultContextType ||
		stored[1].ID != typed.ID || stored[1].ContextType != "research" || got.CreatedAt.IsZero() {
		t.Errorf("addTaskContext = %+v, %+v; stored %+v, %v; want a general and a research slice on %s", got, typed, stored, err, a.ID)
	}
	e.wantErr("addTaskContext", map[string]any{"taskId": "ZZZZ", "title": "t", "description": "d"}, "ZZZZ", "not found")
	e.wantErr("addTaskContext", map[string]any{"taskId": a.ID, "title": "", "description": "d"}, "title")
	e.wantErr("addTaskContext", map[string]any{"taskId": a.ID, "title": "t"}, "description")
	e.wantErr("addTaskContext", map[string]any{"title": "t", "description": "d"}, "taskId")
}

func TestDependencies(t *testing.T) {
	e := newEnv(t)
	ts := e.add(task("A"), task("B"), task("C"))
	a, b, c := ts[0].ID, ts[1].ID, ts[2].ID
	dep := func(x, y string) map[string]any { return map[string]any{"dependentTaskId": x, "dependencyTaskId": y} }

	got := call[server.DependencyOutput](e, "addDependency", dep(a, b))
	if got.Dependency.DependentTaskID != a || got.Dependency.DependencyTaskID != b {
		t.Errorf("addDependency = %+v, want %s -> %s", got.Dependency, a, b)
	}
	call[server.DependencyOutput](e, "addDependency", dep(b, c))
	msg := e.wantErr("addDependency", dep(c, a), "cycle", a, b, c)
	t.Logf("cycle: %s", msg)
	e.wantErr("addDependency", dep(a, a), a)
	e.wantErr("addDependency", dep(a, b))
	e.wantErr("addDependency", dep(a, "ZZZZ"), "ZZZZ", "not found")
	e.wantErr("addDependency", map[string]any{"dependentTaskId": a}, "dependencyTaskId")

	rm := call[server.RemoveDependencyOutput](e, "removeDependency", dep(a, b))
	if rm.DependentTaskID != a || rm.DependencyTaskID != b {
		t.Errorf("removeDependency = %+v", rm)
	}
	if deps, _ := e.store.GetTaskDependencies(t.Context(), a); len(deps) != 0 {
		t.Errorf("dependencies of %s after remove = %v, want none", a, taskIDs(deps))
	}
	e.wantErr("removeDependency", dep(a, b), "not found")
	e.wantErr("removeDependency", map[string]any{"dependencyTaskId": b}, "dependentTaskId")
	// With the dependency gone the cycle is allowed.
	call[server.DependencyOutput](e, "addDependency", dep(c, a))
}

func TestUpdateStatus(t *testing.T) {
	e := newEnv(t)
	ts := e.add(task("Epic"), task("Open", "parentIndex", 0), task("Dropped", "parentIndex", 0), task("Shelved", "parentIndex", 0), task("Deep", "parentIndex", 1))
	epic, open, dropped, shelved, deep := ts[0].ID, ts[1].ID, ts[2].ID, ts[3].ID, ts[4].ID

	one := call[server.UpdateStatusOutput](e, "updateStatus", map[string]any{"taskId": dropped, "status": "cancelled"})
	if one.Task.Status != taskstore.StatusCancelled || len(one.AlsoUpdated) != 0 || one.AlsoUpdatedCount != 0 {
		t.Errorf("updateStatus = %+v, want cancelled and nothing else updated", one)
	}
	call[server.UpdateStatusOutput](e, "updateStatus", map[string]any{"taskId": shelved, "status": "archived"})

	done := call[server.UpdateStatusOutput](e, "updateStatus", map[string]any{"taskId": epic, "status": "done", "cascade": true})
	if done.Task.ID != epic || done.Task.Status != taskstore.StatusDone {
		t.Errorf("cascade task = %+v, want %s done", done.Task, epic)
	}
	want := map[string]taskstore.Status{epic: "done", open: "done", deep: "done", dropped: "cancelled", shelved: "archived"}
	for id, st := range want {
		got, err := e.store.GetTask(t.Context(), id)
		if err != nil || got.Status != st {
			t.Errorf("after cascade %s status = %s (%v), want %s", id, got.Status, err, st)
		}
	}
	if !cmp.Equal(sorted(done.AlsoUpdated), sorted([]string{open, deep})) || done.AlsoUpdatedCount != 2 {
		t.Errorf("cascade also updated %v (%d), want %s and %s", done.AlsoUpdated, done.AlsoUpdatedCount, open, deep)
	}

	e.wantErr("updateStatus", map[string]any{"taskId": epic, "status": "finished"}, "status", "finished")
	e.wantErr("updateStatus", map[string]any{"taskId": "ZZZZ", "status": "done"}, "ZZZZ", "not found")
	e.wantErr("updateStatus", map[string]any{"taskId": epic}, "status")
}

func TestDeleteTask(t *testing.T) {
	e := newEnv(t)
	ts := e.add(task("Parent"), task("Child", "parentIndex", 0), task("Grandchild", "parentIndex", 1), task("Alone"))
	e.wantErr("deleteTask", map[string]any{"taskId": ts[0].ID})
	one := call[server.DeleteTaskOutput](e, "deleteTask", map[string]any{"taskId": ts[3].ID})
	if one.Deleted != 1 || one.TaskID != ts[3].ID {
		t.Errorf("deleteTask = %+v, want 1 deleted", one)
	}
	all := call[server.DeleteTaskOutput](e, "deleteTask", map[string]any{"taskId": ts[0].ID, "cascade": true})
	if all.Deleted != 3 {
		t.Errorf("cascade deleted %d, want 3", all.Deleted)
	}
	left := call[server.ListTasksOutput](e, "listTasks", map[string]any{"statuses": []string{}})
	if len(left.Tasks) != 0 {
		t.Errorf("tasks left = %v, want none", ids(left.Tasks))
	}
	e.wantErr("deleteTask", map[string]any{"taskId": ts[0].ID}, "not found")
	e.wantErr("deleteTask", map[string]any{}, "taskId")

	// A task others depend on is kept unless force.
	dep := e.add(task("Base"), task("User"))
	call[server.DependencyOutput](e, "addDependency", map[string]any{"dependentTaskId": dep[1].ID, "dependencyTaskId": dep[0].ID})
	e.wantErr("deleteTask", map[string]any{"taskId": dep[0].ID}, "dependency of 1 other task ("+dep[1].ID+")", "force")
	if got := call[server.TaskOutput](e, "getTask", map[string]any{"taskId": dep[0].ID}); got.Task.ID != dep[0].ID {
		t.Errorf("refused deleteTask removed %s", dep[0].ID)
	}
	forced := call[server.DeleteTaskOutput](e, "deleteTask", map[string]any{"taskId": dep[0].ID, "force": true})
	if forced.Deleted != 1 {
		t.Errorf("forced deleteTask = %+v, want 1 deleted", forced)
	}
}

func TestClaimTask(t *testing.T) {
	e := newEnv(t)
	ts := e.add(task("First"), task("Second", "dependsOn", []int{0}))
	got := call[server.ClaimTaskOutput](e, "claimTask", map[string]any{"taskId": ts[0].ID})
	if got.Task.Status != taskstore.StatusInProgress {
		t.Errorf("claimTask status = %s, want in-progress", got.Task.Status)
	}
	t.Logf("second claim: %s", e.callErr("claimTask", map[string]any{"taskId": ts[0].ID}))
	e.wantErr("claimTask", map[string]any{"taskId": ts[1].ID}, ts[0].ID)
	e.wantErr("claimTask", map[string]any{"taskId": "ZZZZ"}, "not found")
	e.wantErr("claimTask", map[string]any{}, "taskId")
}

// TestClaimRace has many sessions claim the same task at once: exactly one
// wins, the others get a tool error.
func TestClaimRace(t *testing.T) {
	e := newEnv(t)
	id := e.add(task("Contested"))[0].ID
	const n = 8
	var wg sync.WaitGroup
	results := make([]*mcp.CallToolResult, n)
	errs := make([]error, n)
	for i := range n {
		other := newEnvWith(t, e.loc, e.store)
		wg.Go(func() { results[i], errs[i] = other.try("claimTask", map[string]any{"taskId": id}) })
	}
	wg.Wait()
	wins := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !r.IsError {
			wins++
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d concurrent claims succeeded, want exactly 1", wins, n)
	}
}

func TestGetNextTask(t *testing.T) {
	e := newEnv(t)
	empty := call[server.NextTaskOutput](e, "getNextTask", map[string]any{})
	if empty.Task != nil || empty.Context != nil {
		t.Errorf("getNextTask on empty db = %+v, want null task", empty)
	}
	ts := e.add(
		task("Low", "priorityScore", 5),
		task("Blocked high", "priorityScore", 99, "dependsOn", []int{0}),
		task("Mid", "priorityScore", 60),
		task("Epic", "priorityScore", 30),
		task("Epic child", "parentIndex", 3, "priorityScore", 40),
		task("Busy", "priorityScore", 75, "status", "in-progress"),
	)
	low, mid, epic, child, busy := ts[0].ID, ts[2].ID, ts[3].ID, ts[4].ID, ts[5].ID
	next := call[server.NextTaskOutput](e, "getNextTask", map[string]any{})
	if next.Task == nil {
		t.Fatalf("getNextTask = null, want a task")
	}
	if next.Task.ID != mid {
		t.Errorf("getNextTask = %s %q, want the highest ready pending task %s", next.Task.ID, next.Task.Title, mid)
	}
	// The filtered path agrees with the store's NextTask when the filter
	// admits everything.
	if same := call[server.NextTaskOutput](e, "getNextTask", map[string]any{"priorityScore": 0}); same.Task == nil || same.Task.ID != next.Task.ID {
		t.Errorf("getNextTask(priorityScore 0) = %v, want %s as without a filter", same.Task, next.Task.ID)
	}
	if next.Context == nil {
		t.Errorf("getNextTask returned no context")
	}
	tests := []struct {
		name string
		args map[string]any
		want string // "" means null
	}{
		{"pending only", map[string]any{"status": "pending"}, mid},
		{"in-progress", map[string]any{"status": "in-progress"}, busy},
		{"under parent", map[string]any{"parentTaskId": epic}, child},
		{"min score", map[string]any{"status": "pending", "priorityScore": 50}, mid},
		{"score too high", map[string]any{"priorityScore": 100}, ""},
		{"level low", map[string]any{"priority": "low", "status": "pending"}, mid},
		{"level high", map[string]any{"priority": "high"}, ""},
		{"level high in progress", map[string]any{"priority": "high", "status": "in-progress"}, busy},
		{"done", map[string]any{"status": "done"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call[server.NextTaskOutput](e, "getNextTask", tt.args)
			gotID := ""
			if got.Task != nil {
				gotID = got.Task.ID
			}
			if gotID != tt.want {
				t.Errorf("getNextTask(%v) = %q, want %q", tt.args, gotID, tt.want)
			}
		})
	}
	// Finishing the dependency unblocks the high-priority task.
	call[server.UpdateStatusOutput](e, "updateStatus", map[string]any{"taskId": low, "status": "done"})
	got := call[server.NextTaskOutput](e, "getNextTask", map[string]any{"status": "pending"})
	if got.Task == nil || got.Task.ID != ts[1].ID {
		t.Errorf("after unblocking, getNextTask = %v, want %s", got.Task, ts[1].ID)
	}

	e.wantErr("getNextTask", map[string]any{"status": "later"}, "status", "later")
	e.wantErr("getNextTask", map[string]any{"priorityScore": 101}, "priorityScore")
	e.wantErr("getNextTask", map[string]any{"priority": "urgent"}, "priority", "urgent")
	e.wantErr("getNextTask", map[string]any{"parentTaskId": "ZZZZ"}, "ZZZZ")
}

// TestConcurrentCalls runs writes and reads from many goroutines through one
// server; every call succeeds and every task is there afterwards.
func TestConcurrentCalls(t *testing.T) {
	e := newEnv(t)
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan string, workers*each*2)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				for _, c := range []struct {
					tool string
					args any
				}{
					{"addTasks", map[string]any{"tasks": []any{task(fmt.Sprintf("w%d-%d", w, i)), task("child", "parentIndex", 0)}}},
					{"listTasks", map[string]any{}},
				} {
					res, err := e.try(c.tool, c.args)
					if err != nil {
						errs <- err.Error()
					} else if res.IsError {
						errs <- c.tool + ": " + text(res)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Errorf("concurrent call failed: %s", msg)
	}
	all := call[server.ListTasksOutput](e, "listTasks", map[string]any{"statuses": []string{}, "limit": server.MaxPageLimit})
	if len(all.Tasks) != workers*each*2 {
		t.Errorf("after concurrent adds: %d tasks, want %d", len(all.Tasks), workers*each*2)
	}
}

// TestOutputSchemasCheck makes sure the output-schema check that every
// successful call in these tests goes through can fail.
func TestOutputSchemasCheck(t *testing.T) {
	e := newEnv(t)
	bad := map[string]any{
		"listTasks":   map[string]any{"tasks": "not a list", "count": 1},
		"getTask":     map[string]any{"task": map[string]any{"id": 5}},
		"deleteTask":  map[string]any{"taskId": "A", "deleted": "one"},
		"getNextTask": map[string]any{"message": "m", "task": []any{}},
	}
	for name, v := range bad {
		if err := e.out[name].Validate(v); err == nil {
			t.Errorf("%s output schema accepts %v", name, v)
		}
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
