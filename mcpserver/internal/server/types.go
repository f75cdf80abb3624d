package server

import "github.com/astrotask/astrotask-go/taskstore"

// The tool inputs. Field names follow the reference Astrotask MCP server so
// that existing agent prompts keep working. Unknown fields are ignored, as
// the reference server ignores them.

// GetNextTaskInput is the input of getNextTask.
type GetNextTaskInput struct {
	ParentTaskID  string `json:"parentTaskId,omitempty" jsonschema:"limit the search to the tasks below this task (the whole tree when empty)"`
	Status        string `json:"status,omitempty" jsonschema:"only consider tasks with this status"`
	PriorityScore *int   `json:"priorityScore,omitempty" jsonschema:"only consider tasks whose priority score is at least this (0-100)"`
	Priority      string `json:"priority,omitempty" jsonschema:"only consider tasks at or above this priority level: low, medium or high"`
}

// GetTaskInput is the input of getTask.
type GetTaskInput struct {
	TaskID string `json:"taskId" jsonschema:"ID of the task"`
}

// NewTaskInput is one task of an addTasks batch.
type NewTaskInput struct {
	Title         string   `json:"title" jsonschema:"short title of the task (1-200 characters)"`
	Description   string   `json:"description,omitempty" jsonschema:"what the task is about (up to 2000 characters)"`
	ParentTaskID  string   `json:"parentTaskId,omitempty" jsonschema:"ID of an existing task to create this task under"`
	ParentIndex   *int     `json:"parentIndex,omitempty" jsonschema:"zero-based index of an earlier task of this batch to create this task under"`
	DependsOn     []int    `json:"dependsOn,omitempty" jsonschema:"zero-based indices of earlier tasks of this batch that must be done before this one can start"`
	DependsOnIDs  []string `json:"dependsOnTaskIds,omitempty" jsonschema:"IDs of existing tasks that must be done before this one can start"`
	PriorityScore *int     `json:"priorityScore,omitempty" jsonschema:"priority score 0-100 (default 50; 0 stays 0)"`
	Priority      string   `json:"priority,omitempty" jsonschema:"priority level low, medium or high (used when priorityScore is not given)"`
	Status        string   `json:"status,omitempty" jsonschema:"initial status (default pending)"`
	Details       string   `json:"details,omitempty" jsonschema:"implementation details, stored as a context slice of type implementation"`
}

// AddTasksInput is the input of addTasks.
type AddTasksInput struct {
	Tasks []NewTaskInput `json:"tasks" jsonschema:"the tasks to create (1-50), in order; later tasks may refer to earlier ones by index"`
}

// ListTasksInput is the input of listTasks.
type ListTasksInput struct {
	Statuses           []string `json:"statuses,omitempty" jsonschema:"statuses to list (default pending and in-progress; an empty list means every status)"`
	ParentID           string   `json:"parentId,omitempty" jsonschema:"list only the direct children of this task"`
	IncludeProjectRoot bool     `json:"includeProjectRoot,omitempty" jsonschema:"include the hidden project root task"`
}

// AddTaskContextInput is the input of addTaskContext.
type AddTaskContextInput struct {
	TaskID      string `json:"taskId" jsonschema:"ID of the task"`
	Title       string `json:"title" jsonschema:"short title of the context slice"`
	Description string `json:"description" jsonschema:"the context itself: findings, decisions, notes"`
	ContextType string `json:"contextType,omitempty" jsonschema:"kind of context, e.g. implementation, research, complexity, requirements, testing, acceptance (default general)"`
}

// DependencyInput is the input of addDependency and removeDependency.
type DependencyInput struct {
	DependentTaskID  string `json:"dependentTaskId" jsonschema:"ID of the task that waits"`
	DependencyTaskID string `json:"dependencyTaskId" jsonschema:"ID of the task that must be done first"`
}

// UpdateStatusInput is the input of updateStatus.
type UpdateStatusInput struct {
	TaskID  string `json:"taskId" jsonschema:"ID of the task"`
	Status  string `json:"status" jsonschema:"the new status"`
	Cascade bool   `json:"cascade,omitempty" jsonschema:"apply the status to every descendant too; cancelled and archived descendants never become done"`
	Agent   string `json:"agent,omitempty" jsonschema:"your agent name (default: this session's)"`
	Force   bool   `json:"force,omitempty" jsonschema:"override another agent's claim (recorded)"`
}

