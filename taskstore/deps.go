package taskstore

import (
	"context"
	"sort"
)

func (c *conn) insertDependency(ctx context.Context, dependent, dependency string) error {
	_, err := c.exec(ctx, "INSERT INTO task_dependencies (dependent_task_id, dependency_task_id, created_at) VALUES (?, ?, ?)",
		dependent, dependency, c.arg(c.now))
	return err
}

func checkDependencyIDs(dependent, dependency string) error {
	if err := ValidateTaskID(dependent); err != nil {
		return invalid("dependentId", "%s", err.(*InvalidError).Reason)
	}
	if err := ValidateTaskID(dependency); err != nil {
		return invalid("dependencyId", "%s", err.(*InvalidError).Reason)
	}
	if dependent == ProjectRootID || dependency == ProjectRootID {
		return invalid("dependency", "the project root cannot take part in dependencies")
	}
	if dependent == dependency {
		return invalid("dependency", "task %s cannot depend on itself", dependent)
	}
	return nil
}

// AddTaskDependency records that dependent cannot start until dependency is
// done. It fails with ErrNotFound if either task is missing, ErrConflict if
// the dependency exists, and ErrCycle (a *CycleError naming the whole
// cycle) if dependency already depends on dependent, directly or not.
func (s *sqlStore) AddTaskDependency(ctx context.Context, dependent, dependency string) (Dependency, error) {
	if err := checkDependencyIDs(dependent, dependency); err != nil {
		return Dependency{}, err
	}
	var dep Dependency
	err := s.write(ctx, "add dependency", func(c *conn) error {
		if err := c.mustExist(ctx, "task", dependent); err != nil {
			return err
		}
		if err := c.mustExist(ctx, "task", dependency); err != nil {
			return err
		}
		var one int
		found, err := c.scan(ctx, "SELECT 1 FROM task_dependencies WHERE dependent_task_id = ? AND dependency_task_id = ?",
			[]any{dependent, dependency}, &one)
		if err != nil {
			return err
		}
		if found {
			return &ConflictError{ID: dependent, Reason: "task " + dependent + " already depends on " + dependency}
		}
		if err := c.checkCycle(ctx, dependent, dependency); err != nil {
			return err
		}
		dep = Dependency{DependentTaskID: dependent, DependencyTaskID: dependency, CreatedAt: c.now}
		return c.insertDependency(ctx, dependent, dependency)
	})
	return dep, err
}

// checkCycle fails with a *CycleError if dependency already reaches
// dependent through existing dependencies. Reachability is one recursive
// query; the path is rebuilt only when there is a cycle to report.
func (c *conn) checkCycle(ctx context.Context, dependent, dependency string) error {
	var one int
	found, err := c.scan(ctx, `WITH RECURSIVE reach(id) AS (
			SELECT CAST(? AS TEXT)
			UNION
			SELECT d.dependency_task_id FROM task_dependencies d JOIN reach ON d.dependent_task_id = reach.id
		)
		SELECT 1 FROM reach WHERE id = ? LIMIT 1`, []any{dependency, dependent}, &one)
	if err != nil || !found {
		return err
	}
	path, err := c.dependencyPath(ctx, dependency, dependent)
	if err != nil {
		return err
	}
	return &CycleError{Path: append([]string{dependent}, path...)}
}

// dependencyPath returns the shortest chain from -> ... -> to along
// "depends on" edges, found breadth first.
func (c *conn) dependencyPath(ctx context.Context, from, to string) ([]string, error) {
	prev := map[string]string{from: ""}
	frontier := []string{from}
	for len(frontier) > 0 {
		var next []string
		for _, id := range frontier {
			deps, err := c.strings(ctx, "SELECT dependency_task_id FROM task_dependencies WHERE dependent_task_id = ? ORDER BY dependency_task_id", id)
			if err != nil {
				return nil, err
			}
			for _, d := range deps {
				if _, seen := prev[d]; seen {
					continue
				}
				prev[d] = id
				if d == to {
					return unwind(prev, from, to), nil
				}
				next = append(next, d)
			}
		}
		frontier = next
	}
	return []string{from, to}, nil // unreachable after the query said otherwise
}

func unwind(prev map[string]string, from, to string) []string {
	path := []string{to}
	for at := to; at != from; {
		at = prev[at]
		path = append(path, at)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

// strings runs a query returning one text column.
func (c *conn) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, translate(c.d, c.op, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(c.d, c.op, err)
	}
	return out, nil
}

// RemoveTaskDependency removes the dependency; ErrNotFound if absent.
func (s *sqlStore) RemoveTaskDependency(ctx context.Context, dependent, dependency string) error {
	if err := checkDependencyIDs(dependent, dependency); err != nil {
		return err
	}
	return s.write(ctx, "remove dependency", func(c *conn) error {
		n, err := c.execN(ctx, "DELETE FROM task_dependencies WHERE dependent_task_id = ? AND dependency_task_id = ?", dependent, dependency)
		if err != nil {
			return err
		}
		if n == 0 {
			return &NotFoundError{Kind: "dependency", ID: dependent + " -> " + dependency}
		}
		return nil
	})
}

// GetTaskDependencies returns the tasks that id depends on, in creation
// order.
func (s *sqlStore) GetTaskDependencies(ctx context.Context, id string) ([]Task, error) {
	return s.related(ctx, "get dependencies", id, `SELECT `+taskCols+` FROM task_dependencies d
		JOIN tasks t ON t.id = d.dependency_task_id WHERE d.dependent_task_id = ? ORDER BY t.seq`)
}

// GetTaskDependents returns the tasks that depend on id, in creation order.
func (s *sqlStore) GetTaskDependents(ctx context.Context, id string) ([]Task, error) {
	return s.related(ctx, "get dependents", id, `SELECT `+taskCols+` FROM task_dependencies d
		JOIN tasks t ON t.id = d.dependent_task_id WHERE d.dependency_task_id = ? ORDER BY t.seq`)
}

func (s *sqlStore) related(ctx context.Context, op, id, query string) ([]Task, error) {
	if err := ValidateTaskID(id); err != nil {
		return nil, err
	}
	var out []Task
	err := s.read(ctx, op, func(c *conn) error {
		if err := c.mustExist(ctx, "task", id); err != nil {
			return err
		}
		var err error
		out, err = c.tasks(ctx, query, id)
		return err
	})
	return out, err
}

// findCycle returns one cycle in the graph edges (dependent -> its
// dependencies), or nil. The search is iterative and visits nodes in sorted
// order, so the cycle reported is deterministic.
func findCycle(edges map[string][]string) []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	nodes := make([]string, 0, len(edges))
	for n := range edges {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	type frame struct {
		id   string
		next int
	}
	for _, start := range nodes {
		if color[start] != white {
			continue
		}
		stack := []frame{{id: start}}
		color[start] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next >= len(edges[top.id]) {
				color[top.id] = black
				stack = stack[:len(stack)-1]
				continue
			}
			n := edges[top.id][top.next]
			top.next++
			switch color[n] {
			case grey:
				var cycle []string
				for i := range stack {
					if stack[i].id == n {
						for _, f := range stack[i:] {
							cycle = append(cycle, f.id)
						}
						break
					}
				}
				return append(cycle, n)
			case white:
				color[n] = grey
				stack = append(stack, frame{id: n})
			}
		}
	}
	return nil
}
