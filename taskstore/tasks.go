package taskstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// taskCols are the columns scanTask reads, from a tasks table aliased t.
const taskCols = "t.id, t.parent_id, t.title, t.description, t.status, t.priority_score, t.prd, t.context_digest, t.created_at, t.updated_at, " +
	"t.assignee, t.claimed_at, t.lease_expires_at, t.forced_by, t.forced_at"

func scanTask(sc scanner) (Task, error) {
	var t Task
	var parent sql.NullString
	var status string
	err := sc.Scan(&t.ID, &parent, &t.Title, &t.Description, &status, &t.PriorityScore,
		&t.PRD, &t.ContextDigest, dbTime{&t.CreatedAt}, dbTime{&t.UpdatedAt},
		&t.Assignee, optTime{&t.ClaimedAt}, optTime{&t.LeaseExpiresAt}, &t.ForcedBy, optTime{&t.ForcedAt})
	t.ParentID = parent.String
	t.Status = Status(status)
	return t, err
}

// tasks runs a query selecting taskCols and returns every row.
func (c *conn) tasks(ctx context.Context, query string, args ...any) ([]Task, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, translate(c.d, c.op, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(c.d, c.op, err)
	}
	return out, nil
}

const getTaskQuery = "SELECT " + taskCols + " FROM tasks t WHERE t.id = ?"

// getTask returns the task or a *NotFoundError.
func (c *conn) getTask(ctx context.Context, id string) (Task, error) {
	ts, err := c.tasks(ctx, getTaskQuery, id)
	if err != nil {
		return Task{}, err
	}
	if len(ts) == 0 {
		return Task{}, &NotFoundError{Kind: "task", ID: id}
	}
	return ts[0], nil
}

func (c *conn) taskExists(ctx context.Context, id string) (bool, error) {
	var one int
	return c.scan(ctx, "SELECT 1 FROM tasks WHERE id = ?", []any{id}, &one)
}

// mustExist returns a *NotFoundError of the given kind unless id exists.
func (c *conn) mustExist(ctx context.Context, kind, id string) error {
	ok, err := c.taskExists(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return &NotFoundError{Kind: kind, ID: id}
	}
	return nil
}

