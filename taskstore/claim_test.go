package taskstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func mustClaim(t *testing.T, s Store, r ClaimRequest) *Task {
	t.Helper()
	got, err := s.Claim(context.Background(), r)
	if err != nil {
		t.Fatalf("Claim(%+v) = %v", r, err)
	}
	return got
}

func wantClaimed(t *testing.T, err error, id, agent string) {
	t.Helper()
	var ce *ClaimedError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v, want a *ClaimedError matching ErrConflict", err)
	}
	if ce.ID != id || ce.Agent != agent {
		t.Errorf("ClaimedError{ID: %q, Agent: %q}, want %q, %q", ce.ID, ce.Agent, id, agent)
	}
}

func TestClaimedErrorMessage(t *testing.T) {
	until := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	tests := []struct {
		e    *ClaimedError
		want string
	}{
		{&ClaimedError{ID: "ABCD", Agent: "agent-7", Until: until}, "task ABCD is claimed by agent-7 until " + until.Format("15:04:05") + " UTC"},
		{&ClaimedError{ID: "ABCD", Until: until}, "task ABCD is claimed until " + until.Format("15:04:05") + " UTC"},
		{&ClaimedError{ID: "ABCD", Agent: "a", Until: until.Add(48 * time.Hour)}, "task ABCD is claimed by a until " + until.Add(48*time.Hour).Format("2006-01-02 15:04:05") + " UTC"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", *tt.e, got, tt.want)
		}
	}
}

func TestClaimNext(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(t *testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "LOWP", NewTask{Title: "low", PriorityScore: ptr(10)})
		mustAddID(t, s, "HIGH", NewTask{Title: "high", PriorityScore: ptr(90)})
		mustAddID(t, s, "PRNT", NewTask{Title: "parent", PriorityScore: ptr(20)})
		mustAddID(t, s, "PRNT-KIDA", NewTask{ParentID: "PRNT", Title: "kid", PriorityScore: ptr(30)})
		mustAddID(t, s, "BLKD", NewTask{Title: "blocked", PriorityScore: ptr(100)})
		mustDep(t, s, "BLKD", "LOWP")

		before := time.Now().UTC().Add(-time.Minute)
		got := mustClaim(t, s, ClaimRequest{Agent: "agent-1", Lease: 90 * time.Second})
		if got == nil || got.ID != "HIGH" || got.Status != StatusInProgress || got.Assignee != "agent-1" {
			t.Fatalf("Claim(next) = %+v, want HIGH in-progress for agent-1", got)
		}
		if got.ClaimedAt == nil || got.LeaseExpiresAt == nil || got.ClaimedAt.Before(before) ||
			got.LeaseExpiresAt.Sub(*got.ClaimedAt) != 90*time.Second {
			t.Errorf("claimedAt %v, leaseExpiresAt %v: want a 90s lease from now", got.ClaimedAt, got.LeaseExpiresAt)
		}
		if g, err := s.GetTask(ctx, "HIGH"); err != nil || g.Assignee != "agent-1" || g.LeaseExpiresAt == nil {
			t.Errorf("GetTask(HIGH) = %+v, %v; want the claim shown", g, err)
		}
		if got := mustClaim(t, s, ClaimRequest{Agent: "a", MinPriority: 31}); got != nil {
			t.Errorf("Claim(min 31) = %s, want nil (best left is 30)", got.ID)
		}
		if got := mustClaim(t, s, ClaimRequest{Agent: "a", ParentID: "PRNT"}); got == nil || got.ID != "PRNT-KIDA" {
			t.Errorf("Claim(parent PRNT) = %+v, want PRNT-KIDA", got)
		}
		for _, want := range []string{"PRNT", "LOWP"} {
			if got := mustClaim(t, s, ClaimRequest{Agent: "a"}); got == nil || got.ID != want {
				t.Errorf("Claim(next) = %+v, want %s", got, want)
			}
		}
		if got := mustClaim(t, s, ClaimRequest{Agent: "a"}); got != nil {
			t.Errorf("Claim(next) = %s, want nil: BLKD waits for LOWP, the rest are claimed", got.ID)
		}
		_, err := s.Claim(ctx, ClaimRequest{Agent: "a", ParentID: "NOPE"})
		wantIs(t, err, ErrNotFound)
		_, err = s.Claim(ctx, ClaimRequest{Agent: "a", Lease: time.Millisecond})
		wantInvalid(t, err, "lease")
	})
}

