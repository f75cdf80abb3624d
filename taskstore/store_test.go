package taskstore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func mustAdd(t *testing.T, s Store, nt NewTask) Task {
	t.Helper()
	task, err := s.AddTask(context.Background(), nt)
	if err != nil {
		t.Fatalf("AddTask(%+v) = %v", nt, err)
	}
	return task
}

func mustAddID(t *testing.T, s Store, id string, nt NewTask) Task {
	t.Helper()
	if nt.Title == "" {
		nt.Title = "task " + id
	}
	task, err := s.AddTaskWithID(context.Background(), id, nt)
	if err != nil {
		t.Fatalf("AddTaskWithID(%q) = %v", id, err)
	}
	return task
}

func mustDep(t *testing.T, s Store, dependent, dependency string) {
	t.Helper()
	if _, err := s.AddTaskDependency(context.Background(), dependent, dependency); err != nil {
		t.Fatalf("AddTaskDependency(%q, %q) = %v", dependent, dependency, err)
	}
}

func ids(ts []Task) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

// allTasks lists every task except the project root.
func allTasks(t *testing.T, s Store) []Task {
	t.Helper()
	ts, err := s.ListTasks(context.Background(), Filter{Statuses: []Status{}})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// wantInvalid checks err is an *InvalidError for field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want *InvalidError for %q", err, field)
	}
	if ie.Field != field {
		t.Fatalf("err = %v: Field = %q, want %q", err, ie.Field, field)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %q spans several lines", err)
	}
}

func wantIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want errors.Is(err, %v)", err, target)
	}
}

var (
	rootIDRe  = regexp.MustCompile(`^[A-Z]{4}$`)
	childIDRe = regexp.MustCompile(`^[A-Z]{4}-[A-Z]{4}$`)
)

func TestAddAndGetTask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		parent := mustAdd(t, s, NewTask{Title: "Parent", Description: "the parent"})
		if !rootIDRe.MatchString(parent.ID) {
			t.Errorf("root task ID %q, want four capital letters", parent.ID)
		}
		want := Task{ID: parent.ID, ParentID: ProjectRootID, Title: "Parent", Description: "the parent",
			Status: StatusPending, PriorityScore: DefaultPriority, CreatedAt: parent.CreatedAt, UpdatedAt: parent.CreatedAt}
		if diff := cmp.Diff(want, parent); diff != "" {
			t.Errorf("AddTask returned (-want +got):\n%s", diff)
		}
		if parent.CreatedAt.IsZero() || parent.CreatedAt.Location().String() != "UTC" {
			t.Errorf("CreatedAt = %v, want a UTC time", parent.CreatedAt)
		}
		child := mustAdd(t, s, NewTask{ParentID: parent.ID, Title: "Child", Status: StatusInProgress,
			PriorityScore: ptr(0), PRD: "# PRD", ContextDigest: "sha256:abc"})
		if !childIDRe.MatchString(child.ID) || !strings.HasPrefix(child.ID, parent.ID+"-") {
			t.Errorf("child ID %q, want %s-XXXX", child.ID, parent.ID)
		}
		got, err := s.GetTask(ctx, child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(child, got); diff != "" {
			t.Errorf("GetTask differs from AddTask (-add +get):\n%s", diff)
		}
		if got.PriorityScore != 0 || got.Status != StatusInProgress || got.PRD != "# PRD" || got.ContextDigest != "sha256:abc" {
			t.Errorf("GetTask = %+v, want priority 0, in-progress, PRD and digest kept", got)
		}
		_, err = s.GetTask(ctx, "NOPE")
		wantIs(t, err, ErrNotFound)
		if err.Error() != "task NOPE not found" {
			t.Errorf("GetTask(NOPE) error = %q", err)
		}
		_, err = s.GetTask(ctx, "bad id!")
		wantInvalid(t, err, "id")
	})
}