// ClaimTaskInput is the input of claimTask and renewClaim.
type ClaimTaskInput struct {
	TaskID       string `json:"taskId" jsonschema:"ID of the task"`
	Agent        string `json:"agent,omitempty" jsonschema:"your agent name (default: this session's)"`
	LeaseSeconds *int   `json:"leaseSeconds,omitempty" jsonschema:"how long the claim lasts (default 1800)"`
}

// ClaimNextTaskInput is the input of claimNextTask.
type ClaimNextTaskInput struct {
	ParentTaskID  string `json:"parentTaskId,omitempty" jsonschema:"only claim below this task"`
	PriorityScore *int   `json:"priorityScore,omitempty" jsonschema:"minimum priority score"`
	Priority      string `json:"priority,omitempty" jsonschema:"minimum priority level"`
	Agent         string `json:"agent,omitempty" jsonschema:"your agent name (default: this session's)"`
	LeaseSeconds  *int   `json:"leaseSeconds,omitempty" jsonschema:"how long the claim lasts (default 1800)"`
}

// ReleaseClaimInput is the input of releaseClaim.
type ReleaseClaimInput struct {
	TaskID string `json:"taskId" jsonschema:"ID of the task"`
	Agent  string `json:"agent,omitempty" jsonschema:"your agent name (default: this session's)"`
	Force  bool   `json:"force,omitempty" jsonschema:"release another agent's claim (recorded)"`
}

// DeleteTaskInput is the input of deleteTask.
type DeleteTaskInput struct {
	TaskID  string `json:"taskId" jsonschema:"ID of the task"`
	Cascade bool   `json:"cascade,omitempty" jsonschema:"delete every descendant too; without it a task with subtasks is not deleted"`
	Force   bool   `json:"force,omitempty" jsonschema:"delete even if other tasks depend on it, dropping those dependencies"`
}

// LockStatusInput is the input of lockStatus, which takes no arguments.
type LockStatusInput struct{}

// The tool outputs. Tasks, context slices and dependencies use the taskstore
// JSON form, the same as `astro ... --json` prints.

// NextTaskOutput is the output of getNextTask and claimNextTask. Task is
// null when no task is available.
type NextTaskOutput struct {
	Task    *taskstore.Task `json:"task"`
	Context *TaskContext    `json:"context,omitempty"`
	Message string          `json:"message"`
}

// TaskContext is what an agent needs to work on a task.
type TaskContext struct {
	Subtasks      []taskstore.Task         `json:"subtasks"`
	Dependencies  []taskstore.Task         `json:"dependencies"`
	Dependents    []taskstore.Task         `json:"dependents"`
	IsBlocked     bool                     `json:"isBlocked"`
	BlockedBy     []string                 `json:"blockedBy"`
	ContextSlices []taskstore.ContextSlice `json:"contextSlices"`
}

// TaskOutput is the output of getTask.
type TaskOutput struct {
	Task    taskstore.Task `json:"task"`
	Context TaskContext    `json:"context"`
}

// TasksOutput is the output of addTasks and listTasks.
type TasksOutput struct {
	Tasks   []taskstore.Task `json:"tasks"`
	Count   int              `json:"count"`
	Message string           `json:"message,omitempty"`
}

// ContextSliceOutput is the output of addTaskContext.
type ContextSliceOutput struct {
	ContextSlice taskstore.ContextSlice `json:"contextSlice"`
	Message      string                 `json:"message"`
}

// DependencyOutput is the output of addDependency.
type DependencyOutput struct {
	Dependency taskstore.Dependency `json:"dependency"`
	Message    string               `json:"message"`
}

// RemoveDependencyOutput is the output of removeDependency.
type RemoveDependencyOutput struct {
	DependentTaskID  string `json:"dependentTaskId"`
	DependencyTaskID string `json:"dependencyTaskId"`
	Message          string `json:"message"`
}

// UpdateStatusOutput is the output of updateStatus: the task itself and
// every task whose status changed (the task and, with cascade, descendants).
type UpdateStatusOutput struct {
	Task    taskstore.Task   `json:"task"`
	Updated []taskstore.Task `json:"updated"`
	Message string           `json:"message"`
}

// DeleteTaskOutput is the output of deleteTask.
type DeleteTaskOutput struct {
	TaskID  string `json:"taskId"`
	Deleted int    `json:"deleted"`
	Message string `json:"message"`
}

// ClaimTaskOutput is the output of claimTask, renewClaim and releaseClaim.
type ClaimTaskOutput struct {
	Task    taskstore.Task `json:"task"`
	Message string         `json:"message"`
}
