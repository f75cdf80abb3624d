package taskstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chain imports n tasks, each under the one before, below parent ("" for
// top level), and returns their IDs from the top down: prefix1, prefix2...
// (generated subtask IDs grow with the depth, so a deep chain needs IDs of
// its own).
func chain(t *testing.T, s Store, prefix, parent string, n int) []string {
	t.Helper()
	doc := Document{Version: 1}
	var ids []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s%d", prefix, i)
		doc.Tasks = append(doc.Tasks, Task{ID: id, ParentID: parent, Title: "level " + strconv.Itoa(i)})
		ids, parent = append(ids, id), id
	}
	if _, err := s.Import(context.Background(), doc, ImportOptions{}); err != nil {
		t.Fatalf("Import(chain of %d) = %v", n, err)
	}
	return ids
}

// wantTooDeep checks that err is the depth limit's one-line ErrInvalid for
// field, naming the limit and the depth reached.
func wantTooDeep(t *testing.T, err error, field string, depth int) {
	t.Helper()
	wantInvalid(t, err, field)
	for _, want := range []string{fmt.Sprintf("%d levels below the project root", depth), fmt.Sprintf("the limit is %d", MaxDepth)} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %q, want it to say %q", err, want)
		}
	}
}

func TestMaxDepthOnAdd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		levels := chain(t, s, "L", "", MaxDepth) // the deepest is MaxDepth levels down
		deepest := levels[MaxDepth-1]
		before := len(allTasks(t, s))

		_, err := s.AddTask(ctx, NewTask{Title: "one too deep", ParentID: deepest})
		wantTooDeep(t, err, "parentId", MaxDepth+1)
		_, err = s.AddTaskWithID(ctx, "DEEP", NewTask{Title: "one too deep", ParentID: deepest})
		wantTooDeep(t, err, "parentId", MaxDepth+1)
		_, err = s.AddTasks(ctx, []BatchTask{{NewTask: NewTask{Title: "fine"}}, {NewTask: NewTask{Title: "too deep", ParentID: deepest}}})
		wantTooDeep(t, err, "batch[1].parentId", MaxDepth+1)
		// A chain inside the batch, from level MaxDepth-1 down.
		batch := []BatchTask{
			{NewTask: NewTask{Title: "level 99", ParentID: levels[MaxDepth-3]}},
			{NewTask: NewTask{Title: "level 100"}, ParentIndex: ptr(0)},
			{NewTask: NewTask{Title: "level 101"}, ParentIndex: ptr(1)},
		}
		_, err = s.AddTasks(ctx, batch)
		wantTooDeep(t, err, "batch[2].parentId", MaxDepth+1)
		if n := len(allTasks(t, s)); n != before {
			t.Fatalf("refused adds left %d tasks, want %d", n, before)
		}
		// The limit itself is reachable.
		if _, err := s.AddTasks(ctx, batch[:2]); err != nil {
			t.Fatalf("AddTasks down to depth %d = %v", MaxDepth, err)
		}
		if _, err := s.AddTask(ctx, NewTask{Title: "at the limit", ParentID: levels[MaxDepth-2]}); err != nil {
			t.Fatalf("AddTask at depth %d = %v", MaxDepth, err)
		}
	})
}

func TestMaxDepthOnMove(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		levels := chain(t, s, "L", "", MaxDepth-1)
		top := chain(t, s, "T", "", 3) // a task with two levels below it
		// Under level MaxDepth-2 the deepest subtask lands at MaxDepth+1.
		_, err := s.UpdateTask(ctx, top[0], TaskPatch{ParentID: ptr(levels[MaxDepth-3])})
		wantTooDeep(t, err, "parentId", MaxDepth+1)
		if got, _ := s.GetTask(ctx, top[0]); got.ParentID != ProjectRootID {
			t.Fatalf("a refused move left %s under %s", top[0], got.ParentID)
		}
		// A leaf alone under the deepest task lands at MaxDepth: allowed;
		// a task moved under it is refused.
		if _, err := s.UpdateTask(ctx, top[2], TaskPatch{ParentID: ptr(levels[MaxDepth-2])}); err != nil {
			t.Fatalf("move to depth %d = %v", MaxDepth, err)
		}
		_, err = s.UpdateTask(ctx, top[1], TaskPatch{ParentID: ptr(top[2])})
		wantTooDeep(t, err, "parentId", MaxDepth+1)
		// One level higher the three-level subtree fits exactly.
		if _, err := s.UpdateTask(ctx, top[0], TaskPatch{ParentID: ptr(levels[MaxDepth-4])}); err != nil {
			t.Fatalf("move to a depth where the subtree fits = %v", err)
		}
	})
}

