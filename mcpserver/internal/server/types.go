package server

import (
	"time"

	"github.com/astrotask/astrotask-go/taskstore"
)

// The tool inputs. Field names follow the reference Astrotask MCP server so
// that existing agent prompts keep working. Unknown fields are ignored, as
// the reference server ignores them.

// GetNextTaskInput is the input of getNextTask.
type GetNextTaskInput struct {
	ParentTaskID  string `json:"parentTaskId,omitempty" jsonschema:"only below this task"`
	Status        string `json:"status,omitempty" jsonschema:"instead of pending"`
	PriorityScore *int   `json:"priorityScore,omitempty" jsonschema:"minimum score"`
	Priority      string `json:"priority,omitempty" jsonschema:"minimum level"`
}

// GetTaskInput is the input of getTask.
type GetTaskInput struct {
	TaskID      string `json:"taskId"`
	ContextSkip int    `json:"contextSkip,omitempty" jsonschema:"skip this many newest context slices"`
}

// ReadTextInput is the input of readText.
type ReadTextInput struct {
	TaskID string `json:"taskId"`
	Part   string `json:"part" jsonschema:"description, prd, contextDigest or a context slice ID"`
	Offset int    `json:"offset,omitempty" jsonschema:"in characters"`
}

// NewTaskInput is one task of an addTasks batch.
type NewTaskInput struct {
	Title         string   `json:"title"`
	Description   string   `json:"description,omitempty"`
	ParentTaskID  string   `json:"parentTaskId,omitempty"`
	ParentIndex   *int     `json:"parentIndex,omitempty" jsonschema:"index of an earlier task of this batch"`
	DependsOn     []int    `json:"dependsOn,omitempty" jsonschema:"indices of earlier tasks of this batch"`
	DependsOnIDs  []string `json:"dependsOnTaskIds,omitempty"`
	PriorityScore *int     `json:"priorityScore,omitempty" jsonschema:"default 50"`
	Priority      string   `json:"priority,omitempty" jsonschema:"if no priorityScore"`
	Status        string   `json:"status,omitempty" jsonschema:"default pending"`
	Details       string   `json:"details,omitempty" jsonschema:"becomes a context slice"`
}

// AddTasksInput is the input of addTasks.
type AddTasksInput struct {
	Tasks []NewTaskInput `json:"tasks"`
}

// UpdateTaskInput is the input of updateTask: only the fields given change.
type UpdateTaskInput struct {
	TaskID        string  `json:"taskId"`
	Title         *string `json:"title,omitempty"`
	Description   *string `json:"description,omitempty"`
	PriorityScore *int    `json:"priorityScore,omitempty"`
	Priority      string  `json:"priority,omitempty"`
	ParentTaskID  *string `json:"parentTaskId,omitempty" jsonschema:"new parent; empty for top level"`
	Agent         string  `json:"agent,omitempty"`
}

// ListTasksInput is the input of listTasks.
type ListTasksInput struct {
	Statuses           []string `json:"statuses,omitempty" jsonschema:"default pending and in-progress; [] for all"`
	ParentID           string   `json:"parentId,omitempty" jsonschema:"only its direct children"`
	IncludeProjectRoot bool     `json:"includeProjectRoot,omitempty"`
	Limit              *int     `json:"limit,omitempty" jsonschema:"default 50"`
	Cursor             string   `json:"cursor,omitempty" jsonschema:"nextCursor of the previous page"`
}

// AddTaskContextInput is the input of addTaskContext.
type AddTaskContextInput struct {
	TaskID      string `json:"taskId"`
	Title       string `json:"title"`
	Description string `json:"description"`
	ContextType string `json:"contextType,omitempty" jsonschema:"default general"`
}

// DependencyInput is the input of addDependency and removeDependency.
type DependencyInput struct {
	DependentTaskID  string `json:"dependentTaskId" jsonschema:"the task that waits"`
	DependencyTaskID string `json:"dependencyTaskId" jsonschema:"the task that must be done first"`
}

// UpdateStatusInput is the input of updateStatus.
type UpdateStatusInput struct {
	TaskID  string `json:"taskId"`
	Status  string `json:"status"`
	Cascade bool   `json:"cascade,omitempty" jsonschema:"also every descendant"`
	Agent   string `json:"agent,omitempty"`
	Force   bool   `json:"force,omitempty" jsonschema:"override another agent's lease"`
}

// ClaimTaskInput is the input of claimTask and renewClaim.
type ClaimTaskInput struct {
	TaskID       string `json:"taskId"`
	Agent        string `json:"agent,omitempty" jsonschema:"your name (default: this session's)"`
	LeaseSeconds *int   `json:"leaseSeconds,omitempty" jsonschema:"default 1800"`
}