// TestClaimNextRace drains tasks with concurrent claimers: every task is
// claimed exactly once and nobody is handed a task another one holds.
func TestClaimNextRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(t *testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		const tasks, agents = 30, 6
		for i := range tasks {
			mustAdd(t, s, NewTask{Title: fmt.Sprint("task ", i), PriorityScore: ptr(i % 7)})
		}
		var mu sync.Mutex
		owner := map[string]string{}
		var wg sync.WaitGroup
		errs := make(chan error, agents)
		for a := range agents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprint("agent-", a)
				for {
					got, err := s.Claim(ctx, ClaimRequest{Agent: name})
					if err != nil {
						errs <- err
						return
					}
					if got == nil {
						return
					}
					mu.Lock()
					if prev, ok := owner[got.ID]; ok {
						errs <- fmt.Errorf("task %s claimed by %s and %s", got.ID, prev, name)
					}
					owner[got.ID] = name
					mu.Unlock()
					if got.Assignee != name {
						errs <- fmt.Errorf("task %s claimed by %s shows assignee %q", got.ID, name, got.Assignee)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(owner) != tasks {
			t.Errorf("%d tasks claimed, want %d", len(owner), tasks)
		}
		t.Logf("%d agents claimed %d tasks, each once", agents, len(owner))
	})
}

// waitLeaseEnd waits (waitFor) until the store's clock has passed the
// task's lease: r (by ID or next) then claims a task.
func waitLeaseEnd(t *testing.T, s Store, r ClaimRequest) *Task {
	t.Helper()
	var got *Task
	waitFor(t, "the lease to run out", func() bool {
		var err error
		got, err = s.Claim(context.Background(), r)
		var ce *ClaimedError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("Claim(%+v) = %v, want success or a *ClaimedError", r, err)
		}
		return err == nil && got != nil
	})
	return got
}

func TestLeaseRunsOut(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(t *testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "LEAS", NewTask{Title: "leased"})
		mustClaim(t, s, ClaimRequest{ID: "LEAS", Agent: "dead", Lease: time.Second})

		_, err := s.Claim(ctx, ClaimRequest{ID: "LEAS", Agent: "dead"})
		wantClaimed(t, err, "LEAS", "dead") // not even its holder claims it twice
		_, err = s.ClaimTask(ctx, "LEAS")
		wantClaimed(t, err, "LEAS", "dead")
		if got := mustClaim(t, s, ClaimRequest{Agent: "live"}); got != nil {
			t.Fatalf("Claim(next) = %s while the lease runs, want nil", got.ID)
		}
		// "dead" does nothing more; once its lease has passed, claim-next
		// offers the task again.
		got := waitLeaseEnd(t, s, ClaimRequest{Agent: "live"})
		if got == nil || got.ID != "LEAS" || got.Assignee != "live" {
			t.Fatalf("Claim(next) after the lease = %+v, want LEAS for live", got)
		}
		if next, err := s.NextTask(ctx, ""); err != nil || next != nil {
			t.Errorf("NextTask = %v, %v; want nil while live's lease runs", next, err)
		}
		_, err = s.RenewClaim(ctx, "LEAS", "dead", 0)
		wantClaimed(t, err, "LEAS", "live")
		_, err = s.UpdateTaskStatus(ctx, "LEAS", StatusDone, StatusOptions{Agent: "dead"})
		wantClaimed(t, err, "LEAS", "live")
	})
}

func TestLeaseRunsOutByID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(t *testing.T) Store) {
		s := open(t)
		mustAddID(t, s, "LEAS", NewTask{Title: "leased"})
		mustClaim(t, s, ClaimRequest{ID: "LEAS", Agent: "dead", Lease: time.Second})
		got := waitLeaseEnd(t, s, ClaimRequest{ID: "LEAS", Agent: "live"})
		if got.Assignee != "live" || got.Status != StatusInProgress {
			t.Errorf("Claim(LEAS) after the lease = %+v, want it in-progress for live", got)
		}
	})
}

func TestRenewClaim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(t *testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "RENW", NewTask{Title: "renewed"})
		first := mustClaim(t, s, ClaimRequest{ID: "RENW", Agent: "holder", Lease: time.Minute})

		got, err := s.RenewClaim(ctx, "RENW", "holder", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if d := got.LeaseExpiresAt.Sub(*first.ClaimedAt); d < time.Hour {
			t.Errorf("after RenewClaim(1h) the lease ends %v after the claim, want at least 1h", d)
		}
		if !got.ClaimedAt.Equal(*first.ClaimedAt) || got.Assignee != "holder" {
			t.Errorf("RenewClaim changed the claim: %+v", got)
		}
		_, err = s.RenewClaim(ctx, "RENW", "other", 0)
		wantClaimed(t, err, "RENW", "holder")
		_, err = s.RenewClaim(ctx, "RENW", "holder", time.Millisecond)
		wantInvalid(t, err, "lease")

		// The holder's own writes renew the lease (0: its own length, 1h).
		prev := *got.LeaseExpiresAt
		upd, err := s.UpdateTask(ctx, "RENW", TaskPatch{Title: ptr("renamed"), Agent: "holder"})
		if err != nil {
			t.Fatal(err)
		}
		if !upd.LeaseExpiresAt.After(prev) {
			t.Errorf("the holder's UpdateTask left the lease at %v, want after %v", upd.LeaseExpiresAt, prev)
		}
		other, err := s.UpdateTask(ctx, "RENW", TaskPatch{Title: ptr("by other"), Agent: "other"})
		if err != nil || !other.LeaseExpiresAt.Equal(*upd.LeaseExpiresAt) {
			t.Errorf("another agent's UpdateTask (no status) = %v, %v; want it done without renewing", other.LeaseExpiresAt, err)
		}

		mustAddID(t, s, "FREE", NewTask{Title: "free"})
		_, err = s.RenewClaim(ctx, "FREE", "holder", 0)
		wantIs(t, err, ErrConflict)
		_, err = s.RenewClaim(ctx, "NOPE", "holder", 0)
		wantIs(t, err, ErrNotFound)
	})
}

