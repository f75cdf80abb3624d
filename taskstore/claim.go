package taskstore

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DefaultLease is how long a claim lasts when ClaimRequest.Lease is zero.
const DefaultLease = 30 * time.Minute

// maxClaimAttempts bounds claim-next's retries on a backend whose writers
// are not serialised (PostgreSQL without the app lock), where a faster
// transaction can take the picked task between the pick and the update.
const maxClaimAttempts = 100

// ClaimRequest is the input of Claim.
type ClaimRequest struct {
	// ID claims that task; "" claims the next available task, as NextTask
	// picks it, below ParentID with at least MinPriority.
	ID          string
	ParentID    string
	MinPriority int
	// Agent is recorded as the task's Assignee ("" is an anonymous claim).
	Agent string
	// Lease is how long the claim lasts; 0 means DefaultLease.
	Lease time.Duration
}

// ClaimedError is returned when another agent's lease on a task still
// runs. It matches ErrConflict.
type ClaimedError struct {
	ID    string
	Agent string // "" for an anonymous claim
	Until time.Time
}

// Error returns one line: "task ABCD is claimed by agent-7 until 14:05:10 UTC".
func (e *ClaimedError) Error() string {
	by := ""
	if e.Agent != "" {
		by = " by " + e.Agent
	}
	until := e.Until.UTC().Format("15:04:05 UTC")
	if time.Until(e.Until) > 20*time.Hour {
		until = e.Until.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return fmt.Sprintf("task %s is claimed%s until %s", e.ID, by, until)
}

// Is reports whether target is ErrConflict.
func (e *ClaimedError) Is(target error) bool { return target == ErrConflict }

func (*ClaimedError) taskstoreError() {}

func checkLease(d time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return DefaultLease, nil
	case d < time.Second:
		return 0, invalid("lease", "%s is shorter than a second", d)
	}
	return d.Truncate(time.Second), nil
}