func TestAddTaskWithID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		a := mustAddID(t, s, "12", NewTask{Title: "numbered"})
		if a.ID != "12" || a.ParentID != ProjectRootID {
			t.Errorf("AddTaskWithID = %+v", a)
		}
		mustAddID(t, s, "12.1", NewTask{ParentID: "12"})
		_, err := s.AddTaskWithID(ctx, "12", NewTask{Title: "again"})
		wantIs(t, err, ErrConflict)
		_, err = s.AddTaskWithID(ctx, ProjectRootID, NewTask{Title: "root"})
		wantIs(t, err, ErrConflict)
		_, err = s.AddTaskWithID(ctx, "-x", NewTask{Title: "bad"})
		wantInvalid(t, err, "id")
		_, err = s.AddTaskWithID(ctx, "NEW", NewTask{Title: "orphan", ParentID: "MISSING"})
		wantIs(t, err, ErrNotFound)
		if got := ids(allTasks(t, s)); !cmp.Equal(got, []string{"12", "12.1"}) {
			t.Errorf("tasks = %v, want [12 12.1]: failed adds must write nothing", got)
		}
	})
}

func TestTaskValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name  string
		task  NewTask
		field string
	}{
		{"empty title", NewTask{}, "title"},
		{"blank title", NewTask{Title: "  \t"}, "title"},
		{"title too long", NewTask{Title: long(MaxTitleLen + 1)}, "title"},
		{"title not UTF-8", NewTask{Title: "a\xffb"}, "title"},
		{"title control character", NewTask{Title: "a\x00b"}, "title"},
		{"description too long", NewTask{Title: "t", Description: long(MaxDescriptionLen + 1)}, "description"},
		{"bad status", NewTask{Title: "t", Status: "finished"}, "status"},
		{"priority below range", NewTask{Title: "t", PriorityScore: ptr(-1)}, "priority"},
		{"priority above range", NewTask{Title: "t", PriorityScore: ptr(101)}, "priority"},
		{"prd too long", NewTask{Title: "t", PRD: long(MaxPRDLen + 1)}, "prd"},
		{"digest too long", NewTask{Title: "t", ContextDigest: long(MaxContextDigestLen + 1)}, "contextDigest"},
		{"bad parent id", NewTask{Title: "t", ParentID: "a b"}, "parentId"},
	}
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.AddTask(ctx, c.task)
				wantInvalid(t, err, c.field)
				_, err = s.AddTaskWithID(ctx, "VALID", c.task)
				wantInvalid(t, err, c.field)
				_, err = s.AddTasks(ctx, []BatchTask{{NewTask: NewTask{Title: "ok"}}, {NewTask: c.task}})
				wantInvalid(t, err, "batch[1]."+c.field)
			})
		}
		// Exact boundaries are accepted.
		mustAdd(t, s, NewTask{Title: long(MaxTitleLen), Description: long(MaxDescriptionLen), PriorityScore: ptr(100)})
		mustAdd(t, s, NewTask{Title: "ünïcödé " + strings.Repeat("é", MaxTitleLen-8), PriorityScore: ptr(0)})
		if n := len(allTasks(t, s)); n != 2 {
			t.Errorf("%d tasks stored, want only the 2 valid ones", n)
		}
	})
}

func TestAddTasksBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		existing := mustAddID(t, s, "EXIST", NewTask{})
		got, err := s.AddTasks(ctx, []BatchTask{
			{NewTask: NewTask{Title: "Epic"}},
			{NewTask: NewTask{Title: "Story"}, ParentIndex: ptr(0)},
			{NewTask: NewTask{Title: "Task", PriorityScore: ptr(90)}, ParentIndex: ptr(1), DependsOn: []int{0}, DependsOnIDs: []string{existing.ID}},
			{NewTask: NewTask{Title: "Under existing", ParentID: existing.ID}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 {
			t.Fatalf("AddTasks returned %d tasks, want 4", len(got))
		}
		if got[1].ParentID != got[0].ID || got[2].ParentID != got[1].ID || got[3].ParentID != existing.ID {
			t.Errorf("parents wrong: %+v", got)
		}
		if !strings.HasPrefix(got[2].ID, got[1].ID+"-") {
			t.Errorf("grandchild ID %q does not extend %q", got[2].ID, got[1].ID)
		}
		deps, err := s.GetTaskDependencies(ctx, got[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{existing.ID, got[0].ID}; !cmp.Equal(ids(deps), want) {
			t.Errorf("GetTaskDependencies = %v, want %v", ids(deps), want)
		}
		empty, err := s.AddTasks(ctx, nil)
		if err != nil || len(empty) != 0 {
			t.Errorf("AddTasks(nil) = %v, %v; want empty, nil", empty, err)
		}
	})
}

func TestAddTasksAtomic(t *testing.T) {
	bad := []struct {
		name  string
		batch []BatchTask
		field string
		is    error
	}{
		{"forward parent", []BatchTask{{NewTask: NewTask{Title: "a"}, ParentIndex: ptr(1)}, {NewTask: NewTask{Title: "b"}}}, "batch[0].parentIndex", ErrInvalid},
		{"self dependency", []BatchTask{{NewTask: NewTask{Title: "a"}, DependsOn: []int{0}}}, "batch[0].dependsOn", ErrInvalid},
		{"duplicate dependency", []BatchTask{{NewTask: NewTask{Title: "a"}}, {NewTask: NewTask{Title: "b"}, DependsOn: []int{0, 0}}}, "batch[1].dependsOn", ErrInvalid},
		{"negative index", []BatchTask{{NewTask: NewTask{Title: "a"}}, {NewTask: NewTask{Title: "b"}, DependsOn: []int{-1}}}, "batch[1].dependsOn", ErrInvalid},
		{"root dependency", []BatchTask{{NewTask: NewTask{Title: "a"}, DependsOnIDs: []string{ProjectRootID}}}, "batch[0].dependsOnIds", ErrInvalid},
		{"bad dependency id", []BatchTask{{NewTask: NewTask{Title: "a"}, DependsOnIDs: []string{"a b"}}}, "batch[0].dependsOnIds", ErrInvalid},
		{"missing dependency", []BatchTask{{NewTask: NewTask{Title: "a"}}, {NewTask: NewTask{Title: "b"}}, {NewTask: NewTask{Title: "c"}, DependsOnIDs: []string{"GONE"}}}, "", ErrNotFound},
		{"missing parent", []BatchTask{{NewTask: NewTask{Title: "a"}}, {NewTask: NewTask{Title: "b", ParentID: "GONE"}}}, "", ErrNotFound},
	}
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		s := open(t)
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.AddTasks(context.Background(), c.batch)
				if c.field != "" {
					wantInvalid(t, err, c.field)
				}
				wantIs(t, err, c.is)
				if n := len(allTasks(t, s)); n != 0 {
					t.Fatalf("%d tasks left behind by a failed batch", n)
				}
			})
		}
	})
}