func TestOwnership(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(t *testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "OWND", NewTask{Title: "owned"})
		mustClaim(t, s, ClaimRequest{ID: "OWND", Agent: "agent-7"})

		_, err := s.UpdateTaskStatus(ctx, "OWND", StatusDone, StatusOptions{Agent: "agent-8"})
		wantClaimed(t, err, "OWND", "agent-7")
		_, err = s.UpdateTaskStatus(ctx, "OWND", StatusDone, StatusOptions{})
		wantClaimed(t, err, "OWND", "agent-7")
		_, err = s.UpdateTask(ctx, "OWND", TaskPatch{Status: ptr(StatusPending), Agent: "agent-8"})
		wantClaimed(t, err, "OWND", "agent-7")
		_, err = s.ReleaseClaim(ctx, "OWND", StatusOptions{Agent: "agent-8"})
		wantClaimed(t, err, "OWND", "agent-7")
		if g, _ := s.GetTask(ctx, "OWND"); g.Status != StatusInProgress || g.Assignee != "agent-7" || g.ForcedBy != "" {
			t.Fatalf("after refused changes the task is %+v", g)
		}

		// Forced: done, and recorded.
		ch, err := s.UpdateTaskStatus(ctx, "OWND", StatusDone, StatusOptions{Agent: "agent-8", Force: true})
		if err != nil {
			t.Fatal(err)
		}
		got := ch[0]
		if got.Status != StatusDone || got.ForcedBy != "agent-8" || got.ForcedAt == nil || got.LeaseExpiresAt != nil || got.Assignee != "agent-7" {
			t.Errorf("forced done = %+v; want done, forcedBy agent-8, the lease ended, the assignee kept", got)
		}

		// The holder's own status change and release need no force.
		mustAddID(t, s, "MINE", NewTask{Title: "mine"})
		mustClaim(t, s, ClaimRequest{ID: "MINE", Agent: "agent-7"})
		ch, err = s.UpdateTaskStatus(ctx, "MINE", StatusDone, StatusOptions{Agent: "agent-7"})
		if err != nil || ch[0].Status != StatusDone || ch[0].ForcedBy != "" {
			t.Errorf("holder's done = %+v, %v", ch, err)
		}
		mustAddID(t, s, "RELS", NewTask{Title: "released"})
		mustClaim(t, s, ClaimRequest{ID: "RELS", Agent: "agent-7"})
		rel, err := s.ReleaseClaim(ctx, "RELS", StatusOptions{Agent: "agent-7"})
		if err != nil || rel.Status != StatusPending || rel.Assignee != "" || rel.ClaimedAt != nil || rel.LeaseExpiresAt != nil {
			t.Errorf("ReleaseClaim(holder) = %+v, %v; want pending with no claim", rel, err)
		}
		if next := mustClaim(t, s, ClaimRequest{Agent: "agent-8"}); next == nil || next.ID != "RELS" {
			t.Errorf("Claim(next) after release = %+v, want RELS at once", next)
		}
		rel, err = s.ReleaseClaim(ctx, "RELS", StatusOptions{Agent: "agent-7", Force: true})
		if err != nil || rel.Status != StatusPending || rel.ForcedBy != "agent-7" {
			t.Errorf("forced ReleaseClaim = %+v, %v; want pending, forcedBy agent-7", rel, err)
		}
		_, err = s.ReleaseClaim(ctx, "RELS", StatusOptions{Agent: "agent-7"})
		wantIs(t, err, ErrConflict) // not claimed

		// An anonymous claim (ClaimTask) guards nothing.
		mustAddID(t, s, "ANON", NewTask{Title: "anonymous"})
		if _, err := s.ClaimTask(ctx, "ANON"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateTaskStatus(ctx, "ANON", StatusDone, StatusOptions{Agent: "x"}); err != nil {
			t.Errorf("done on an anonymous claim = %v", err)
		}
	})
}

func TestClaimsExportImport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(t *testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		mustAddID(t, s, "EXPT", NewTask{Title: "exported"})
		claimed := mustClaim(t, s, ClaimRequest{ID: "EXPT", Agent: "agent-7"})
		doc, err := s.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Tasks) != 1 || doc.Tasks[0].Assignee != "agent-7" || !doc.Tasks[0].LeaseExpiresAt.Equal(*claimed.LeaseExpiresAt) {
			t.Fatalf("Export tasks = %+v, want the claim carried", doc.Tasks)
		}
		s2 := open(t)
		if _, err := s2.Import(ctx, doc, ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = s2.Claim(ctx, ClaimRequest{ID: "EXPT", Agent: "other"})
		wantClaimed(t, err, "EXPT", "agent-7")
	})
}
