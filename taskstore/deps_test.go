package taskstore

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDependencies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		for _, id := range []string{"A", "B", "C"} {
			mustAddID(t, s, id, NewTask{})
		}
		d, err := s.AddTaskDependency(ctx, "A", "B")
		if err != nil {
			t.Fatal(err)
		}
		if d.DependentTaskID != "A" || d.DependencyTaskID != "B" || d.CreatedAt.IsZero() {
			t.Errorf("AddTaskDependency = %+v", d)
		}
		mustDep(t, s, "A", "C")
		mustDep(t, s, "C", "B")

		_, err = s.AddTaskDependency(ctx, "A", "B")
		wantIs(t, err, ErrConflict)
		_, err = s.AddTaskDependency(ctx, "A", "A")
		wantInvalid(t, err, "dependency")
		_, err = s.AddTaskDependency(ctx, "A", ProjectRootID)
		wantInvalid(t, err, "dependency")
		_, err = s.AddTaskDependency(ctx, "A", "x y")
		wantInvalid(t, err, "dependencyId")
		_, err = s.AddTaskDependency(ctx, "", "A")
		wantInvalid(t, err, "dependentId")
		_, err = s.AddTaskDependency(ctx, "A", "NOPE")
		wantIs(t, err, ErrNotFound)
		_, err = s.AddTaskDependency(ctx, "NOPE", "A")
		wantIs(t, err, ErrNotFound)

		deps, err := s.GetTaskDependencies(ctx, "A")
		if err != nil || !cmp.Equal(ids(deps), []string{"B", "C"}) {
			t.Errorf("GetTaskDependencies(A) = %v, %v; want [B C]", ids(deps), err)
		}
		dependents, err := s.GetTaskDependents(ctx, "B")
		if err != nil || !cmp.Equal(ids(dependents), []string{"A", "C"}) {
			t.Errorf("GetTaskDependents(B) = %v, %v; want [A C]", ids(dependents), err)
		}
		_, err = s.GetTaskDependencies(ctx, "NOPE")
		wantIs(t, err, ErrNotFound)
		_, err = s.GetTaskDependents(ctx, "NOPE")
		wantIs(t, err, ErrNotFound)

		if err := s.RemoveTaskDependency(ctx, "A", "B"); err != nil {
			t.Fatal(err)
		}
		err = s.RemoveTaskDependency(ctx, "A", "B")
		wantIs(t, err, ErrNotFound)
		if err.Error() != "dependency A -> B not found" {
			t.Errorf("error = %q", err)
		}
		err = s.RemoveTaskDependency(ctx, "A", "A")
		wantInvalid(t, err, "dependency")
		deps, _ = s.GetTaskDependencies(ctx, "A")
		if !cmp.Equal(ids(deps), []string{"C"}) {
			t.Errorf("after removal A depends on %v, want [C]", ids(deps))
		}
	})
}

func TestDependencyCycles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		for _, id := range []string{"A", "B", "C", "D", "E"} {
			mustAddID(t, s, id, NewTask{})
		}
		// A -> B -> C -> D, and a shortcut B -> D.
		mustDep(t, s, "A", "B")
		mustDep(t, s, "B", "C")
		mustDep(t, s, "C", "D")
		mustDep(t, s, "B", "D")
		mustDep(t, s, "E", "A")

		for _, tc := range []struct {
			dependent, dependency string
			path                  []string
		}{
			{"B", "A", []string{"B", "A", "B"}},
			{"D", "A", []string{"D", "A", "B", "D"}}, // the shortest way back
			{"C", "E", []string{"C", "E", "A", "B", "C"}},
		} {
			_, err := s.AddTaskDependency(ctx, tc.dependent, tc.dependency)
			var ce *CycleError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCycle) {
				t.Fatalf("AddTaskDependency(%s, %s) = %v, want a *CycleError", tc.dependent, tc.dependency, err)
			}
			if !cmp.Equal(ce.Path, tc.path) {
				t.Errorf("cycle path = %v, want %v", ce.Path, tc.path)
			}
		}
		_, err := s.AddTaskDependency(ctx, "C", "E")
		if want := "dependency would create a cycle: C -> E -> A -> B -> C"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %q", err, want)
		}
		deps, _ := s.GetTaskDependencies(ctx, "D")
		if len(deps) != 0 {
			t.Errorf("a refused cycle was stored: D depends on %v", ids(deps))
		}
		// Not a cycle: a diamond closes fine.
		mustDep(t, s, "A", "D")
	})
}

func TestFindCycle(t *testing.T) {
	if c := findCycle(map[string][]string{"a": {"b"}, "b": {"c"}}); c != nil {
		t.Errorf("findCycle(acyclic) = %v", c)
	}
	got := findCycle(map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}})
	if !cmp.Equal(got, []string{"a", "b", "c", "a"}) {
		t.Errorf("findCycle = %v, want [a b c a]", got)
	}
	if got := parentLoop(map[string]string{"x": "y", "y": "x", "z": ""}); !cmp.Equal(got, []string{"x", "y", "x"}) {
		t.Errorf("parentLoop = %v, want [x y x]", got)
	}
}
