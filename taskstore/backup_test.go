package taskstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fillSample writes a small database with every kind of record.
func fillSample(t *testing.T, s Store) {
	t.Helper()
	ctx := context.Background()
	mustAddID(t, s, "A", NewTask{Title: "Alpha", Description: "first", PRD: "prd", ContextDigest: "dg", PriorityScore: ptr(0)})
	mustAddID(t, s, "A-B", NewTask{ParentID: "A", Status: StatusDone})
	mustAddID(t, s, "C", NewTask{Status: StatusArchived})
	mustDep(t, s, "A", "A-B")
	mustDep(t, s, "C", "A")
	if _, err := s.AddContextSlice(ctx, NewContextSlice{TaskID: "A-B", Title: "why", Description: "because", ContextType: "decision"}); err != nil {
		t.Fatal(err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		src := open(t)
		fillSample(t, src)
		doc, err := src.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Version != ExportVersion || len(doc.Tasks) != 3 || len(doc.ContextSlices) != 1 || len(doc.Dependencies) != 2 {
			t.Fatalf("Export = %+v", doc)
		}
		// Through JSON, as a file would carry it.
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var back Document
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		dst := open(t)
		res, err := dst.Import(ctx, back, ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := (ImportResult{Tasks: 3, ContextSlices: 1, Dependencies: 2}); res != want {
			t.Errorf("Import = %+v, want %+v", res, want)
		}
		again, err := dst.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(doc, again); diff != "" {
			t.Errorf("round trip changed the data (-exported +reimported):\n%s", diff)
		}
	})
}

// TestExportIsDeterministic: the same data exports byte-identical JSON,
// whenever it is exported and whatever order it was written in, so an
// export can live in version control; and a document from an older
// version, with its export time, still imports.
func TestExportIsDeterministic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		export := func(s Store) []byte {
			t.Helper()
			doc, err := s.Export(ctx)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		src := open(t)
		// Written out of order: IDs, slices and dependencies all come in
		// an order the export must not keep.
		mustAddID(t, src, "ZED", NewTask{Title: "last by ID"})
		mustAddID(t, src, "MID", NewTask{Title: "middle"})
		mustAddID(t, src, "ZED-B", NewTask{ParentID: "ZED"})
		mustAddID(t, src, "ALF", NewTask{Title: "first by ID"})
		mustAddID(t, src, "ZED-A", NewTask{ParentID: "ZED"})
		mustDep(t, src, "ZED", "MID")
		mustDep(t, src, "ALF", "ZED")
		mustDep(t, src, "ALF", "MID")
		for _, id := range []string{"ZED", "ALF", "ZED"} {
			if _, err := src.AddContextSlice(ctx, NewContextSlice{TaskID: id, Title: "note on " + id}); err != nil {
				t.Fatal(err)
			}
		}
		first := export(src)
		if again := export(src); string(again) != string(first) {
			t.Fatalf("two exports of one database differ:\n%s\n%s", first, again)
		}
		if strings.Contains(string(first), "exportedAt") {
			t.Errorf("the export carries its time:\n%s", first)
		}
		var doc Document
		if err := json.Unmarshal(first, &doc); err != nil {
			t.Fatal(err)
		}
		if got, want := ids(doc.Tasks), []string{"ALF", "MID", "ZED", "ZED-A", "ZED-B"}; !cmp.Equal(got, want) {
			t.Errorf("exported tasks %v, want %v", got, want)
		}
		var deps, slices []string
		for _, d := range doc.Dependencies {
			deps = append(deps, d.DependentTaskID+">"+d.DependencyTaskID)
		}
		for _, sl := range doc.ContextSlices {
			slices = append(slices, sl.TaskID)
		}
		if want := []string{"ALF>MID", "ALF>ZED", "ZED>MID"}; !cmp.Equal(deps, want) {
			t.Errorf("exported dependencies %v, want %v", deps, want)
		}
		if want := []string{"ALF", "ZED", "ZED"}; !cmp.Equal(slices, want) {
			t.Errorf("exported slices belong to %v, want %v", slices, want)
		}
		// Another database holding the same data, written in the
		// document's order, exports the same bytes.
		dst := open(t)
		if _, err := dst.Import(ctx, doc, ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := export(dst); string(got) != string(first) {
			t.Errorf("a copy of the database exports differently:\n%s\nwant\n%s", got, first)
		}
		// An older document, with its export time, imports.
		old := `{"version": 1, "exportedAt": "2026-01-01T00:00:00Z", "tasks": [{"id": "OLD", "title": "old", "status": "pending",
			"priorityScore": 50, "createdAt": "2026-01-01T10:00:00Z", "updatedAt": "2026-01-01T10:00:00Z"}], "contextSlices": [], "dependencies": []}`
		var olddoc Document
		if err := json.Unmarshal([]byte(old), &olddoc); err != nil {
			t.Fatal(err)
		}
		if res, err := open(t).Import(ctx, olddoc, ImportOptions{}); err != nil || res.Tasks != 1 {
			t.Errorf("Import(older document) = %+v, %v", res, err)
		}
		// An empty database exports empty lists, not null.
		if got, want := string(export(open(t))), "{\n  \"version\": 1,\n  \"tasks\": [],\n  \"contextSlices\": [],\n  \"dependencies\": []\n}"; got != want {
			t.Errorf("empty export = %s, want %s", got, want)
		}
	})
}

func TestImportRefusesConflicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		fillSample(t, s)
		doc, err := s.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustAddID(t, s, "EXTRA", NewTask{})
		before, _ := s.Export(ctx)

		// A document that adds one new task but collides elsewhere
		// writes nothing at all.
		clash := doc
		clash.Tasks = append(append([]Task(nil), doc.Tasks...), Task{ID: "NEW", Title: "new", Status: StatusPending, PriorityScore: 50})
		_, err = s.Import(ctx, clash, ImportOptions{})
		wantIs(t, err, ErrConflict)
		after, _ := s.Export(ctx)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Fatalf("a refused import changed the database:\n%s", diff)
		}

		// With Replace the document wins, and the rest stays.
		clash.Tasks[0].Title = "Alpha v2"
		res, err := s.Import(ctx, clash, ImportOptions{Replace: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Tasks != 4 {
			t.Errorf("Import(replace) = %+v", res)
		}
		if a, _ := s.GetTask(ctx, "A"); a.Title != "Alpha v2" {
			t.Errorf("A.Title = %q after replace", a.Title)
		}
		if got := len(allTasks(t, s)); got != 5 {
			t.Errorf("%d tasks after replace, want 5", got)
		}
	})
}

func TestImportValidation(t *testing.T) {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	task := func(id, parent string) Task {
		return Task{ID: id, ParentID: parent, Title: "t " + id, Status: StatusPending, PriorityScore: 50, CreatedAt: ts, UpdatedAt: ts}
	}
	cases := []struct {
		name  string
		doc   Document
		is    error
		field string
	}{
		{"version", Document{Version: 2}, ErrInvalid, "version"},
		{"bad id", Document{Version: 1, Tasks: []Task{task("a b", "")}}, ErrInvalid, "tasks[0].id"},
		{"empty title", Document{Version: 1, Tasks: []Task{{ID: "X", Status: StatusPending}}}, ErrInvalid, "tasks[0].title"},
		{"bad status", Document{Version: 1, Tasks: []Task{{ID: "X", Title: "x", Status: "nope"}}}, ErrInvalid, "tasks[0].status"},
		{"bad priority", Document{Version: 1, Tasks: []Task{{ID: "X", Title: "x", PriorityScore: 500}}}, ErrInvalid, "tasks[0].priority"},
		{"duplicate id", Document{Version: 1, Tasks: []Task{task("X", ""), task("X", "")}}, ErrInvalid, "tasks[1].id"},
		{"missing parent", Document{Version: 1, Tasks: []Task{task("X", "GONE")}}, ErrNotFound, ""},
		{"parent loop", Document{Version: 1, Tasks: []Task{task("X", "Y"), task("Y", "X")}}, ErrInvalid, "parentId"},
		{"slice without task", Document{Version: 1, Tasks: []Task{task("X", "")},
			ContextSlices: []ContextSlice{{ID: "S1", TaskID: "GONE", Title: "s"}}}, ErrNotFound, ""},
		{"slice without title", Document{Version: 1, Tasks: []Task{task("X", "")},
			ContextSlices: []ContextSlice{{ID: "S1", TaskID: "X"}}}, ErrInvalid, "contextSlices[0].title"},
		{"self dependency", Document{Version: 1, Tasks: []Task{task("X", "")},
			Dependencies: []Dependency{{DependentTaskID: "X", DependencyTaskID: "X"}}}, ErrInvalid, "dependencies[0].dependency"},
		{"dependency on missing task", Document{Version: 1, Tasks: []Task{task("X", "")},
			Dependencies: []Dependency{{DependentTaskID: "X", DependencyTaskID: "GONE"}}}, ErrNotFound, ""},
		{"dependency cycle", Document{Version: 1, Tasks: []Task{task("X", ""), task("Y", "X")},
			Dependencies: []Dependency{{DependentTaskID: "X", DependencyTaskID: "Y"}, {DependentTaskID: "Y", DependencyTaskID: "X"}}}, ErrCycle, ""},
	}
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		s := open(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.Import(context.Background(), c.doc, ImportOptions{Replace: true})
				wantIs(t, err, c.is)
				if c.field != "" {
					wantInvalid(t, err, c.field)
				}
				if n := len(allTasks(t, s)); n != 0 {
					t.Fatalf("a refused import left %d tasks", n)
				}
			})
		}
		// A cycle between the document and the database is caught too.
		mustAddID(t, s, "P", NewTask{})
		mustAddID(t, s, "Q", NewTask{})
		mustDep(t, s, "P", "Q")
		_, err := s.Import(context.Background(), Document{Version: 1, Dependencies: []Dependency{{DependentTaskID: "Q", DependencyTaskID: "P"}}}, ImportOptions{})
		var ce *CycleError
		if !errors.As(err, &ce) || !cmp.Equal(ce.Path, []string{"P", "Q", "P"}) {
			t.Errorf("Import(closing a cycle) = %v, want cycle P -> Q -> P", err)
		}
		// The project root in a document is skipped; parents may come
		// after their children.
		res, err := s.Import(context.Background(), Document{Version: 1, Tasks: []Task{
			{ID: ProjectRootID, Title: "root"}, task("KID", "MOM"), task("MOM", ProjectRootID),
		}}, ImportOptions{})
		if err != nil || res.Tasks != 2 {
			t.Errorf("Import(root entry, child first) = %+v, %v", res, err)
		}
	})
}