func TestMaxDepthOnImport(t *testing.T) {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	task := func(id, parent string) Task {
		return Task{ID: id, ParentID: parent, Title: "t " + id, Status: StatusPending, PriorityScore: 50, CreatedAt: ts, UpdatedAt: ts}
	}
	docChain := func(prefix, parent string, n int) []Task {
		var out []Task
		for i := 1; i <= n; i++ {
			out = append(out, task(fmt.Sprintf("%s%d", prefix, i), parent))
			parent = out[len(out)-1].ID
		}
		return out
	}
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		// A document chain one level too deep is refused whole.
		_, err := s.Import(ctx, Document{Version: 1, Tasks: docChain("D", "", MaxDepth+1)}, ImportOptions{})
		wantTooDeep(t, err, "parentId", MaxDepth+1)
		if n := len(allTasks(t, s)); n != 0 {
			t.Fatalf("a refused import left %d tasks", n)
		}
		// Exactly MaxDepth levels import fine.
		if _, err := s.Import(ctx, Document{Version: 1, Tasks: docChain("D", "", MaxDepth)}, ImportOptions{}); err != nil {
			t.Fatalf("Import(chain of %d) = %v", MaxDepth, err)
		}
		// A task under the database's deepest task is one too deep.
		_, err = s.Import(ctx, Document{Version: 1, Tasks: []Task{task("X", fmt.Sprintf("D%d", MaxDepth))}}, ImportOptions{})
		wantTooDeep(t, err, "parentId", MaxDepth+1)
		// With replace, moving an existing task takes its subtree along.
		mustAddID(t, s, "TOP", NewTask{})
		mustAddID(t, s, "KID", NewTask{ParentID: "TOP"})
		_, err = s.Import(ctx, Document{Version: 1, Tasks: []Task{task("TOP", fmt.Sprintf("D%d", MaxDepth-1))}}, ImportOptions{Replace: true})
		wantTooDeep(t, err, "parentId", MaxDepth+1)
		if got, _ := s.GetTask(ctx, "TOP"); got.ParentID != ProjectRootID {
			t.Fatalf("a refused import moved TOP under %s", got.ParentID)
		}
	})
}

