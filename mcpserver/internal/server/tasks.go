package server

import (
	"context"
	"fmt"

	"github.com/astrotask/astrotask-go/taskstore"
)

// getTask returns one task with its context, read under one shared hold so
// the parts agree with each other.
func (t *tools) getTask(ctx context.Context, in GetTaskInput) (TaskOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return TaskOutput{}, err
	}
	var out TaskOutput
	err := t.read(ctx, func(ctx context.Context, tx taskstore.Store) error {
		task, err := tx.GetTask(ctx, in.TaskID)
		if err != nil {
			return err
		}
		c, err := taskContext(ctx, tx, task.ID)
		if err != nil {
			return err
		}
		out = TaskOutput{Task: task, Context: *c}
		return nil
	})
	return out, err
}

// taskContext gathers what an agent needs to work on task id.
func taskContext(ctx context.Context, tx taskstore.Store, id string) (*TaskContext, error) {
	var c TaskContext
	var err error
	if c.Subtasks, err = tx.ListSubtasks(ctx, id); err != nil {
		return nil, err
	}
	if c.Dependencies, err = tx.GetTaskDependencies(ctx, id); err != nil {
		return nil, err
	}
	if c.Dependents, err = tx.GetTaskDependents(ctx, id); err != nil {
		return nil, err
	}
	if c.ContextSlices, err = tx.ListContextSlices(ctx, id); err != nil {
		return nil, err
	}
	c.BlockedBy = []string{}
	for _, d := range c.Dependencies {
		if d.Status != taskstore.StatusDone {
			c.BlockedBy = append(c.BlockedBy, d.ID)
		}
	}
	c.IsBlocked = len(c.BlockedBy) > 0
	c.Subtasks = nonNil(c.Subtasks)
	c.Dependencies = nonNil(c.Dependencies)
	c.Dependents = nonNil(c.Dependents)
	c.ContextSlices = nonNil(c.ContextSlices)
	return &c, nil
}

// listTasks lists tasks through the store's Filter.
func (t *tools) listTasks(ctx context.Context, in ListTasksInput) (TasksOutput, error) {
	f := taskstore.Filter{ParentID: in.ParentID, IncludeProjectRoot: in.IncludeProjectRoot}
	if in.Statuses != nil {
		f.Statuses = make([]taskstore.Status, 0, len(in.Statuses))
		for i, s := range in.Statuses {
			st, err := parseStatus(fmt.Sprintf("statuses[%d]", i), s)
			if err != nil {
				return TasksOutput{}, err
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	tasks, err := t.store.ListTasks(ctx, f)
	if err != nil {
		return TasksOutput{}, err
	}
	return TasksOutput{Tasks: nonNil(tasks), Count: len(tasks)}, nil
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
		out = UpdateStatusOutput{Task: task, Updated: nonNil(changed),
			Message: fmt.Sprintf("task %s is %s (%d %s updated)", task.ID, task.Status, len(changed), plural(len(changed), "task"))}
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
	return DeleteTaskOutput{TaskID: in.TaskID, Deleted: n,
		Message: fmt.Sprintf("deleted %d %s", n, plural(n, "task"))}, nil
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
	return ContextSliceOutput{ContextSlice: c, Message: fmt.Sprintf("added %s context to task %s", c.ContextType, c.TaskID)}, nil
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
	return DependencyOutput{Dependency: d,
		Message: fmt.Sprintf("task %s now depends on %s", d.DependentTaskID, d.DependencyTaskID)}, nil
}

// removeDependency removes a dependency.
func (t *tools) removeDependency(ctx context.Context, in DependencyInput) (RemoveDependencyOutput, error) {
	if err := checkPair(in); err != nil {
		return RemoveDependencyOutput{}, err
	}
	if err := t.store.RemoveTaskDependency(ctx, in.DependentTaskID, in.DependencyTaskID); err != nil {
		return RemoveDependencyOutput{}, err
	}
	return RemoveDependencyOutput{DependentTaskID: in.DependentTaskID, DependencyTaskID: in.DependencyTaskID,
		Message: fmt.Sprintf("task %s no longer depends on %s", in.DependentTaskID, in.DependencyTaskID)}, nil
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

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
