package taskstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func nextID(t *testing.T, s Store, parent string) string {
	t.Helper()
	n, err := s.NextTask(context.Background(), parent)
	if err != nil {
		t.Fatalf("NextTask(%q) = %v", parent, err)
	}
	if n == nil {
		return ""
	}
	return n.ID
}

func TestNextTask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		if got := nextID(t, s, ""); got != "" {
			t.Fatalf("NextTask on an empty database = %q, want none", got)
		}
		mustAddID(t, s, "EPIC", NewTask{PriorityScore: ptr(10)})
		mustAddID(t, s, "LOW", NewTask{ParentID: "EPIC", PriorityScore: ptr(20)})
		mustAddID(t, s, "DEEP", NewTask{ParentID: "LOW", PriorityScore: ptr(60)})
		mustAddID(t, s, "TIE", NewTask{ParentID: "LOW", PriorityScore: ptr(60)})
		mustAddID(t, s, "TOP", NewTask{PriorityScore: ptr(40)})
		// The deepest high-priority task wins; ties go to the older task.
		if got := nextID(t, s, ""); got != "DEEP" {
			t.Errorf("NextTask = %q, want DEEP (deep search, creation order)", got)
		}
		// A blocked task is skipped until its dependency is done.
		mustAddID(t, s, "DEP", NewTask{PriorityScore: ptr(0)})
		mustDep(t, s, "DEEP", "DEP")
		if got := nextID(t, s, ""); got != "TIE" {
			t.Errorf("NextTask with DEEP blocked = %q, want TIE", got)
		}
		if _, err := s.UpdateTaskStatus(ctx, "DEP", StatusDone, StatusOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := nextID(t, s, ""); got != "DEEP" {
			t.Errorf("NextTask with DEEP unblocked = %q, want DEEP", got)
		}
		// In-progress and explicit blocked tasks are not offered.
		for _, id := range []string{"DEEP", "TIE"} {
			if _, err := s.UpdateTask(ctx, id, TaskPatch{Status: ptr(StatusInProgress)}); err != nil {
				t.Fatal(err)
			}
		}
		if got := nextID(t, s, ""); got != "TOP" {
			t.Errorf("NextTask = %q, want TOP", got)
		}
		// Below a parent only.
		mustAddID(t, s, "LOW2", NewTask{ParentID: "LOW", PriorityScore: ptr(1)})
		if got := nextID(t, s, "LOW"); got != "LOW2" {
			t.Errorf("NextTask(LOW) = %q, want LOW2", got)
		}
		if got := nextID(t, s, "EPIC"); got != "LOW" {
			t.Errorf("NextTask(EPIC) = %q, want LOW", got)
		}
		// A done, cancelled or archived ancestor hides its whole subtree.
		for _, st := range []Status{StatusDone, StatusCancelled, StatusArchived} {
			if _, err := s.UpdateTask(ctx, "EPIC", TaskPatch{Status: ptr(st)}); err != nil {
				t.Fatal(err)
			}
			if got := nextID(t, s, ""); got != "TOP" {
				t.Errorf("EPIC %s: NextTask = %q, want TOP", st, got)
			}
			if got := nextID(t, s, "LOW"); got != "" {
				t.Errorf("EPIC %s: NextTask(LOW) = %q, want none", st, got)
			}
		}
		_, err := s.NextTask(ctx, "NOPE")
		wantIs(t, err, ErrNotFound)
		_, err = s.NextTask(ctx, "no pe")
		wantInvalid(t, err, "id")
		if _, err := s.UpdateTask(ctx, "TOP", TaskPatch{Status: ptr(StatusDone)}); err != nil {
			t.Fatal(err)
		}
		if got := nextID(t, s, ""); got != "" {
			t.Errorf("NextTask with nothing pending and available = %q, want none", got)
		}
	})
}