func (c *conn) insertTask(ctx context.Context, t Task) error {
	_, err := c.exec(ctx, `INSERT INTO tasks (id, parent_id, title, description, status, priority_score, prd, context_digest, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, nullable(t.ParentID), t.Title, t.Description, string(t.Status), t.PriorityScore, t.PRD, t.ContextDigest,
		c.arg(t.CreatedAt), c.arg(t.UpdatedAt))
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t NewTask) task(id string, at time.Time) Task {
	return Task{
		ID: id, ParentID: t.ParentID, Title: t.Title, Description: t.Description, Status: t.Status,
		PriorityScore: *t.PriorityScore, PRD: t.PRD, ContextDigest: t.ContextDigest,
		CreatedAt: at, UpdatedAt: at,
	}
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// AddTask creates a task with a generated ID: four random capital letters
// for a top-level task, the parent's ID and "-XXXX" for a subtask. A task
// that would lie more than MaxDepth levels below the project root is
// refused with ErrInvalid.
func (s *sqlStore) AddTask(ctx context.Context, nt NewTask) (Task, error) {
	nt, err := nt.normalize()
	if err != nil {
		return Task{}, err
	}
	var t Task
	err = s.write(ctx, "add task", func(c *conn) error {
		if _, err := c.childDepth(ctx, nt.ParentID); err != nil {
			return err
		}
		id, err := c.newTaskID(ctx, nt.ParentID)
		if err != nil {
			return err
		}
		t = nt.task(id, c.now)
		return c.insertTask(ctx, t)
	})
	return t, err
}

// AddTaskWithID creates a task with the given ID; ErrConflict if it exists.
func (s *sqlStore) AddTaskWithID(ctx context.Context, id string, nt NewTask) (Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return Task{}, err
	}
	nt, err := nt.normalize()
	if err != nil {
		return Task{}, err
	}
	var t Task
	err = s.write(ctx, "add task", func(c *conn) error {
		if _, err := c.childDepth(ctx, nt.ParentID); err != nil {
			return err
		}
		exists, err := c.taskExists(ctx, id)
		if err != nil {
			return err
		}
		if exists {
			return &ConflictError{ID: id, Reason: "task " + id + " already exists"}
		}
		t = nt.task(id, c.now)
		return c.insertTask(ctx, t)
	})
	return t, err
}

// AddTasks creates a batch atomically. Every element is validated before
// anything is written; any failure leaves the database as it was. An
// element that would lie more than MaxDepth levels below the project root
// fails with an *InvalidError for "batch[i].parentId".
func (s *sqlStore) AddTasks(ctx context.Context, batch []BatchTask) ([]Task, error) {
	norm, err := checkBatch(batch)
	if err != nil {
		return nil, err
	}
	if len(batch) == 0 {
		return []Task{}, nil
	}
	out := make([]Task, len(batch))
	err = s.write(ctx, "add tasks", func(c *conn) error {
		known := map[string]bool{}
		exists := func(kind, id string) error {
			if known[id] {
				return nil
			}
			if err := c.mustExist(ctx, kind, id); err != nil {
				return err
			}
			known[id] = true
			return nil
		}
		depths, parentDepths := make([]int, len(batch)), map[string]int{}
		for i, bt := range batch {
			nt := norm[i]
			if bt.ParentIndex != nil {
				nt.ParentID = out[*bt.ParentIndex].ID
			}
			d, err := c.elementDepth(ctx, nt.ParentID, bt.ParentIndex, depths, parentDepths)
			if err != nil {
				return inBatch(i, err)
			}
			depths[i], known[nt.ParentID] = d, true
			id, err := c.newTaskID(ctx, nt.ParentID)
			if err != nil {
				return err
			}
			out[i] = nt.task(id, c.now)
			if err := c.insertTask(ctx, out[i]); err != nil {
				return err
			}
			known[id] = true
			for _, j := range bt.DependsOn {
				if err := c.insertDependency(ctx, id, out[j].ID); err != nil {
					return err
				}
			}
			for _, dep := range bt.DependsOnIDs {
				if err := exists("dependency task", dep); err != nil {
					return err
				}
				if err := c.insertDependency(ctx, id, dep); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// elementDepth returns the depth of a batch element whose parent is the
// earlier element at index, when set, or else the existing task parent,
// whose depth is looked up once and kept in cache.
func (c *conn) elementDepth(ctx context.Context, parent string, index *int, depths []int, cache map[string]int) (int, error) {
	d, ok := cache[parent]
	if index != nil {
		d, ok = depths[*index]+1, true
	}
	if !ok {
		var err error
		if d, err = c.childDepth(ctx, parent); err != nil {
			return 0, err
		}
		cache[parent] = d
	}
	if d > MaxDepth {
		return 0, tooDeep("a subtask of "+parent, d)
	}
	return d, nil
}

// inBatch prefixes the field of an *InvalidError with batch element i:
// "batch[3].parentId". Other errors are returned as they are.
func inBatch(i int, err error) error {
	var ie *InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	return &InvalidError{Field: "batch[" + strconv.Itoa(i) + "]." + ie.Field, Reason: ie.Reason}
}

// checkBatch validates a whole batch before anything is written. Field
// names are prefixed with the element: "batch[3].title".
func checkBatch(batch []BatchTask) ([]NewTask, error) {
	norm := make([]NewTask, len(batch))
	at := func(i int, err error) error {
		ie := err.(*InvalidError)
		return &InvalidError{Field: "batch[" + strconv.Itoa(i) + "]." + ie.Field, Reason: ie.Reason}
	}
	for i, bt := range batch {
		nt, err := bt.NewTask.normalize()
		if err != nil {
			return nil, at(i, err)
		}
		norm[i] = nt
		if bt.ParentIndex != nil {
			if p := *bt.ParentIndex; p < 0 || p >= i {
				return nil, at(i, invalid("parentIndex", "%d does not name an earlier task of the batch", p))
			}
		}
		seen := map[int]bool{}
		for _, j := range bt.DependsOn {
			if j < 0 || j >= i {
				return nil, at(i, invalid("dependsOn", "%d does not name an earlier task of the batch", j))
			}
			if seen[j] {
				return nil, at(i, invalid("dependsOn", "%d is listed twice", j))
			}
			seen[j] = true
		}
		seenID := map[string]bool{}
		for _, id := range bt.DependsOnIDs {
			if err := ValidateTaskID(id); err != nil {
				return nil, at(i, invalid("dependsOnIds", "%s", err.(*InvalidError).Reason))
			}
			if id == ProjectRootID {
				return nil, at(i, invalid("dependsOnIds", "a task cannot depend on the project root"))
			}
			if seenID[id] {
				return nil, at(i, invalid("dependsOnIds", "%s is listed twice", id))
			}
			seenID[id] = true
		}
	}
	return norm, nil
}

// GetTask returns one task.
func (s *sqlStore) GetTask(ctx context.Context, id string) (Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return Task{}, err
	}
	var t Task
	err := s.read(ctx, "get task", func(c *conn) error {
		var err error
		t, err = c.getTask(ctx, id)
		return err
	})
	return t, err
}

// UpdateTask changes the fields that p sets and returns the task as it now
// is. Moving a task (p.ParentID) under itself or one of its descendants
// fails with ErrInvalid, and so does a move that would put the task or its
// deepest subtask more than MaxDepth levels below the project root (and
// deeper than it was). The project root cannot be changed.
func (s *sqlStore) UpdateTask(ctx context.Context, id string, p TaskPatch) (Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return Task{}, err
	}
	if id == ProjectRootID {
		return Task{}, invalid("id", "the project root cannot be changed")
	}
	if err := p.check(); err != nil {
		return Task{}, err
	}
	var t Task
	err := s.write(ctx, "update task", func(c *conn) error {
		cur, err := c.getTask(ctx, id)
		if err != nil {
			return err
		}
		if p.Status != nil {
			if err := c.changeStatus(ctx, cur, *p.Status, p.Agent, p.Force); err != nil {
				return err
			}
		} else if err := c.renewOwn(ctx, cur, p.Agent); err != nil {
			return err
		}
		var sets []string
		var args []any
		set := func(col string, v any) {
			sets = append(sets, col+" = ?")
			args = append(args, v)
		}
		if p.ParentID != nil {
			parent := *p.ParentID
			if parent == "" {
				parent = ProjectRootID
			}
			if err := c.checkMove(ctx, id, parent); err != nil {
				return err
			}
			set("parent_id", parent)
		}
		if p.Title != nil {
			set("title", *p.Title)
		}
		if p.Description != nil {
			set("description", *p.Description)
		}
		if p.PriorityScore != nil {
			set("priority_score", *p.PriorityScore)
		}
		if p.PRD != nil {
			set("prd", *p.PRD)
		}
		if p.ContextDigest != nil {
			set("context_digest", *p.ContextDigest)
		}
		if len(sets) > 0 {
			set("updated_at", c.arg(c.now))
			args = append(args, id)
			if _, err := c.exec(ctx, "UPDATE tasks SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
				return err
			}
		}
		t, err = c.getTask(ctx, id)
		return err
	})
	return t, err
}

// renewOwn renews the lease on cur when agent holds it: any write of the
// holder's own to its task renews its claim.
func (c *conn) renewOwn(ctx context.Context, cur Task, agent string) error {
	if agent == "" || cur.Assignee != agent || cur.LeaseExpiresAt == nil {
		return nil
	}
	at, err := c.clock(ctx)
	if err != nil || !held(cur, at) {
		return err
	}
	return c.renew(ctx, cur.ID, 0, at)
}

// checkMove refuses to put id under parent when parent is missing, is id,
// or lies below id, or when the move would take a task deeper than
// MaxDepth.
func (c *conn) checkMove(ctx context.Context, id, parent string) error {
	if parent == id {
		return invalid("parentId", "task %s cannot be its own parent", id)
	}
	chain, err := c.ancestors(ctx, parent)
	if err != nil {
		return err
	}
	if len(chain) == 0 {
		return &NotFoundError{Kind: "parent task", ID: parent}
	}
	for _, a := range chain {
		if a.ID == id {
			return invalid("parentId", "task %s cannot move under its own descendant %s", id, parent)
		}
	}
	from, err := c.ancestors(ctx, id)
	if err != nil {
		return err
	}
	return c.checkMoveDepth(ctx, id, parent, from, chain)
}

// ancestorRef is one step of a task's parent chain.
type ancestorRef struct {
	ID     string
	Status Status
}

// ancestors returns id itself and then its parent, grandparent... up to
// the project root.
func (c *conn) ancestors(ctx context.Context, id string) ([]ancestorRef, error) {
	rows, err := c.query(ctx, `WITH RECURSIVE up(id, parent_id, status, depth) AS (
			SELECT id, parent_id, status, 0 FROM tasks WHERE id = ?
			UNION ALL
			SELECT t.id, t.parent_id, t.status, up.depth + 1 FROM tasks t JOIN up ON t.id = up.parent_id
			WHERE up.depth < 100000
		)
		SELECT id, status FROM up ORDER BY depth`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ancestorRef
	for rows.Next() {
		var a ancestorRef
		var st string
		if err := rows.Scan(&a.ID, &st); err != nil {
			return nil, translate(c.d, c.op, err)
		}
		a.Status = Status(st)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(c.d, c.op, err)
	}
	return out, nil
}

// DeleteTask deletes a task with its context slices and dependencies. A
// task with subtasks is deleted only with o.Cascade, which deletes the whole
// subtree; without it the delete fails with ErrConflict. A task (or, with
// cascade, any task of the subtree) that tasks outside the deleted ones
// depend on is deleted only with o.Force; without it the delete fails with
// ErrConflict naming the first maxNamedDependents of them and how many
// there are. The project root cannot be deleted.
func (s *sqlStore) DeleteTask(ctx context.Context, id string, o DeleteOptions) (int, error) {
	if err := ValidateTaskID(id); err != nil {
		return 0, err
	}
	if id == ProjectRootID {
		return 0, invalid("id", "the project root cannot be deleted")
	}
	var n int
	err := s.write(ctx, "delete task", func(c *conn) error {
		if err := c.mustExist(ctx, "task", id); err != nil {
			return err
		}
		var children int
		if _, err := c.scan(ctx, "SELECT COUNT(*) FROM tasks WHERE parent_id = ?", []any{id}, &children); err != nil {
			return err
		}
		if children > 0 && !o.Cascade {
			return &ConflictError{ID: id, Reason: "task " + id + " has " + plural(children, "subtask") +
				"; delete them first or delete with cascade"}
		}
		if !o.Force {
			if err := c.refuseDependents(ctx, id, children > 0); err != nil {
				return err
			}
		}
		var err error
		n, err = c.execN(ctx, subtreeSQL+`DELETE FROM tasks WHERE id IN (SELECT id FROM sub)`, id)
		return err
	})
	return n, err
}

// subtreeSQL starts a statement with the table sub(id): the task given as
// its one argument and all its descendants.
const subtreeSQL = `WITH RECURSIVE sub(id) AS (
		SELECT CAST(? AS TEXT)
		UNION ALL
		SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id
	)
	`

// maxNamedDependents is how many dependents a refused delete names; the
// message counts the rest.
const maxNamedDependents = 5

// refuseDependents fails with ErrConflict when tasks outside id's subtree
// depend on a task of it, naming the first few (in ID order) and counting
// them all; subtree says that id has descendants to delete too.
func (c *conn) refuseDependents(ctx context.Context, id string, subtree bool) error {
	rows, err := c.query(ctx, subtreeSQL+`, out(id) AS (
			SELECT DISTINCT d.dependent_task_id FROM task_dependencies d
			WHERE d.dependency_task_id IN (SELECT id FROM sub)
			  AND d.dependent_task_id NOT IN (SELECT id FROM sub)
		)
		SELECT id, COUNT(*) OVER () FROM out ORDER BY id LIMIT ?`, id, maxNamedDependents)
	if err != nil {
		return err
	}
	defer rows.Close()
	var named []string
	total := 0
	for rows.Next() {
		var dep string
		if err := rows.Scan(&dep, &total); err != nil {
			return translate(c.d, c.op, err)
		}
		named = append(named, dep)
	}
	if err := rows.Err(); err != nil {
		return translate(c.d, c.op, err)
	}
	if total == 0 {
		return nil
	}
	list := strings.Join(named, ", ")
	if total > len(named) {
		list += " and " + strconv.Itoa(total-len(named)) + " more"
	}
	what := "task " + id
	if subtree {
		what += " or a descendant"
	}
	return &ConflictError{ID: id, Reason: what + " is a dependency of " + plural(total, "other task") + " (" + list +
		"); remove those dependencies first or delete with force"}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// ListTasksByStatus returns every task with the status, in creation order.
func (s *sqlStore) ListTasksByStatus(ctx context.Context, st Status) ([]Task, error) {
	if err := checkStatus(st); err != nil {
		return nil, err
	}
	return s.ListTasks(ctx, Filter{Statuses: []Status{st}})
}

// ListRootTasks returns the top-level tasks, whatever their status.
func (s *sqlStore) ListRootTasks(ctx context.Context) ([]Task, error) {
	return s.ListTasks(ctx, Filter{Statuses: []Status{}, ParentID: ProjectRootID})
}

// ListSubtasks returns the direct children of a task, whatever their status.
func (s *sqlStore) ListSubtasks(ctx context.Context, parentID string) ([]Task, error) {
	if parentID == "" {
		return nil, invalid("parentId", "is required")
	}
	return s.ListTasks(ctx, Filter{Statuses: []Status{}, ParentID: parentID})
}
