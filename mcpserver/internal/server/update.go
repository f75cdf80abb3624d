package server

import (
	"context"

	"github.com/astrotask/astrotask-go/taskstore"
)

// updateTask edits a task's title, description, priority or parent, with
// the store's validation: a move under the task itself or one of its
// descendants is refused. A write by the holder of the task's lease renews
// it.
func (t *tools) updateTask(ctx context.Context, in UpdateTaskInput) (ClaimTaskOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return ClaimTaskOutput{}, err
	}
	p := taskstore.TaskPatch{Title: in.Title, Description: in.Description, ParentID: in.ParentTaskID, Agent: t.agent(ctx, in.Agent)}
	if in.PriorityScore != nil {
		if in.Priority != "" {
			return ClaimTaskOutput{}, invalid("priority", "give priorityScore or priority, not both")
		}
		if err := checkScore("priorityScore", *in.PriorityScore); err != nil {
			return ClaimTaskOutput{}, err
		}
		p.PriorityScore = in.PriorityScore
	}
	if in.Priority != "" {
		n, err := levelScore("priority", in.Priority)
		if err != nil {
			return ClaimTaskOutput{}, err
		}
		p.PriorityScore = &n
	}
	if in.ParentTaskID != nil && *in.ParentTaskID != "" {
		if err := requireID("parentTaskId", *in.ParentTaskID); err != nil {
			return ClaimTaskOutput{}, err
		}
	}
	if p.Title == nil && p.Description == nil && p.PriorityScore == nil && p.ParentID == nil {
		return ClaimTaskOutput{}, invalid("arguments", "nothing to update: give at least one of title, description, priorityScore, priority, parentTaskId")
	}
	return t.summarize(ctx, func(ctx context.Context, tx taskstore.Store) (taskstore.Task, error) {
		return tx.UpdateTask(ctx, in.TaskID, p)
	})
}