func TestClaimTask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		a := mustAddID(t, s, "A", NewTask{})
		mustAddID(t, s, "B", NewTask{})
		mustAddID(t, s, "C", NewTask{})
		mustDep(t, s, "B", "A")
		mustDep(t, s, "B", "C")

		got, err := s.ClaimTask(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusInProgress || got.ID != "A" || got.Title != a.Title {
			t.Errorf("ClaimTask(A) = %+v", got)
		}
		_, err = s.ClaimTask(ctx, "A")
		wantIs(t, err, ErrConflict)
		if want := "task A is claimed until "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error = %q, want it to start %q", err, want)
		}
		_, err = s.ClaimTask(ctx, "B")
		var be *BlockedError
		if !errors.As(err, &be) || !errors.Is(err, ErrBlocked) {
			t.Fatalf("ClaimTask(B) = %v, want a *BlockedError", err)
		}
		if !cmp.Equal(be.BlockedBy, []string{"A", "C"}) {
			t.Errorf("BlockedBy = %v, want [A C]", be.BlockedBy)
		}
		if want := "task B is blocked by unfinished dependencies: A, C"; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		for _, id := range []string{"A", "C"} {
			if _, err := s.UpdateTaskStatus(ctx, id, StatusDone, StatusOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.ClaimTask(ctx, "B"); err != nil || got.Status != StatusInProgress {
			t.Errorf("ClaimTask(B) after its dependencies are done = %+v, %v", got, err)
		}
		_, err = s.ClaimTask(ctx, "C")
		wantIs(t, err, ErrConflict)
		_, err = s.ClaimTask(ctx, "NOPE")
		wantIs(t, err, ErrNotFound)
		_, err = s.ClaimTask(ctx, ProjectRootID)
		wantInvalid(t, err, "id")
		// Below a cancelled ancestor nothing can be claimed.
		mustAddID(t, s, "P", NewTask{Status: StatusCancelled})
		mustAddID(t, s, "P1", NewTask{ParentID: "P"})
		_, err = s.ClaimTask(ctx, "P1")
		wantIs(t, err, ErrConflict)
		if got, _ := s.GetTask(ctx, "P1"); got.Status != StatusPending {
			t.Errorf("refused claim changed P1 to %s", got.Status)
		}
	})
}

func TestUpdateTaskStatusCascade(t *testing.T) {
	// Tree: R with children of every status, and a grandchild under the
	// cancelled child.
	children := map[string]Status{
		"RP": StatusPending, "RI": StatusInProgress, "RB": StatusBlocked,
		"RD": StatusDone, "RC": StatusCancelled, "RA": StatusArchived,
	}
	order := []string{"RP", "RI", "RB", "RD", "RC", "RA"}
	cases := []struct {
		status  Status
		changed []string          // in creation order, after R
		final   map[string]Status // statuses that differ from the start
	}{
		{StatusDone, []string{"RP", "RI", "RB"}, map[string]Status{"RP": StatusDone, "RI": StatusDone, "RB": StatusDone}},
		{StatusPending, []string{"RI", "RB", "RD"}, map[string]Status{"RI": StatusPending, "RB": StatusPending, "RD": StatusPending}},
		{StatusCancelled, []string{"RP", "RI", "RB", "RCX"}, map[string]Status{"RP": StatusCancelled, "RI": StatusCancelled, "RB": StatusCancelled, "RCX": StatusCancelled}},
		{StatusArchived, []string{"RP", "RI", "RB", "RD", "RC", "RCX"}, map[string]Status{"RP": StatusArchived, "RI": StatusArchived, "RB": StatusArchived, "RD": StatusArchived, "RC": StatusArchived, "RCX": StatusArchived}},
	}
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		for _, tc := range cases {
			t.Run(string(tc.status), func(t *testing.T) {
				ctx := context.Background()
				s := open(t)
				mustAddID(t, s, "R", NewTask{})
				for _, id := range order {
					mustAddID(t, s, id, NewTask{ParentID: "R", Status: children[id]})
				}
				mustAddID(t, s, "RCX", NewTask{ParentID: "RC", Status: StatusPending})

				// Without cascade only the task changes.
				got, err := s.UpdateTaskStatus(ctx, "R", tc.status, StatusOptions{})
				if err != nil || !cmp.Equal(ids(got), []string{"R"}) || got[0].Status != tc.status {
					t.Fatalf("UpdateTaskStatus(no cascade) = %v, %v", got, err)
				}
				if rp, _ := s.GetTask(ctx, "RP"); rp.Status != StatusPending {
					t.Fatalf("no cascade, yet RP became %s", rp.Status)
				}
				got, err = s.UpdateTaskStatus(ctx, "R", tc.status, StatusOptions{Cascade: true})
				if err != nil {
					t.Fatal(err)
				}
				if want := append([]string{"R"}, tc.changed...); !cmp.Equal(ids(got), want) {
					t.Errorf("changed = %v, want %v", ids(got), want)
				}
				for _, ch := range got {
					if ch.Status != tc.status {
						t.Errorf("returned %s with status %s, want %s", ch.ID, ch.Status, tc.status)
					}
				}
				for _, id := range append(order, "RCX") {
					want, ok := tc.final[id]
					if !ok {
						want = children[id]
						if id == "RCX" {
							want = StatusPending
						}
					}
					if cur, _ := s.GetTask(ctx, id); cur.Status != want {
						t.Errorf("%s is %s, want %s", id, cur.Status, want)
					}
				}
			})
		}
		s := open(t)
		_, err := s.UpdateTaskStatus(context.Background(), "NOPE", StatusDone, StatusOptions{})
		wantIs(t, err, ErrNotFound)
		_, err = s.UpdateTaskStatus(context.Background(), ProjectRootID, StatusDone, StatusOptions{})
		wantInvalid(t, err, "id")
		_, err = s.UpdateTaskStatus(context.Background(), "A", "closed", StatusOptions{})
		wantInvalid(t, err, "status")
	})
}