// clock returns the time that decides leases in this transaction: the
// database server's on PostgreSQL, the store's own otherwise.
func (c *conn) clock(ctx context.Context) (time.Time, error) {
	q := c.d.Clock()
	if q == "" {
		return c.now, nil
	}
	var t time.Time
	if _, err := c.scan(ctx, q, nil, dbTime{&t}); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// held reports whether a lease on t runs at the time at.
func held(t Task, at time.Time) bool {
	return t.Status == StatusInProgress && t.LeaseExpiresAt != nil && t.LeaseExpiresAt.After(at)
}

// claimable is true for a task that is pending or whose lease has run out
// by the time given as its one argument.
const claimable = `(status = 'pending' OR (status = 'in-progress' AND lease_expires_at IS NOT NULL AND lease_expires_at <= ?))`

// Claim moves a ready task to in-progress for r.Agent with a lease, in one
// conditional write. With r.ID it claims that task: a task that another
// claim holds fails with a *ClaimedError, even for the same agent (renewing
// is how a holder extends its lease), so several processes under one name
// still get one winner. Without r.ID it picks and claims the next task in
// the same write transaction, so no caller is told to take a task that
// another then wins; it returns nil when no task is free. A task whose
// lease has run out counts as free, decided at claim time by the
// database's clock.
func (s *sqlStore) Claim(ctx context.Context, r ClaimRequest) (*Task, error) {
	lease, err := checkLease(r.Lease)
	if err != nil {
		return nil, err
	}
	if r.ID != "" {
		t, err := s.claimID(ctx, r.ID, r.Agent, lease)
		if err != nil {
			return nil, err
		}
		return &t, nil
	}
	parentID := r.ParentID
	if parentID == "" {
		parentID = ProjectRootID
	}
	if err := ValidateTaskID(parentID); err != nil {
		return nil, err
	}
	var out *Task
	err = s.write(ctx, "claim next task", func(c *conn) error {
		at, err := c.clock(ctx)
		if err != nil {
			return err
		}
		for range maxClaimAttempts {
			next, err := c.next(ctx, parentID, at)
			if err != nil || next == nil || next.PriorityScore < r.MinPriority {
				return err
			}
			n, err := c.take(ctx, next.ID, r.Agent, lease, at)
			if err != nil {
				return err
			}
			if n == 1 {
				t, err := c.getTask(ctx, next.ID)
				out = &t
				return err
			}
		}
		return &ConflictError{Reason: "every task picked was claimed by another agent first; try again"}
	})
	return out, err
}

// take claims id if it is still free and unblocked; it returns the number
// of rows changed.
func (c *conn) take(ctx context.Context, id, agent string, lease time.Duration, at time.Time) (int, error) {
	return c.execN(ctx, `UPDATE tasks SET status = 'in-progress', assignee = ?, claimed_at = ?,
			lease_expires_at = ?, lease_seconds = ?, updated_at = ?
		WHERE id = ? AND `+claimable+` AND NOT EXISTS (
			SELECT 1 FROM task_dependencies d JOIN tasks dt ON dt.id = d.dependency_task_id
			WHERE d.dependent_task_id = tasks.id AND dt.status <> 'done')`,
		agent, c.arg(at), c.arg(at.Add(lease)), int(lease/time.Second), c.arg(c.now), id, c.arg(at))
}

func (s *sqlStore) claimID(ctx context.Context, id, agent string, lease time.Duration) (Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return Task{}, err
	}
	if id == ProjectRootID {
		return Task{}, invalid("id", "the project root cannot be claimed")
	}
	var t Task
	err := s.write(ctx, "claim task", func(c *conn) error {
		chain, err := c.ancestors(ctx, id)
		if err != nil {
			return err
		}
		if len(chain) == 0 {
			return &NotFoundError{Kind: "task", ID: id}
		}
		for _, a := range chain[1:] {
			if a.Status.Closed() {
				return &ConflictError{ID: id, Reason: "task " + id + " cannot be claimed: its ancestor " + a.ID + " is " + string(a.Status)}
			}
		}
		at, err := c.clock(ctx)
		if err != nil {
			return err
		}
		n, err := c.take(ctx, id, agent, lease, at)
		if err != nil {
			return err
		}
		if n == 1 {
			t, err = c.getTask(ctx, id)
			return err
		}
		return c.whyNotClaimed(ctx, id, at)
	})
	return t, err
}

// ClaimTask claims a task by ID for an anonymous agent with DefaultLease:
// Claim(ctx, ClaimRequest{ID: id}).
func (s *sqlStore) ClaimTask(ctx context.Context, id string) (Task, error) {
	return s.claimID(ctx, id, "", DefaultLease)
}

// RenewClaim starts the lease of agent's claim on id again, for lease (0
// means the length of the claim's own lease). Renewing a lease that has
// run out succeeds while nobody else has claimed the task. A task that
// another agent holds fails with a *ClaimedError, a task that nobody
// holds with ErrConflict.
func (s *sqlStore) RenewClaim(ctx context.Context, id, agent string, lease time.Duration) (Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return Task{}, err
	}
	if lease != 0 {
		var err error
		if lease, err = checkLease(lease); err != nil {
			return Task{}, err
		}
	}
	var t Task
	err := s.write(ctx, "renew claim", func(c *conn) error {
		cur, err := c.getTask(ctx, id)
		if err != nil {
			return err
		}
		at, err := c.clock(ctx)
		if err != nil {
			return err
		}
		if cur.Status != StatusInProgress || cur.LeaseExpiresAt == nil {
			return &ConflictError{ID: id, Reason: "task " + id + " is not claimed (it is " + string(cur.Status) + ")"}
		}
		if cur.Assignee != agent {
			if held(cur, at) {
				return &ClaimedError{ID: id, Agent: cur.Assignee, Until: *cur.LeaseExpiresAt}
			}
			return &ConflictError{ID: id, Reason: "task " + id + " is not claimed by " + agentName(agent) + "; its lease has run out"}
		}
		if err := c.renew(ctx, id, lease, at); err != nil {
			return err
		}
		t, err = c.getTask(ctx, id)
		return err
	})
	return t, err
}