func TestListTasks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		a := mustAddID(t, s, "A", NewTask{})
		b := mustAddID(t, s, "B", NewTask{Status: StatusInProgress})
		c := mustAddID(t, s, "C", NewTask{Status: StatusDone, ParentID: "A"})
		d := mustAddID(t, s, "D", NewTask{Status: StatusBlocked, ParentID: "A"})
		list := func(f Filter) []string {
			t.Helper()
			ts, err := s.ListTasks(ctx, f)
			if err != nil {
				t.Fatalf("ListTasks(%+v) = %v", f, err)
			}
			return ids(ts)
		}
		for _, tc := range []struct {
			f    Filter
			want []string
		}{
			{Filter{}, []string{a.ID, b.ID}},
			{Filter{Statuses: []Status{}}, []string{a.ID, b.ID, c.ID, d.ID}},
			{Filter{Statuses: []Status{StatusDone, StatusBlocked}}, []string{c.ID, d.ID}},
			{Filter{Statuses: []Status{}, ParentID: "A"}, []string{c.ID, d.ID}},
			{Filter{ParentID: "A"}, []string{}},
			{Filter{Statuses: []Status{}, IncludeProjectRoot: true}, []string{ProjectRootID, a.ID, b.ID, c.ID, d.ID}},
			{Filter{Statuses: []Status{StatusArchived}}, []string{}},
		} {
			if got := list(tc.f); !cmp.Equal(got, tc.want) {
				t.Errorf("ListTasks(%+v) = %v, want %v", tc.f, got, tc.want)
			}
		}
		_, err := s.ListTasks(ctx, Filter{ParentID: "NOPE"})
		wantIs(t, err, ErrNotFound)
		_, err = s.ListTasks(ctx, Filter{Statuses: []Status{"open"}})
		wantInvalid(t, err, "status")

		byStatus, err := s.ListTasksByStatus(ctx, StatusBlocked)
		if err != nil || !cmp.Equal(ids(byStatus), []string{d.ID}) {
			t.Errorf("ListTasksByStatus(blocked) = %v, %v", ids(byStatus), err)
		}
		_, err = s.ListTasksByStatus(ctx, "")
		wantInvalid(t, err, "status")
		roots, err := s.ListRootTasks(ctx)
		if err != nil || !cmp.Equal(ids(roots), []string{a.ID, b.ID}) {
			t.Errorf("ListRootTasks = %v, %v", ids(roots), err)
		}
		subs, err := s.ListSubtasks(ctx, "A")
		if err != nil || !cmp.Equal(ids(subs), []string{c.ID, d.ID}) {
			t.Errorf("ListSubtasks(A) = %v, %v", ids(subs), err)
		}
		_, err = s.ListSubtasks(ctx, "NOPE")
		wantIs(t, err, ErrNotFound)
		_, err = s.ListSubtasks(ctx, "")
		wantInvalid(t, err, "parentId")
	})
}

func TestUpdateTask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		a := mustAddID(t, s, "A", NewTask{Title: "A", Description: "keep me", PriorityScore: ptr(30)})
		mustAddID(t, s, "A1", NewTask{ParentID: "A"})
		mustAddID(t, s, "A11", NewTask{ParentID: "A1"})
		mustAddID(t, s, "B", NewTask{})

		got, err := s.UpdateTask(ctx, "A", TaskPatch{Title: ptr("A renamed"), PriorityScore: ptr(0), Status: ptr(StatusBlocked)})
		if err != nil {
			t.Fatal(err)
		}
		want := a
		want.Title, want.PriorityScore, want.Status, want.UpdatedAt = "A renamed", 0, StatusBlocked, got.UpdatedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("UpdateTask (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.Before(a.UpdatedAt) {
			t.Errorf("UpdatedAt went backwards: %v < %v", got.UpdatedAt, a.UpdatedAt)
		}
		got, err = s.UpdateTask(ctx, "A", TaskPatch{Description: ptr(""), PRD: ptr("prd"), ContextDigest: ptr("d")})
		if err != nil || got.Description != "" || got.PRD != "prd" || got.ContextDigest != "d" || got.Title != "A renamed" {
			t.Errorf("UpdateTask(clear description) = %+v, %v", got, err)
		}
		unchanged, err := s.UpdateTask(ctx, "A", TaskPatch{})
		if err != nil || !cmp.Equal(unchanged, got) {
			t.Errorf("empty patch changed the task: %+v, %v", unchanged, err)
		}

		// Moves.
		moved, err := s.UpdateTask(ctx, "A11", TaskPatch{ParentID: ptr("B")})
		if err != nil || moved.ParentID != "B" {
			t.Errorf("move A11 under B = %+v, %v", moved, err)
		}
		moved, err = s.UpdateTask(ctx, "A1", TaskPatch{ParentID: ptr("")})
		if err != nil || moved.ParentID != ProjectRootID {
			t.Errorf("move A1 to top level = %+v, %v", moved, err)
		}
		mustAddID(t, s, "A2", NewTask{ParentID: "A"})
		mustAddID(t, s, "A21", NewTask{ParentID: "A2"})
		_, err = s.UpdateTask(ctx, "A", TaskPatch{ParentID: ptr("A21")})
		wantInvalid(t, err, "parentId")
		_, err = s.UpdateTask(ctx, "A", TaskPatch{ParentID: ptr("A")})
		wantInvalid(t, err, "parentId")
		_, err = s.UpdateTask(ctx, "A", TaskPatch{ParentID: ptr("GONE")})
		wantIs(t, err, ErrNotFound)

		// Validation and refusals leave the task as it was.
		before, _ := s.GetTask(ctx, "A")
		for field, p := range map[string]TaskPatch{
			"title":         {Title: ptr(""), PriorityScore: ptr(10)},
			"description":   {Description: ptr(strings.Repeat("d", MaxDescriptionLen+1))},
			"status":        {Status: ptr(Status("nope"))},
			"priority":      {PriorityScore: ptr(101)},
			"prd":           {PRD: ptr("\x01")},
			"contextDigest": {ContextDigest: ptr(strings.Repeat("d", MaxContextDigestLen+1))},
			"parentId":      {ParentID: ptr("no spaces")},
		} {
			_, err := s.UpdateTask(ctx, "A", p)
			wantInvalid(t, err, field)
		}
		after, _ := s.GetTask(ctx, "A")
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("rejected patches changed the task:\n%s", diff)
		}
		_, err = s.UpdateTask(ctx, "NOPE", TaskPatch{Title: ptr("x")})
		wantIs(t, err, ErrNotFound)
		_, err = s.UpdateTask(ctx, ProjectRootID, TaskPatch{Title: ptr("x")})
		wantInvalid(t, err, "id")
	})
}

