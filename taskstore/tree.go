package taskstore

import (
	"context"
	"sort"
	"strings"
	"time"
)

// MaxDepth is the deepest a task may sit below the project root: a
// top-level task is 1 level below it, its subtasks 2, and so on. Adding a
// task (AddTask, AddTaskWithID, AddTasks), moving one (UpdateTask with
// ParentID) and importing a document are refused with an *InvalidError
// (ErrInvalid) for field "parentId" when a task would end up deeper; the
// refused change writes nothing. A database written before the limit
// existed may hold deeper tasks: they stay readable, a move that does not
// take them deeper is allowed, and TaskTree stops at MaxDepth levels.
const MaxDepth = 100

// tooDeep is the error for what would lie depth levels below the project
// root.
func tooDeep(what string, depth int) error {
	return invalid("parentId", "%s would be %d levels below the project root; the limit is %d", what, depth, MaxDepth)
}

// childDepth returns how many levels below the project root a new child of
// parent would sit: a *NotFoundError for a missing parent, an *InvalidError
// when the child would lie deeper than MaxDepth.
func (c *conn) childDepth(ctx context.Context, parent string) (int, error) {
	chain, err := c.ancestors(ctx, parent)
	if err != nil {
		return 0, err
	}
	if len(chain) == 0 {
		return 0, &NotFoundError{Kind: "parent task", ID: parent}
	}
	d := len(chain) // the parent is len(chain)-1 levels down
	if d > MaxDepth {
		return 0, tooDeep("a subtask of "+parent, d)
	}
	return d, nil
}

// height returns how many levels the subtree below id spans: 0 for a task
// without subtasks.
func (c *conn) height(ctx context.Context, id string) (int, error) {
	var h int
	_, err := c.scan(ctx, `WITH RECURSIVE sub(id, depth) AS (
			SELECT CAST(? AS TEXT), 0
			UNION ALL
			SELECT t.id, sub.depth + 1 FROM tasks t JOIN sub ON t.parent_id = sub.id
			WHERE sub.depth < 100000
		)
		SELECT MAX(depth) FROM sub`, []any{id}, &h)
	return h, err
}

// checkMoveDepth refuses to move id (now len(from)-1 levels down, from
// being its ancestor chain) under the parent whose chain is to when that
// would put id or its deepest subtask more than MaxDepth levels below the
// project root and deeper than before.
func (c *conn) checkMoveDepth(ctx context.Context, id, parent string, from, to []ancestorRef) error {
	oldDepth, newDepth := len(from)-1, len(to)
	if newDepth <= oldDepth {
		return nil
	}
	h, err := c.height(ctx, id)
	if err != nil || newDepth+h <= MaxDepth {
		return err
	}
	what := "task " + id + " under " + parent
	if h > 0 {
		what = "the deepest subtask of task " + id + " under " + parent
	}
	return tooDeep(what, newDepth+h)
}