func agentName(agent string) string {
	if agent == "" {
		return "an anonymous agent"
	}
	return agent
}

// renew starts id's lease again at at, for lease or (0) the lease's own
// length.
func (c *conn) renew(ctx context.Context, id string, lease time.Duration, at time.Time) error {
	if lease == 0 {
		var secs int
		if _, err := c.scan(ctx, "SELECT lease_seconds FROM tasks WHERE id = ?", []any{id}, &secs); err != nil {
			return err
		}
		lease = time.Duration(secs) * time.Second
		if lease <= 0 {
			lease = DefaultLease
		}
	}
	_, err := c.exec(ctx, "UPDATE tasks SET lease_expires_at = ?, lease_seconds = ?, updated_at = ? WHERE id = ?",
		c.arg(at.Add(lease)), int(lease/time.Second), c.arg(c.now), id)
	return err
}

// ReleaseClaim gives a claimed task back: it becomes pending with no
// assignee at once. While another agent's lease runs it is refused with a
// *ClaimedError unless o.Force, which is recorded. A task that is not
// in-progress fails with ErrConflict.
func (s *sqlStore) ReleaseClaim(ctx context.Context, id string, o StatusOptions) (Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return Task{}, err
	}
	if id == ProjectRootID {
		return Task{}, invalid("id", "the project root cannot be released")
	}
	var t Task
	err := s.write(ctx, "release claim", func(c *conn) error {
		cur, err := c.getTask(ctx, id)
		if err != nil {
			return err
		}
		if cur.Status != StatusInProgress {
			return &ConflictError{ID: id, Reason: "task " + id + " is not claimed (it is " + string(cur.Status) + ")"}
		}
		at, err := c.clock(ctx)
		if err != nil {
			return err
		}
		forced, err := guard(cur, o.Agent, o.Force, at)
		if err != nil {
			return err
		}
		sets, args := ownerSets(StatusPending, forced, o.Agent, c)
		if _, err := c.exec(ctx, "UPDATE tasks SET status = 'pending', updated_at = ?"+sets+" WHERE id = ?",
			append(append([]any{c.arg(c.now)}, args...), id)...); err != nil {
			return err
		}
		t, err = c.getTask(ctx, id)
		return err
	})
	return t, err
}

// guard refuses a change by agent to cur while another agent's lease on it
// runs, unless force; forced reports that a lease was overridden. An
// anonymous claim (no assignee) guards nothing.
func guard(cur Task, agent string, force bool, at time.Time) (forced bool, err error) {
	if !held(cur, at) || cur.Assignee == "" || cur.Assignee == agent {
		return false, nil
	}
	if !force {
		return false, &ClaimedError{ID: cur.ID, Agent: cur.Assignee, Until: *cur.LeaseExpiresAt}
	}
	return true, nil
}

// ownerSets returns the extra SET clauses (each starting ", ") and their
// arguments for a task moving to st: pending ends the claim and forgets
// the assignee, any status but in-progress ends the lease and keeps the
// assignee as a record, and a forced change records the agent.
func ownerSets(st Status, forced bool, agent string, c *conn) (string, []any) {
	var sets []string
	var args []any
	switch st {
	case StatusPending:
		sets = append(sets, "assignee = ''", "claimed_at = NULL", "lease_expires_at = NULL", "lease_seconds = 0")
	case StatusInProgress:
	default:
		sets = append(sets, "lease_expires_at = NULL")
	}
	if forced {
		sets = append(sets, "forced_by = ?", "forced_at = ?")
		args = append(args, agent, c.arg(c.now))
	}
	if len(sets) == 0 {
		return "", nil
	}
	return ", " + strings.Join(sets, ", "), args
}