func TestDeleteTask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "A", NewTask{})
		mustAddID(t, s, "A1", NewTask{ParentID: "A"})
		mustAddID(t, s, "A11", NewTask{ParentID: "A1"})
		mustAddID(t, s, "B", NewTask{})
		mustDep(t, s, "B", "A11")
		mustDep(t, s, "A1", "B")
		if _, err := s.AddContextSlice(ctx, NewContextSlice{TaskID: "A11", Title: "note"}); err != nil {
			t.Fatal(err)
		}

		_, err := s.DeleteTask(ctx, "A", DeleteOptions{})
		wantIs(t, err, ErrConflict)
		if want := "task A has 1 subtask; delete them first or delete with cascade"; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		if n := len(allTasks(t, s)); n != 4 {
			t.Fatalf("refused delete left %d tasks, want 4", n)
		}
		// B depends on A11, inside the subtree; A1 depends on B, which
		// stays, so that link does not count.
		_, err = s.DeleteTask(ctx, "A", DeleteOptions{Cascade: true})
		wantIs(t, err, ErrConflict)
		if want := "task A or a descendant is a dependency of 1 other task (B); remove those dependencies first or delete with force"; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		if n := len(allTasks(t, s)); n != 4 {
			t.Fatalf("refused delete left %d tasks, want 4", n)
		}
		n, err := s.DeleteTask(ctx, "A", DeleteOptions{Cascade: true, Force: true})
		if err != nil || n != 3 {
			t.Fatalf("cascade delete = %d, %v; want 3", n, err)
		}
		if got := ids(allTasks(t, s)); !cmp.Equal(got, []string{"B"}) {
			t.Errorf("tasks after delete = %v, want [B]", got)
		}
		deps, err := s.GetTaskDependencies(ctx, "B")
		if err != nil || len(deps) != 0 {
			t.Errorf("B's dependencies after deleting them = %v, %v", ids(deps), err)
		}
		dependents, err := s.GetTaskDependents(ctx, "B")
		if err != nil || len(dependents) != 0 {
			t.Errorf("B's dependents after deleting them = %v, %v", ids(dependents), err)
		}
		doc, err := s.Export(ctx)
		if err != nil || len(doc.ContextSlices) != 0 || len(doc.Dependencies) != 0 {
			t.Errorf("slices and dependencies survived: %+v, %v", doc, err)
		}
		n, err = s.DeleteTask(ctx, "B", DeleteOptions{})
		if err != nil || n != 1 {
			t.Errorf("DeleteTask(B) = %d, %v; want 1", n, err)
		}
		_, err = s.DeleteTask(ctx, "B", DeleteOptions{})
		wantIs(t, err, ErrNotFound)
		_, err = s.DeleteTask(ctx, ProjectRootID, DeleteOptions{Cascade: true})
		wantInvalid(t, err, "id")
		_, err = s.DeleteTask(ctx, "", DeleteOptions{})
		wantInvalid(t, err, "id")
	})
}