// TestMaxDepthLegacy opens a database that holds a chain deeper than
// MaxDepth, written before the limit existed (here straight through SQL):
// the tree stops at MaxDepth levels, a move that takes nothing deeper is
// allowed, and one that does is refused.
func TestMaxDepthLegacy(t *testing.T) {
	ctx := context.Background()
	path := sqliteDB.new(t)
	s := keepOpen(t)(OpenLocal(ctx, path))
	levels := chain(t, s, "L", "", MaxDepth)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	parent := levels[MaxDepth-1]
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("LEGACY%d", i)
		if _, err := db.Exec(`INSERT INTO tasks (id, parent_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			id, parent, id, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"); err != nil {
			t.Fatal(err)
		}
		parent = id
	}
	tree, err := s.TaskTree(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := treeHeight(tree); got != MaxDepth {
		t.Errorf("TaskTree(all) spans %d levels, want %d", got, MaxDepth)
	}
	if tree, err = s.TaskTree(ctx, "", MaxDepth+50); err != nil || treeHeight(tree) != MaxDepth {
		t.Errorf("TaskTree(depth %d) = %v, want %d levels", MaxDepth+50, err, MaxDepth)
	}
	// LEGACY2 (with 3 levels below it) moves up by one: still too deep,
	// but shallower than before.
	if _, err := s.UpdateTask(ctx, "LEGACY2", TaskPatch{ParentID: ptr(levels[MaxDepth-1])}); err != nil {
		t.Errorf("a move that takes nothing deeper = %v", err)
	}
	_, err = s.UpdateTask(ctx, "LEGACY2", TaskPatch{ParentID: ptr("LEGACY1")})
	wantTooDeep(t, err, "parentId", MaxDepth+5)
}

// treeHeight is how many levels below n its tree reaches.
func treeHeight(n *TreeNode) int {
	h := 0
	for _, c := range n.Children {
		h = max(h, 1+treeHeight(c))
	}
	return h
}

// TestLongPathsAreShortened: a dependency cycle or a parent loop through
// a thousand tasks (ten thousand take half a minute to import under -race)
// reads as a short line.
func TestLongPathsAreShortened(t *testing.T) {
	const n = 1_000
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		s := open(t)
		ctx := context.Background()
		doc := Document{Version: 1}
		for i := range n {
			id := fmt.Sprintf("T%05d", i)
			doc.Tasks = append(doc.Tasks, Task{ID: id, Title: id})
			doc.Dependencies = append(doc.Dependencies, Dependency{DependentTaskID: id, DependencyTaskID: fmt.Sprintf("T%05d", (i+1)%n)})
		}
		_, err := s.Import(ctx, doc, ImportOptions{})
		wantIs(t, err, ErrCycle)
		want := "dependency would create a cycle: T00000 -> T00001 -> ... (996 more) -> T00998 -> T00999 -> T00000"
		if err.Error() != want {
			t.Errorf("Import(a cycle through %d tasks) = %q, want %q", n, err, want)
		}
		var ce *CycleError
		if errors.As(err, &ce) && len(ce.Path) != n+1 {
			t.Errorf("CycleError.Path has %d steps, want the whole cycle, %d", len(ce.Path), n+1)
		}
		// A parent loop through as many tasks reads as short.
		doc.Dependencies = nil
		for i := range doc.Tasks {
			doc.Tasks[i].ParentID = fmt.Sprintf("T%05d", (i+1)%n)
		}
		_, err = s.Import(ctx, doc, ImportOptions{})
		wantInvalid(t, err, "parentId")
		if len(err.Error()) > 200 || !strings.Contains(err.Error(), "(996 more)") {
			t.Errorf("Import(a parent loop through %d tasks) = %q, want it shortened", n, err)
		}
	})
}

func TestCycleErrorOfTenThousand(t *testing.T) {
	var path []string
	for i := range 10_000 {
		path = append(path, fmt.Sprintf("T%05d", i))
	}
	err := &CycleError{Path: append(path, path[0])}
	want := "dependency would create a cycle: T00000 -> T00001 -> ... (9,996 more) -> T09998 -> T09999 -> T00000"
	if got := err.Error(); got != want {
		t.Errorf("CycleError(10,000 tasks).Error() = %q, want %q", got, want)
	}
}

func TestPathText(t *testing.T) {
	path := func(n int) []string {
		var p []string
		for i := range n {
			p = append(p, string(rune('A'+i)))
		}
		return p
	}
	for _, tt := range []struct {
		path []string
		want string
	}{
		{path(3), "A -> B -> C"},
		{path(maxPathSteps), "A -> B -> C -> D -> E -> F -> G -> H"},
		{path(maxPathSteps + 1), "A -> B -> ... (4 more) -> G -> H -> I"},
		{path(26), "A -> B -> ... (21 more) -> X -> Y -> Z"},
	} {
		if got := pathText(tt.path); got != tt.want {
			t.Errorf("pathText(%v) = %q, want %q", tt.path, got, tt.want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 9996: "9,996", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
