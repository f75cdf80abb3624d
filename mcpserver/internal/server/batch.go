package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/astrotask/astrotask-go/taskstore"
)

// DetailsTitle and DetailsType name the context slice that holds an addTasks
// task's details.
const (
	DetailsTitle = "Details"
	DetailsType  = "implementation"
)

// addTasks creates a batch atomically. Tasks with details get a context
// slice in the same transaction, so a failure leaves nothing behind.
func (t *tools) addTasks(ctx context.Context, in AddTasksInput) (AddTasksOutput, error) {
	batch, err := toBatch(in.Tasks)
	if err != nil {
		return AddTasksOutput{}, err
	}
	var created []taskstore.Task
	add := func(ctx context.Context, s taskstore.Store) error {
		tasks, err := s.AddTasks(ctx, batch)
		if err != nil {
			return err
		}
		for i, nt := range in.Tasks {
			if nt.Details == "" {
				continue
			}
			_, err := s.AddContextSlice(ctx, taskstore.NewContextSlice{
				TaskID: tasks[i].ID, Title: DetailsTitle, Description: nt.Details, ContextType: DetailsType,
			})
			if err != nil {
				return fmt.Errorf("tasks[%d].details: %w", i, err)
			}
		}
		created = tasks
		return nil
	}
	if hasDetails(in.Tasks) {
		err = t.store.Transaction(ctx, add)
	} else {
		err = add(ctx, t.store)
	}
	if err != nil {
		return AddTasksOutput{}, err
	}
	return createdOutput(created), nil
}

// createdOutput shows the created tasks as summaries while they fit the
// answer budget, and the rest by ID.
func createdOutput(created []taskstore.Task) AddTasksOutput {
	budget := AnswerBudget - 100
	for _, t := range created {
		budget -= estimateJSON(t.ID) + 1
	}
	var out AddTasksOutput
	var cut int
	out.Tasks, cut = fit(created, func(int) bool { return false }, len(created), &budget)
	for _, t := range created[len(created)-cut:] {
		out.MoreIDs = append(out.MoreIDs, t.ID)
	}
	return out
}

func hasDetails(tasks []NewTaskInput) bool {
	for _, nt := range tasks {
		if nt.Details != "" {
			return true
		}
	}
	return false
}

// toBatch validates the batch's shape (size, indices, enumerations) and
// converts it; the store validates the rest.
func toBatch(in []NewTaskInput) ([]taskstore.BatchTask, error) {
	if len(in) == 0 || len(in) > MaxBatch {
		return nil, invalid("tasks", "need 1 to %d tasks, got %d", MaxBatch, len(in))
	}
	batch := make([]taskstore.BatchTask, len(in))
	for i, nt := range in {
		bt, err := toBatchTask(i, nt)
		if err != nil {
			return nil, err
		}
		batch[i] = bt
	}
	return batch, nil
}

func toBatchTask(i int, nt NewTaskInput) (taskstore.BatchTask, error) {
	field := func(name string) string { return fmt.Sprintf("tasks[%d].%s", i, name) }
	bt := taskstore.BatchTask{NewTask: taskstore.NewTask{
		ParentID: nt.ParentTaskID, Title: nt.Title, Description: nt.Description,
	}}
	if nt.Status != "" {
		st, err := parseStatus(field("status"), nt.Status)
		if err != nil {
			return bt, err
		}
		bt.Status = st
	}
	switch {
	case nt.PriorityScore != nil:
		if err := checkScore(field("priorityScore"), *nt.PriorityScore); err != nil {
			return bt, err
		}
		bt.PriorityScore = new(*nt.PriorityScore)
	case nt.Priority != "":
		score, err := levelScore(field("priority"), nt.Priority)
		if err != nil {
			return bt, err
		}
		bt.PriorityScore = &score
	}
	if nt.ParentIndex != nil {
		if nt.ParentTaskID != "" {
			return bt, invalid(field("parentIndex"), "set parentIndex or parentTaskId, not both")
		}
		if p := *nt.ParentIndex; p < 0 || p >= i {
			return bt, invalid(field("parentIndex"), "%d does not name an earlier task of the batch", p)
		}
		bt.ParentIndex = new(*nt.ParentIndex)
	}
	for _, d := range nt.DependsOn {
		if d < 0 || d >= i {
			return bt, invalid(field("dependsOn"), "%d does not name an earlier task of the batch", d)
		}
	}
	// A dependency named twice is one dependency.
	bt.DependsOn = slices.Compact(slices.Sorted(slices.Values(nt.DependsOn)))
	bt.DependsOnIDs = slices.Compact(slices.Sorted(slices.Values(nt.DependsOnIDs)))
	return bt, nil
}
