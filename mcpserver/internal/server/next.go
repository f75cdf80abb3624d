package server

import (
	"cmp"
	"context"
	"slices"

	"github.com/astrotask/astrotask-go/taskstore"
)

// nextFilter narrows getNextTask. The zero value means the store's own
// choice of next task.
type nextFilter struct {
	status   taskstore.Status // "" means pending, as for the store's NextTask
	minScore int              // -1 means no minimum
}

func (t *tools) getNextTask(ctx context.Context, in GetNextTaskInput) (NextTaskOutput, error) {
	f, err := parseNextFilter(in)
	if err != nil {
		return NextTaskOutput{}, err
	}
	var out NextTaskOutput
	err = t.read(ctx, func(ctx context.Context, tx taskstore.Store) error {
		task, err := pickNext(ctx, tx, in.ParentTaskID, f)
		if err != nil || task == nil {
			return err
		}
		view := viewTask(*task)
		c, err := taskContext(ctx, tx, view, 0)
		if err != nil {
			return err
		}
		out = NextTaskOutput{Task: &view, Context: c}
		return nil
	})
	if err != nil {
		return NextTaskOutput{}, err
	}
	return out, nil
}

func parseNextFilter(in GetNextTaskInput) (nextFilter, error) {
	f := nextFilter{minScore: -1}
	if in.Status != "" {
		st, err := parseStatus("status", in.Status)
		if err != nil {
			return f, err
		}
		f.status = st
	}
	if in.PriorityScore != nil {
		if err := checkScore("priorityScore", *in.PriorityScore); err != nil {
			return f, err
		}
		f.minScore = *in.PriorityScore
	}
	if in.Priority != "" {
		floor, err := levelFloor("priority", in.Priority)
		if err != nil {
			return f, err
		}
		f.minScore = max(f.minScore, floor)
	}
	return f, nil
}

// pickNext returns the next task below parentID that f admits, or nil.
// Without a status filter it is the store's NextTask, if its priority is
// f's minimum or more; with one it walks the tree and applies the same rule
// to the tasks in that status: not blocked by a dependency, not closed
// through an ancestor, highest priority first, then oldest first.
func pickNext(ctx context.Context, tx taskstore.Store, parentID string, f nextFilter) (*taskstore.Task, error) {
	if f.status == "" {
		// The store's rules, which claimNextTask follows too: a task whose
		// lease has run out is offered again. The highest-priority ready
		// task is below the minimum only when every ready task is.
		next, err := tx.NextTask(ctx, parentID)
		if err != nil || next == nil || next.PriorityScore >= f.minScore {
			return next, err
		}
		return nil, nil
	}
	root, err := tx.TaskTree(ctx, parentID, 0)
	if err != nil {
		return nil, err
	}
	var candidates []taskstore.Task
	var walk func(n *taskstore.TreeNode)
	walk = func(n *taskstore.TreeNode) {
		for _, c := range n.Children {
			if f.admits(c) {
				candidates = append(candidates, c.Task)
			}
			walk(c)
		}
	}
	walk(root)
	if len(candidates) == 0 {
		return nil, nil
	}
	best := slices.MinFunc(candidates, func(a, b taskstore.Task) int {
		return cmp.Or(
			cmp.Compare(b.PriorityScore, a.PriorityScore),
			a.CreatedAt.Compare(b.CreatedAt),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return &best, nil
}

// admits reports whether n is a ready task that f selects.
func (f nextFilter) admits(n *taskstore.TreeNode) bool {
	if n.Blocked || n.Task.ID == taskstore.ProjectRootID {
		return false
	}
	switch n.EffectiveStatus {
	case taskstore.StatusDone, taskstore.StatusCancelled, taskstore.StatusArchived:
		return false
	}
	if f.status != "" {
		if n.Task.Status != f.status {
			return false
		}
	} else if n.Task.Status != taskstore.StatusPending {
		return false
	}
	return n.Task.PriorityScore >= f.minScore
}