func TestDeleteTaskWithDependents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "BASE", NewTask{})
		for i := range 7 {
			id := fmt.Sprintf("D%d", i)
			mustAddID(t, s, id, NewTask{})
			mustDep(t, s, id, "BASE")
		}
		_, err := s.DeleteTask(ctx, "BASE", DeleteOptions{})
		wantIs(t, err, ErrConflict)
		if want := "task BASE is a dependency of 7 other tasks (D0, D1, D2, D3, D4 and 2 more); remove those dependencies first or delete with force"; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		// Nothing changed: D0 is still blocked by BASE.
		deps, err := s.GetTaskDependencies(ctx, "D0")
		if err != nil || !cmp.Equal(ids(deps), []string{"BASE"}) {
			t.Errorf("D0's dependencies after a refused delete = %v, %v; want [BASE]", ids(deps), err)
		}
		if _, err := s.ClaimTask(ctx, "D0"); !errors.Is(err, ErrBlocked) {
			t.Errorf("ClaimTask(D0) after a refused delete = %v, want ErrBlocked", err)
		}

		// A subtree whose tasks depend only on each other deletes with
		// cascade alone.
		mustAddID(t, s, "E", NewTask{})
		mustAddID(t, s, "E1", NewTask{ParentID: "E"})
		mustAddID(t, s, "E2", NewTask{ParentID: "E"})
		mustDep(t, s, "E2", "E1")
		mustDep(t, s, "E1", "E")
		if n, err := s.DeleteTask(ctx, "E", DeleteOptions{Cascade: true}); err != nil || n != 3 {
			t.Errorf("DeleteTask(E, cascade) = %d, %v; want 3, nil", n, err)
		}

		n, err := s.DeleteTask(ctx, "BASE", DeleteOptions{Force: true})
		if err != nil || n != 1 {
			t.Fatalf("DeleteTask(BASE, force) = %d, %v; want 1, nil", n, err)
		}
		deps, err = s.GetTaskDependencies(ctx, "D0")
		if err != nil || len(deps) != 0 {
			t.Errorf("D0's dependencies after a forced delete = %v, %v; want none", ids(deps), err)
		}
	})
}

func TestContextSlices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "A", NewTask{})
		first, err := s.AddContextSlice(ctx, NewContextSlice{TaskID: "A", Title: "Decision", Description: "use flock"})
		if err != nil {
			t.Fatal(err)
		}
		if first.ContextType != DefaultContextType || first.ID == "" || first.TaskID != "A" || first.CreatedAt.IsZero() {
			t.Errorf("AddContextSlice = %+v", first)
		}
		second, err := s.AddContextSlice(ctx, NewContextSlice{TaskID: "A", Title: "Bug", ContextType: "analysis"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ListContextSlices(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]ContextSlice{first, second}, got); diff != "" {
			t.Errorf("ListContextSlices (-want +got):\n%s", diff)
		}
		for field, c := range map[string]NewContextSlice{
			"taskId":      {TaskID: "", Title: "t"},
			"title":       {TaskID: "A"},
			"description": {TaskID: "A", Title: "t", Description: strings.Repeat("x", MaxContextDescriptionLen+1)},
			"contextType": {TaskID: "A", Title: "t", ContextType: strings.Repeat("x", MaxContextTypeLen+1)},
		} {
			_, err := s.AddContextSlice(ctx, c)
			wantInvalid(t, err, field)
		}
		_, err = s.AddContextSlice(ctx, NewContextSlice{TaskID: "NOPE", Title: "t"})
		wantIs(t, err, ErrNotFound)
		_, err = s.ListContextSlices(ctx, "NOPE")
		wantIs(t, err, ErrNotFound)
		if got, _ := s.ListContextSlices(ctx, "A"); len(got) != 2 {
			t.Errorf("%d slices after rejected adds, want 2", len(got))
		}
	})
}