// A task decoded from a document without "priorityScore" gets
// DefaultPriority; an explicit 0 (or any other score) stays as written, and
// the rest of the document decodes as before.
func TestDocumentDecodeDefaultPriority(t *testing.T) {
	raw := `{"version": 1, "tasks": [
		{"id": "NONE", "title": "no score", "status": "pending"},
		{"id": "NULL", "title": "null score", "priorityScore": null},
		{"id": "ZERO", "title": "zero", "priorityScore": 0, "createdAt": "2026-01-01T10:00:00Z"},
		{"id": "HIGH", "title": "high", "priorityScore": 90, "assignee": "agent-1"}],
		"contextSlices": [{"id": "S1", "taskId": "ZERO", "title": "why"}],
		"dependencies": [{"dependentTaskId": "ZERO", "dependencyTaskId": "HIGH"}]}`
	var doc Document
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, task := range doc.Tasks {
		got[task.ID] = task.PriorityScore
	}
	if want := map[string]int{"NONE": DefaultPriority, "NULL": DefaultPriority, "ZERO": 0, "HIGH": 90}; !cmp.Equal(got, want) {
		t.Errorf("decoded priorities = %v, want %v", got, want)
	}
	if doc.Version != 1 || len(doc.ContextSlices) != 1 || len(doc.Dependencies) != 1 ||
		doc.Tasks[0].Title != "no score" || doc.Tasks[3].Assignee != "agent-1" ||
		!doc.Tasks[2].CreatedAt.Equal(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("decoded document = %+v", doc)
	}
	// A malformed score is still an error, and a document that is not an
	// object too.
	for _, bad := range []string{`{"version": 1, "tasks": [{"id": "X", "priorityScore": "high"}]}`, `[1]`, `{"tasks": 3}`} {
		if err := json.Unmarshal([]byte(bad), &doc); err == nil {
			t.Errorf("json.Unmarshal(%s) = nil, want an error", bad)
		}
	}

	// Imported, the defaults are what the database holds.
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := keepOpen(t)(OpenLocal(ctx, sqliteDB.new(t)))
	if _, err := s.Import(ctx, doc, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"NONE": DefaultPriority, "ZERO": 0} {
		if task, err := s.GetTask(ctx, id); err != nil || task.PriorityScore != want {
			t.Errorf("GetTask(%s) = priority %d, %v; want %d", id, task.PriorityScore, err, want)
		}
	}
}
