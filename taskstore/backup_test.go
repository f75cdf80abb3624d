package taskstore

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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
		if diff := cmp.Diff(doc, again, cmpopts.IgnoreFields(Document{}, "ExportedAt")); diff != "" {
			t.Errorf("round trip changed the data (-exported +reimported):\n%s", diff)
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
		if diff := cmp.Diff(before, after, cmpopts.IgnoreFields(Document{}, "ExportedAt")); diff != "" {
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
