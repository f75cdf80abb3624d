package server_test

import (
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
)

func TestUpdateTask(t *testing.T) {
	e := newEnv(t)
	ts := e.add(task("Epic"), task("Story", "parentIndex", 0), task("Leaf", "parentIndex", 1), task("Other"))
	epic, story, leaf, other := ts[0].ID, ts[1].ID, ts[2].ID, ts[3].ID

	got := call[server.ClaimTaskOutput](e, "updateTask", map[string]any{"taskId": other, "title": "Renamed", "description": "new words", "priority": "high"})
	stored, err := e.store.GetTask(t.Context(), other)
	if err != nil || got.Task.Title != "Renamed" || stored.Description != "new words" || stored.PriorityScore != taskstore.PriorityHigh {
		t.Errorf("updateTask = %+v, stored %+v, %v", got.Task, stored, err)
	}
	got = call[server.ClaimTaskOutput](e, "updateTask", map[string]any{"taskId": other, "priorityScore": 0})
	if got.Task.PriorityScore != 0 {
		t.Errorf("priorityScore 0 = %d", got.Task.PriorityScore)
	}
	got = call[server.ClaimTaskOutput](e, "updateTask", map[string]any{"taskId": leaf, "parentTaskId": other})
	if got.Task.ParentID != other {
		t.Errorf("moved leaf: parent %s, want %s", got.Task.ParentID, other)
	}
	got = call[server.ClaimTaskOutput](e, "updateTask", map[string]any{"taskId": leaf, "parentTaskId": ""})
	if got.Task.ParentID != taskstore.ProjectRootID {
		t.Errorf("moved leaf to the top: parent %s", got.Task.ParentID)
	}

	// A move under the task itself or its descendants is refused, and
	// nothing changes.
	e.wantErr("updateTask", map[string]any{"taskId": epic, "parentTaskId": story}, "parent")
	e.wantErr("updateTask", map[string]any{"taskId": epic, "parentTaskId": epic}, "parent")
	if s, _ := e.store.GetTask(t.Context(), epic); s.ParentID != taskstore.ProjectRootID {
		t.Errorf("after refused moves the epic's parent is %s", s.ParentID)
	}
	e.wantErr("updateTask", map[string]any{"taskId": other, "title": ""}, "title")
	e.wantErr("updateTask", map[string]any{"taskId": other, "title": "two\nlines"}, "title", "line break")
	e.wantErr("updateTask", map[string]any{"taskId": other, "description": strings.Repeat("d", taskstore.MaxDescriptionLen+1)}, "description")
	e.wantErr("updateTask", map[string]any{"taskId": other, "priorityScore": 101}, "priorityScore")
	e.wantErr("updateTask", map[string]any{"taskId": other, "priority": "urgent"}, "priority", "urgent")
	e.wantErr("updateTask", map[string]any{"taskId": other, "priority": "low", "priorityScore": 5}, "not both")
	e.wantErr("updateTask", map[string]any{"taskId": other}, "nothing to update")
	e.wantErr("updateTask", map[string]any{"taskId": "ZZZZ", "title": "x"}, "ZZZZ", "not found")
	e.wantErr("updateTask", map[string]any{"taskId": other, "parentTaskId": "ZZZZ"}, "ZZZZ")
	if s, _ := e.store.GetTask(t.Context(), other); s.Title != "Renamed" || s.PriorityScore != 0 {
		t.Errorf("refused updates changed the task: %+v", s)
	}
}

func TestReadText(t *testing.T) {
	e := newEnv(t)
	a := e.add(task("A", "description", "short"))[0]
	slice := call[server.ContextSliceOutput](e, "addTaskContext", map[string]any{"taskId": a.ID, "title": "n", "description": "héllo wörld"})

	got := call[server.TextOutput](e, "readText", map[string]any{"taskId": a.ID, "part": slice.ID, "offset": 6})
	if got.Text != "wörld" || got.Length != 11 || got.NextOffset != nil {
		t.Errorf("readText from 6 = %+v, want wörld of 11 characters, no next offset", got)
	}
	got = call[server.TextOutput](e, "readText", map[string]any{"taskId": a.ID, "part": "description"})
	if got.Text != "short" {
		t.Errorf("readText description = %+v", got)
	}
	e.wantErr("readText", map[string]any{"taskId": a.ID}, "part")
	e.wantErr("readText", map[string]any{"taskId": a.ID, "part": "CS-NOPE"}, "CS-NOPE")
	e.wantErr("readText", map[string]any{"taskId": a.ID, "part": "description", "offset": 6}, "past the end")
	e.wantErr("readText", map[string]any{"taskId": a.ID, "part": "description", "offset": -1}, "offset")
	e.wantErr("readText", map[string]any{"taskId": "ZZZZ", "part": "description"}, "not found")
}

func TestListTasksLimit(t *testing.T) {
	e := newEnv(t)
	e.add(task("A"), task("B"), task("C"))
	page := call[server.ListTasksOutput](e, "listTasks", map[string]any{"limit": 2})
	if len(page.Tasks) != 2 || page.Remaining != 1 || page.NextCursor == "" {
		t.Fatalf("limit 2 = %+v", page)
	}
	rest := call[server.ListTasksOutput](e, "listTasks", map[string]any{"limit": 2, "cursor": page.NextCursor})
	if len(rest.Tasks) != 1 || rest.Tasks[0].Title != "C" || rest.Remaining != 0 || rest.NextCursor != "" {
		t.Errorf("second page = %+v", rest)
	}
	e.wantErr("listTasks", map[string]any{"limit": 0}, "limit")
	e.wantErr("listTasks", map[string]any{"limit": server.MaxPageLimit + 1}, "limit")
	e.wantErr("listTasks", map[string]any{"cursor": "x"}, "cursor")
}