func TestTaskTree(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "A", NewTask{Status: StatusDone})
		mustAddID(t, s, "A1", NewTask{ParentID: "A"})
		mustAddID(t, s, "A11", NewTask{ParentID: "A1", Status: StatusCancelled})
		mustAddID(t, s, "B", NewTask{})
		mustAddID(t, s, "B1", NewTask{ParentID: "B"})
		mustAddID(t, s, "B2", NewTask{ParentID: "B"})
		mustDep(t, s, "B1", "B2")
		mustDep(t, s, "B1", "A1")

		type flat struct {
			ID, Effective string
			Depth         int
			BlockedBy     []string
		}
		flatten := func(n *TreeNode) []flat {
			var out []flat
			var walk func(n *TreeNode, d int)
			walk = func(n *TreeNode, d int) {
				out = append(out, flat{n.Task.ID, string(n.EffectiveStatus), d, n.BlockedBy})
				if n.Blocked != (len(n.BlockedBy) > 0) {
					t.Errorf("%s: Blocked = %v with BlockedBy %v", n.Task.ID, n.Blocked, n.BlockedBy)
				}
				for _, c := range n.Children {
					walk(c, d+1)
				}
			}
			walk(n, 0)
			return out
		}
		tree, err := s.TaskTree(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []flat{
			{ProjectRootID, "pending", 0, nil},
			{"A", "done", 1, nil},
			{"A1", "done", 2, nil},
			{"A11", "done", 3, nil},
			{"B", "pending", 1, nil},
			{"B1", "pending", 2, []string{"A1", "B2"}},
			{"B2", "pending", 2, nil},
		}
		if diff := cmp.Diff(want, flatten(tree)); diff != "" {
			t.Errorf("TaskTree (-want +got):\n%s", diff)
		}
		sub, err := s.TaskTree(ctx, "A1", 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]flat{{"A1", "done", 0, nil}, {"A11", "done", 1, nil}}, flatten(sub)); diff != "" {
			t.Errorf("TaskTree(A1) inherits A's done (-want +got):\n%s", diff)
		}
		shallow, err := s.TaskTree(ctx, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(flatten(shallow)); got != 3 {
			t.Errorf("TaskTree(maxDepth 1) has %d nodes, want 3", got)
		}
		_, err = s.TaskTree(ctx, "NOPE", 0)
		wantIs(t, err, ErrNotFound)
		_, err = s.TaskTree(ctx, "", -1)
		wantInvalid(t, err, "maxDepth")
	})
}