// deepestImported finds a task that lies more than MaxDepth levels below
// the project root and is, or lies below, one of imported. parent maps
// every task but the project root to its parent, without loops. It returns
// the deepest such task (the first in ID order among equals) and its depth,
// or "" and 0.
func deepestImported(parent map[string]string, imported map[string]bool) (string, int) {
	type state struct {
		depth    int
		affected bool
	}
	known := map[string]state{ProjectRootID: {}}
	ids := make([]string, 0, len(parent))
	for id := range parent {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var path []string
	for _, id := range ids {
		path = path[:0]
		at := id
		for {
			if _, ok := known[at]; ok {
				break
			}
			p, ok := parent[at]
			if !ok { // a chain that does not reach the root: not ours to judge
				known[at] = state{}
				break
			}
			path = append(path, at)
			at = p
		}
		for i := len(path) - 1; i >= 0; i-- {
			up := known[parent[path[i]]]
			known[path[i]] = state{depth: up.depth + 1, affected: up.affected || imported[path[i]]}
		}
	}
	deepest, depth := "", MaxDepth
	for _, id := range ids {
		if st := known[id]; st.affected && st.depth > depth {
			deepest, depth = id, st.depth
		}
	}
	if deepest == "" {
		return "", 0
	}
	return deepest, depth
}

// closedList is the SQL list of closed statuses.
const closedList = "('done', 'cancelled', 'archived')"

// notBlocked is true for a task t none of whose dependencies is unfinished.
const notBlocked = `NOT EXISTS (
	SELECT 1 FROM task_dependencies d JOIN tasks dt ON dt.id = d.dependency_task_id
	WHERE d.dependent_task_id = t.id AND dt.status <> 'done')`

// effective returns the status that governs a task whose parent chain is
// chain (the task first, the project root last): the status of its topmost
// closed ancestor, else its own.
func effective(chain []ancestorRef) Status {
	st := chain[0].Status
	for _, a := range chain[1:] {
		if a.Status.Closed() {
			st = a.Status
		}
	}
	return st
}

// The two plans for NextTask. Both return the first available pending task
// by priority, then creation order.
const (
	// nextInTree walks the pending tasks in index order (status, priority
	// descending, creation) and stops at the first that nothing blocks and
	// whose ancestors are all open: usually after a handful of rows, however
	// large the tree.
	nextInTree = `SELECT ` + taskCols + ` FROM tasks t
		WHERE t.status = 'pending' AND t.id <> ? AND ` + notBlocked + `
		AND NOT EXISTS (
			WITH RECURSIVE up(id) AS (
				SELECT t.parent_id
				UNION
				SELECT p.parent_id FROM tasks p JOIN up ON p.id = up.id WHERE p.parent_id IS NOT NULL
			)
			SELECT 1 FROM up JOIN tasks a ON a.id = up.id WHERE a.status IN ` + closedList + `)
		ORDER BY t.priority_score DESC, t.seq
		LIMIT 1`
	// nextBelow walks down from the parent through open tasks only (a
	// closed task hides its subtree), then picks among the subtree's
	// pending tasks. The CROSS JOIN keeps the subtree as the outer loop.
	nextBelow = `WITH RECURSIVE below(id) AS (
			SELECT id FROM tasks WHERE parent_id = ? AND status NOT IN ` + closedList + `
			UNION ALL
			SELECT t.id FROM tasks t JOIN below b ON t.parent_id = b.id WHERE t.status NOT IN ` + closedList + `
		)
		SELECT ` + taskCols + ` FROM below b CROSS JOIN tasks t
		WHERE t.id = b.id AND t.status = 'pending' AND ` + notBlocked + `
		ORDER BY t.priority_score DESC, t.seq
		LIMIT 1`
)

// expiredInTree and expiredBelow are nextInTree and nextBelow for the
// in-progress tasks whose lease has run out by the time given as their
// first status argument.
var (
	expiredInTree = strings.Replace(nextInTree, "t.status = 'pending'", expiredCond, 1)
	expiredBelow  = strings.Replace(nextBelow, "t.status = 'pending'", expiredCond, 1)
)

const expiredCond = "t.status = 'in-progress' AND t.lease_expires_at IS NOT NULL AND t.lease_expires_at <= ?"

// NextTask returns the highest-priority available task anywhere below
// parentID ("" means the whole tree), ties broken by creation order, or
// nil when there is none. A task is available when it is pending (or
// in-progress with a lease that has run out), none of its dependencies is
// unfinished, and no ancestor is done, cancelled or archived.
func (s *sqlStore) NextTask(ctx context.Context, parentID string) (*Task, error) {
	if parentID == "" {
		parentID = ProjectRootID
	}
	if err := ValidateTaskID(parentID); err != nil {
		return nil, err
	}
	var next *Task
	err := s.read(ctx, "next task", func(c *conn) error {
		at, err := c.clock(ctx)
		if err != nil {
			return err
		}
		next, err = c.next(ctx, parentID, at)
		return err
	})
	return next, err
}

// next is NextTask inside a transaction, with at deciding expired leases.
func (c *conn) next(ctx context.Context, parentID string, at time.Time) (*Task, error) {
	chain, err := c.ancestors(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, &NotFoundError{Kind: "task", ID: parentID}
	}
	if parentID != ProjectRootID && effective(chain).Closed() {
		return nil, nil
	}
	query, args := nextInTree, []any{ProjectRootID}
	expired, eargs := expiredInTree, []any{c.arg(at), ProjectRootID}
	if parentID != ProjectRootID {
		query, args = nextBelow, []any{parentID}
		expired, eargs = expiredBelow, []any{parentID, c.arg(at)}
	}
	ts, err := c.tasks(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	es, err := c.tasks(ctx, expired, eargs...)
	if err != nil {
		return nil, err
	}
	switch {
	case len(es) == 0 && len(ts) == 0:
		return nil, nil
	case len(es) == 0:
		return &ts[0], nil
	case len(ts) == 0:
		return &es[0], nil
	}
	p, e := ts[0], es[0]
	if e.PriorityScore != p.PriorityScore {
		if e.PriorityScore > p.PriorityScore {
			return &e, nil
		}
		return &p, nil
	}
	var ps, esq int64
	if _, err := c.scan(ctx, "SELECT (SELECT seq FROM tasks WHERE id = ?), (SELECT seq FROM tasks WHERE id = ?)",
		[]any{p.ID, e.ID}, &ps, &esq); err != nil {
		return nil, err
	}
	if esq < ps {
		return &e, nil
	}
	return &p, nil
}

// whyNotClaimed explains a claim that changed no row at the time at.
func (c *conn) whyNotClaimed(ctx context.Context, id string, at time.Time) error {
	cur, err := c.getTask(ctx, id)
	if err != nil {
		return err
	}
	if held(cur, at) {
		return &ClaimedError{ID: id, Agent: cur.Assignee, Until: *cur.LeaseExpiresAt}
	}
	if cur.Status != StatusPending && !(cur.Status == StatusInProgress && cur.LeaseExpiresAt != nil) {
		reason := "task " + id + " is " + string(cur.Status) + ", not pending"
		if cur.Status == StatusInProgress {
			reason = "task " + id + " was already claimed (it is in-progress)"
		}
		return &ConflictError{ID: id, Reason: reason}
	}
	blockers, err := c.strings(ctx, `SELECT d.dependency_task_id FROM task_dependencies d
		JOIN tasks dt ON dt.id = d.dependency_task_id
		WHERE d.dependent_task_id = ? AND dt.status <> 'done' ORDER BY dt.seq`, id)
	if err != nil {
		return err
	}
	if len(blockers) == 0 {
		// Only a backend without serialised writers can get here: the task
		// changed between the update and this look.
		return &ConflictError{ID: id, Reason: "task " + id + " changed while it was being claimed; try again"}
	}
	return &BlockedError{ID: id, BlockedBy: blockers}
}

// protectedFrom lists the statuses a cascade to s leaves alone: cancelled
// and archived work never becomes done or active again, done work is not
// cancelled, and archiving takes everything.
func protectedFrom(s Status) []Status {
	switch s {
	case StatusArchived:
		return nil
	case StatusCancelled:
		return []Status{StatusDone, StatusArchived}
	default:
		return []Status{StatusCancelled, StatusArchived}
	}
}

// UpdateTaskStatus sets a task's status and returns every task changed: the
// task first, then (with o.Cascade) each descendant whose status changed, in
// creation order. The cascade never turns cancelled or archived work into
// done, pending, in-progress or blocked, and never cancels done work; such
// a task keeps its status and shields its own subtree. Archiving archives
// the whole subtree.
func (s *sqlStore) UpdateTaskStatus(ctx context.Context, id string, st Status, o StatusOptions) ([]Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return nil, err
	}
	if id == ProjectRootID {
		return nil, invalid("id", "the project root cannot be changed")
	}
	if err := checkStatus(st); err != nil {
		return nil, err
	}
	var changed []Task
	err := s.write(ctx, "update status", func(c *conn) error {
		cur, err := c.getTask(ctx, id)
		if err != nil {
			return err
		}
		if err := c.changeStatus(ctx, cur, st, o.Agent, o.Force); err != nil {
			return err
		}
		t, err := c.getTask(ctx, id)
		if err != nil {
			return err
		}
		changed = []Task{t}
		if !o.Cascade {
			return nil
		}
		// The walk stops at protected tasks: they shield their subtrees.
		guard, gargs := "", []any{}
		if p := protectedFrom(st); len(p) > 0 {
			guard = " AND t.status NOT IN (" + placeholders(len(p)) + ")"
			for _, ps := range p {
				gargs = append(gargs, string(ps))
			}
		}
		sub := `WITH RECURSIVE sub(id) AS (
				SELECT t.id FROM tasks t WHERE t.parent_id = ?` + guard + `
				UNION ALL
				SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id WHERE 1 = 1` + guard + `
			) `
		args := append(append(append([]any{id}, gargs...), gargs...), string(st))
		desc, err := c.tasks(ctx, sub+"SELECT "+taskCols+" FROM tasks t WHERE t.id IN (SELECT id FROM sub) AND t.status <> ? ORDER BY t.seq", args...)
		if err != nil || len(desc) == 0 {
			return err
		}
		uargs := append(append(append([]any{id}, gargs...), gargs...), string(st), c.arg(c.now), string(st))
		sets, _ := ownerSets(st, false, "", c)
		if _, err := c.exec(ctx, sub+"UPDATE tasks SET status = ?, updated_at = ?"+sets+" WHERE id IN (SELECT id FROM sub) AND status <> ?", uargs...); err != nil {
			return err
		}
		for i := range desc {
			desc[i].Status, desc[i].UpdatedAt = st, c.now
			switch st {
			case StatusPending:
				desc[i].Assignee, desc[i].ClaimedAt, desc[i].LeaseExpiresAt = "", nil, nil
			case StatusInProgress:
			default:
				desc[i].LeaseExpiresAt = nil
			}
		}
		changed = append(changed, desc...)
		return nil
	})
	return changed, err
}

// TaskTree returns rootID ("" means the project root) with its descendants
// down to maxDepth levels below it, children in creation order, each with
// its effective status and what blocks it. A maxDepth of 0, or one above
// MaxDepth, means MaxDepth: a database written before the limit existed may
// hold deeper tasks, and they are left out.
func (s *sqlStore) TaskTree(ctx context.Context, rootID string, maxDepth int) (*TreeNode, error) {
	if rootID == "" {
		rootID = ProjectRootID
	}
	if err := ValidateTaskID(rootID); err != nil {
		return nil, err
	}
	if maxDepth < 0 {
		return nil, invalid("maxDepth", "%d is negative", maxDepth)
	}
	if maxDepth == 0 || maxDepth > MaxDepth {
		maxDepth = MaxDepth
	}
	var root *TreeNode
	err := s.read(ctx, "task tree", func(c *conn) error {
		chain, err := c.ancestors(ctx, rootID)
		if err != nil {
			return err
		}
		if len(chain) == 0 {
			return &NotFoundError{Kind: "task", ID: rootID}
		}
		sub := `WITH RECURSIVE sub(id, depth) AS (
				SELECT CAST(? AS TEXT), 0
				UNION ALL
				SELECT t.id, sub.depth + 1 FROM tasks t JOIN sub ON t.parent_id = sub.id
				WHERE sub.depth < ?
			) `
		ts, err := c.tasks(ctx, sub+"SELECT "+taskCols+" FROM sub JOIN tasks t ON t.id = sub.id ORDER BY t.seq", rootID, maxDepth)
		if err != nil {
			return err
		}
		rows, err := c.query(ctx, sub+`SELECT d.dependent_task_id, d.dependency_task_id FROM sub
			JOIN task_dependencies d ON d.dependent_task_id = sub.id
			JOIN tasks dt ON dt.id = d.dependency_task_id
			WHERE dt.status <> 'done' ORDER BY dt.seq`, rootID, maxDepth)
		if err != nil {
			return err
		}
		blocked := map[string][]string{}
		for rows.Next() {
			var a, b string
			if err := rows.Scan(&a, &b); err != nil {
				rows.Close()
				return translate(c.d, c.op, err)
			}
			blocked[a] = append(blocked[a], b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(c.d, c.op, err)
		}
		root = buildTree(ts, rootID, blocked, effective(chain))
		return nil
	})
	return root, err
}

// buildTree links tasks (in creation order) under rootID and derives each
// node's effective status from rootStatus downwards.
func buildTree(ts []Task, rootID string, blocked map[string][]string, rootStatus Status) *TreeNode {
	nodes := make(map[string]*TreeNode, len(ts))
	for _, t := range ts {
		nodes[t.ID] = &TreeNode{Task: t, BlockedBy: blocked[t.ID], Blocked: len(blocked[t.ID]) > 0}
	}
	for _, t := range ts {
		if t.ID == rootID {
			continue
		}
		if p := nodes[t.ParentID]; p != nil {
			p.Children = append(p.Children, nodes[t.ID])
		}
	}
	root := nodes[rootID]
	var walk func(n *TreeNode, inherited Status)
	walk = func(n *TreeNode, st Status) {
		n.EffectiveStatus = st
		for _, ch := range n.Children {
			if st.Closed() {
				walk(ch, st)
			} else {
				walk(ch, ch.Task.Status)
			}
		}
	}
	walk(root, rootStatus)
	return root
}

// changeStatus moves cur to st for agent: refused while another agent's
// lease runs unless force (then recorded). Moving to in-progress renews
// the holder's lease or, for a named agent that does not hold it, records
// a new claim with DefaultLease; moving to pending ends the claim; any
// other status ends the lease.
func (c *conn) changeStatus(ctx context.Context, cur Task, st Status, agent string, force bool) error {
	at, err := c.clock(ctx)
	if err != nil {
		return err
	}
	forced, err := guard(cur, agent, force, at)
	if err != nil {
		return err
	}
	sets, args := ownerSets(st, forced, agent, c)
	if st == StatusInProgress && agent != "" {
		if held(cur, at) && cur.Assignee == agent {
			if err := c.renew(ctx, cur.ID, 0, at); err != nil {
				return err
			}
		} else {
			sets += ", assignee = ?, claimed_at = ?, lease_expires_at = ?, lease_seconds = ?"
			args = append(args, agent, c.arg(at), c.arg(at.Add(DefaultLease)), int(DefaultLease/time.Second))
		}
	}
	_, err = c.exec(ctx, "UPDATE tasks SET status = ?, updated_at = ?"+sets+" WHERE id = ?",
		append(append([]any{string(st), c.arg(c.now)}, args...), cur.ID)...)
	return err
}
