package server

import (
	"context"
	"fmt"

	"github.com/astrotask/astrotask-go/taskstore"
)

// listTasks lists one page of tasks as summaries: at most limit of them,
// fewer when the page would go over the answer budget.
func (t *tools) listTasks(ctx context.Context, in ListTasksInput) (ListTasksOutput, error) {
	limit := DefaultPageLimit
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > MaxPageLimit {
			return ListTasksOutput{}, invalid("limit", "%d is out of range 1-%d", *in.Limit, MaxPageLimit)
		}
		limit = *in.Limit
	}
	f := taskstore.Filter{ParentID: in.ParentID, IncludeProjectRoot: in.IncludeProjectRoot, Cursor: in.Cursor, Limit: limit}
	if in.Statuses != nil {
		f.Statuses = make([]taskstore.Status, 0, len(in.Statuses))
		for i, s := range in.Statuses {
			st, err := parseStatus(fmt.Sprintf("statuses[%d]", i), s)
			if err != nil {
				return ListTasksOutput{}, err
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	p, err := t.store.ListPage(ctx, f)
	if err != nil {
		return ListTasksOutput{}, err
	}
	budget := AnswerBudget - 100
	tasks, cut := fit(p.Tasks, func(i int) bool { return p.Blocked[i] }, limit, &budget)
	p = p.Truncate(len(p.Tasks) - cut)
	return ListTasksOutput{Tasks: tasks, Remaining: p.Remaining, NextCursor: p.NextCursor()}, nil
}

// updateStatus sets a status and reports the task and every task changed.
func (t *tools) updateStatus(ctx context.Context, in UpdateStatusInput) (UpdateStatusOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return UpdateStatusOutput{}, err
	}
	st, err := parseStatus("status", in.Status)
	if err != nil {
		return UpdateStatusOutput{}, err
	}
	var out UpdateStatusOutput
	err = t.store.Transaction(ctx, func(ctx context.Context, tx taskstore.Store) error {
		changed, err := tx.UpdateTaskStatus(ctx, in.TaskID, st,
			taskstore.StatusOptions{Cascade: in.Cascade, Agent: t.agent(ctx, in.Agent), Force: in.Force})
		if err != nil {
			return err
		}
		task, err := tx.GetTask(ctx, in.TaskID)
		if err != nil {
			return err
		}
		blocked, err := isBlocked(ctx, tx, task.ID)
		if err != nil {
			return err
		}
		out = UpdateStatusOutput{Task: summary(task, blocked), AlsoUpdated: []string{}}
		budget := AnswerBudget - estimateJSON(out) - 50
		full := false
		for _, c := range changed {
			if c.ID == task.ID {
				continue
			}
			out.AlsoUpdatedCount++
			cost := estimateJSON(c.ID) + 1
			full = full || cost > budget
			if !full {
				budget -= cost
				out.AlsoUpdated = append(out.AlsoUpdated, c.ID)
			}
		}
		return nil
	})
	return out, err
}

// deleteTask deletes a task and, with cascade, its descendants.
func (t *tools) deleteTask(ctx context.Context, in DeleteTaskInput) (DeleteTaskOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return DeleteTaskOutput{}, err
	}
	n, err := t.store.DeleteTask(ctx, in.TaskID, taskstore.DeleteOptions{Cascade: in.Cascade, Force: in.Force})
	if err != nil {
		return DeleteTaskOutput{}, err
	}
	return DeleteTaskOutput{TaskID: in.TaskID, Deleted: n}, nil
}

// addTaskContext attaches a context slice to a task.
func (t *tools) addTaskContext(ctx context.Context, in AddTaskContextInput) (ContextSliceOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return ContextSliceOutput{}, err
	}
	c, err := t.store.AddContextSlice(ctx, taskstore.NewContextSlice{Agent: t.agent(ctx, ""),
		TaskID: in.TaskID, Title: in.Title, Description: in.Description, ContextType: in.ContextType,
	})
	if err != nil {
		return ContextSliceOutput{}, err
	}
	return ContextSliceOutput{ID: c.ID, CreatedAt: c.CreatedAt}, nil
}

// addDependency records that one task waits for another.
func (t *tools) addDependency(ctx context.Context, in DependencyInput) (DependencyOutput, error) {
	if err := checkPair(in); err != nil {
		return DependencyOutput{}, err
	}
	d, err := t.store.AddTaskDependency(ctx, in.DependentTaskID, in.DependencyTaskID)
	if err != nil {
		return DependencyOutput{}, err
	}
	return DependencyOutput{Dependency: d}, nil
}

// removeDependency removes a dependency.
func (t *tools) removeDependency(ctx context.Context, in DependencyInput) (RemoveDependencyOutput, error) {
	if err := checkPair(in); err != nil {
		return RemoveDependencyOutput{}, err
	}
	if err := t.store.RemoveTaskDependency(ctx, in.DependentTaskID, in.DependencyTaskID); err != nil {
		return RemoveDependencyOutput{}, err
	}
	return RemoveDependencyOutput(in), nil
}

func checkPair(in DependencyInput) error {
	if err := requireID("dependentTaskId", in.DependentTaskID); err != nil {
		return err
	}
	return requireID("dependencyTaskId", in.DependencyTaskID)
}

// parseStatus parses a status argument, naming field in the error.
func parseStatus(field, s string) (taskstore.Status, error) {
	st, err := taskstore.ParseStatus(s)
	if err != nil {
		return "", invalid(field, "%q is not a status (want one of %s)", s, statusList())
	}
	return st, nil
}

func statusList() string {
	var s string
	for i, st := range taskstore.Statuses {
		if i > 0 {
			s += ", "
		}
		s += string(st)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