// ClaimNextTaskInput is the input of claimNextTask.
type ClaimNextTaskInput struct {
	ParentTaskID  string `json:"parentTaskId,omitempty" jsonschema:"only below this task"`
	PriorityScore *int   `json:"priorityScore,omitempty" jsonschema:"minimum score"`
	Priority      string `json:"priority,omitempty" jsonschema:"minimum level"`
	Agent         string `json:"agent,omitempty" jsonschema:"your name (default: this session's)"`
	LeaseSeconds  *int   `json:"leaseSeconds,omitempty" jsonschema:"default 1800"`
}

// ReleaseClaimInput is the input of releaseClaim.
type ReleaseClaimInput struct {
	TaskID string `json:"taskId"`
	Agent  string `json:"agent,omitempty"`
	Force  bool   `json:"force,omitempty" jsonschema:"override another agent's lease"`
}

// DeleteTaskInput is the input of deleteTask.
type DeleteTaskInput struct {
	TaskID  string `json:"taskId"`
	Cascade bool   `json:"cascade,omitempty" jsonschema:"also its subtasks"`
	Force   bool   `json:"force,omitempty" jsonschema:"even if others depend on it"`
}

// LockStatusInput is the input of lockStatus, which takes no arguments.
type LockStatusInput struct{}

// The tool outputs. A task shown whole uses the taskstore JSON form, the
// same as `astro ... --json` prints, with long texts cut (viewTask); lists
// show TaskSummary. No answer repeats what it already holds.

// NextTaskOutput is the output of getNextTask and claimNextTask. Task is
// null when no task is available.
type NextTaskOutput struct {
	Task    *taskstore.Task `json:"task"`
	Context *TaskContext    `json:"context,omitempty"`
}

// TaskContext is what an agent needs to work on a task, within the answer
// budget: at most 20 tasks of each list, and the newest context slices
// first, as many as fit.
type TaskContext struct {
	Subtasks     []TaskSummary `json:"subtasks"`
	Dependencies []TaskSummary `json:"dependencies"`
	Dependents   []TaskSummary `json:"dependents"`
	// IsBlocked is true when a dependency is not done.
	IsBlocked     bool        `json:"isBlocked"`
	ContextSlices []SliceView `json:"contextSlices"`
	// Omitted says what was left out to stay within the budget and how to
	// read it; absent when nothing was.
	Omitted string `json:"omitted,omitempty"`
}

// SliceView is a context slice as a task's context shows it.
type SliceView struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	ContextType string    `json:"contextType"`
	CreatedAt   time.Time `json:"createdAt"`
}

// TaskOutput is the output of getTask.
type TaskOutput struct {
	Task    taskstore.Task `json:"task"`
	Context TaskContext    `json:"context"`
}

// ListTasksOutput is the output of listTasks: one page.
type ListTasksOutput struct {
	Tasks []TaskSummary `json:"tasks"`
	// Remaining counts the matching tasks after this page.
	Remaining int `json:"remaining"`
	// NextCursor continues the listing; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty"`
}

// AddTasksOutput is the output of addTasks: the created tasks in input
// order, as summaries while they fit the budget and then by ID only.
type AddTasksOutput struct {
	Tasks   []TaskSummary `json:"tasks"`
	MoreIDs []string      `json:"moreIds,omitempty"`
}

// TextOutput is the output of readText: one page of a long text.
type TextOutput struct {
	TaskID string `json:"taskId"`
	Part   string `json:"part"`
	Offset int    `json:"offset"`
	Text   string `json:"text"`
	// Length is the whole text's length in characters.
	Length int `json:"length"`
	// NextOffset continues the text; absent at its end.
	NextOffset *int `json:"nextOffset,omitempty"`
}

// ContextSliceOutput is the output of addTaskContext: the new slice's ID.
type ContextSliceOutput struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// DependencyOutput is the output of addDependency.
type DependencyOutput struct {
	Dependency taskstore.Dependency `json:"dependency"`
}

// RemoveDependencyOutput is the output of removeDependency.
type RemoveDependencyOutput struct {
	DependentTaskID  string `json:"dependentTaskId"`
	DependencyTaskID string `json:"dependencyTaskId"`
}

// UpdateStatusOutput is the output of updateStatus: the task, and with
// cascade the IDs of the descendants whose status changed too (as many as
// fit the budget; AlsoUpdatedCount counts them all).
type UpdateStatusOutput struct {
	Task             TaskSummary `json:"task"`
	AlsoUpdated      []string    `json:"alsoUpdated"`
	AlsoUpdatedCount int         `json:"alsoUpdatedCount"`
}

// DeleteTaskOutput is the output of deleteTask.
type DeleteTaskOutput struct {
	TaskID  string `json:"taskId"`
	Deleted int    `json:"deleted"`
}

// ClaimTaskOutput is the output of claimTask, renewClaim, releaseClaim and
// updateTask: the task as it is now (getTask reads it whole).
type ClaimTaskOutput struct {
	Task TaskSummary `json:"task"`
}
