// Package taskstore is the Astrotask task database: tasks, their dependencies
// and context slices, stored in embedded SQLite (or PostgreSQL), and the
// LockingStore through which every process that shares the database goes.
//
// Tasks form one tree under a hidden project root, at most MaxDepth (100)
// levels deep; a title is one line of at most MaxTitleLen characters.
package taskstore

import (
	"time"
)

// Status is the lifecycle state of a task.
type Status string

// The task statuses. A task starts pending unless told otherwise.
const (
	StatusPending    Status = "pending"
	StatusInProgress Status = "in-progress"
	StatusBlocked    Status = "blocked"
	StatusDone       Status = "done"
	StatusCancelled  Status = "cancelled"
	StatusArchived   Status = "archived"
)

// Statuses lists every valid status in lifecycle order.
var Statuses = []Status{StatusPending, StatusInProgress, StatusBlocked, StatusDone, StatusCancelled, StatusArchived}

// ProjectRootID is the ID of the hidden task under which every top-level task
// sits. It is never listed unless a Filter asks for it.
const ProjectRootID = "__PROJECT_ROOT__"

// Priority scores. Scores run from MinPriority to MaxPriority; the named
// levels map to PriorityLow, PriorityMedium and PriorityHigh.
const (
	MinPriority     = 0
	MaxPriority     = 100
	PriorityLow     = 10
	PriorityMedium  = 50
	PriorityHigh    = 80
	DefaultPriority = PriorityMedium
)

// Field limits.
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 2000
)

// Task is one unit of work. Top-level tasks have ParentID ProjectRootID; the
// project root itself has an empty ParentID.
type Task struct {
	ID            string    `json:"id"`
	ParentID      string    `json:"parentId,omitempty"`
	Title         string    `json:"title"`
	Description   string    `json:"description,omitempty"`
	Status        Status    `json:"status"`
	PriorityScore int       `json:"priorityScore"`
	PRD           string    `json:"prd,omitempty"`
	ContextDigest string    `json:"contextDigest,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	// Assignee is the agent that claimed the task last ("" when nobody
	// has, or the claim was anonymous); it stays after the task is done.
	Assignee string `json:"assignee,omitempty"`
	// ClaimedAt is when Assignee claimed the task.
	ClaimedAt *time.Time `json:"claimedAt,omitempty"`
	// LeaseExpiresAt is when the running claim ends; nil when no claim
	// runs. Once it has passed, the task can be claimed again.
	LeaseExpiresAt *time.Time `json:"leaseExpiresAt,omitempty"`
	// ForcedBy and ForcedAt record the last change that overrode another
	// agent's running lease.
	ForcedBy string     `json:"forcedBy,omitempty"`
	ForcedAt *time.Time `json:"forcedAt,omitempty"`
}

// NewTask is the input of AddTask.
type NewTask struct {
	// ParentID is the parent task; "" means top level (under ProjectRootID).
	ParentID    string
	Title       string
	Description string
	// Status "" means StatusPending.
	Status Status
	// PriorityScore nil means DefaultPriority; a score of 0 stays 0.
	PriorityScore *int
	PRD           string
	ContextDigest string
}

// BatchTask is one element of an AddTasks batch.
type BatchTask struct {
	NewTask
	// ParentIndex, when set, names an earlier task of the same batch as the
	// parent and overrides NewTask.ParentID.
	ParentIndex *int
	// DependsOn lists earlier tasks of the same batch that this task depends on.
	DependsOn []int
	// DependsOnIDs lists existing tasks that this task depends on.
	DependsOnIDs []string
}

// TaskPatch is the input of UpdateTask: only the fields that are set change.
type TaskPatch struct {
	Title         *string
	Description   *string
	Status        *Status
	PriorityScore *int
	PRD           *string
	ContextDigest *string
	// ParentID moves the task; "" means top level. A move under one of the
	// task's own descendants is refused.
	ParentID *string
	// Agent is who makes the change: a change by the holder of the task's
	// running lease renews it, and a status change by anyone else is
	// refused with a *ClaimedError unless Force is set.
	Agent string
	// Force overrides another agent's running lease; the change is
	// recorded in the task's ForcedBy and ForcedAt.
	Force bool
}

// Filter selects tasks for ListTasks and ListPage.
type Filter struct {
	// Statuses nil means pending and in-progress only; an empty non-nil
	// slice means every status.
	Statuses []Status
	// ParentID "" means every task in the tree; otherwise only the direct
	// children of that task.
	ParentID string
	// IncludeProjectRoot lists the hidden project root task too.
	IncludeProjectRoot bool
	// Cursor continues a listing after the last task of an earlier page
	// (Page.NextCursor); "" starts at the first task. Pages follow creation
	// order, so paging reads every task that existed when the first page
	// was read exactly once, whatever is added meanwhile.
	Cursor string
	// Limit is the most tasks to return; 0 means no limit.
	Limit int
}

// DeleteOptions controls DeleteTask.
type DeleteOptions struct {
	// Cascade deletes every descendant too. Without it, deleting a task that
	// has children is refused with ErrConflict.
	Cascade bool
	// Force deletes even when tasks outside what is deleted depend on it,
	// dropping those dependencies (which may leave the dependents free to
	// start). Without it such a delete is refused with ErrConflict naming
	// the dependents.
	Force bool
}

// StatusOptions controls UpdateTaskStatus.
type StatusOptions struct {
	// Cascade applies the status to every descendant as well. Cancelled and
	// archived descendants are left as they are when the new status is
	// done, pending, in-progress or blocked, so cancelled work never
	// becomes done; done and archived descendants are left as they are
	// when the new status is cancelled. A descendant left as it is shields
	// its own subtree. Archived applies to the whole subtree.
	Cascade bool
	// Agent is who makes the change. While another agent's lease on the
	// task runs, the change is refused with a *ClaimedError unless Force
	// is set; the holder's own change renews its lease. "" is an
	// anonymous caller, refused like any other agent.
	Agent string
	// Force overrides another agent's running lease; the change is
	// recorded in the task's ForcedBy and ForcedAt.
	Force bool
}

// ContextSlice is a piece of context attached to a task.
type ContextSlice struct {
	ID          string    `json:"id"`
	TaskID      string    `json:"taskId"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	ContextType string    `json:"contextType"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// DefaultContextType is the ContextType of a slice added without one.
const DefaultContextType = "general"

// NewContextSlice is the input of AddContextSlice.
type NewContextSlice struct {
	TaskID      string
	Title       string
	Description string
	// ContextType "" means DefaultContextType.
	ContextType string
	// Agent is who adds the slice: the holder of the task's running lease
	// renews it so.
	Agent string
}

// Dependency says that DependentTaskID cannot start until DependencyTaskID
// is done.
type Dependency struct {
	DependentTaskID  string    `json:"dependentTaskId"`
	DependencyTaskID string    `json:"dependencyTaskId"`
	CreatedAt        time.Time `json:"createdAt"`
}

// TreeNode is a task with its derived state and its children, as returned by
// TaskTree.
type TreeNode struct {
	Task Task `json:"task"`
	// EffectiveStatus is the task's status unless a done, cancelled or
	// archived ancestor overrides it.
	EffectiveStatus Status `json:"effectiveStatus"`
	// Blocked is true when a dependency of the task is not done.
	Blocked bool `json:"blocked"`
	// BlockedBy lists the IDs of the dependencies that are not done.
	BlockedBy []string    `json:"blockedBy,omitempty"`
	Children  []*TreeNode `json:"children,omitempty"`
}

// ExportVersion is the version of the Document format written by Export.
const ExportVersion = 1

// Document is the portable form of a whole database, written by Export and
// read by Import. It carries nothing but the data, so the same database
// always exports the same document: no export time (an "exportedAt" key in
// an older document is ignored), and every list in a fixed order.
type Document struct {
	Version int `json:"version"`
	// Tasks: Export orders them by ID (bytewise).
	Tasks []Task `json:"tasks"`
	// ContextSlices: Export orders them by task ID, then creation time,
	// then ID.
	ContextSlices []ContextSlice `json:"contextSlices"`
	// Dependencies: Export orders them by dependent task ID, then
	// dependency task ID.
	Dependencies []Dependency `json:"dependencies"`
}

// ImportOptions controls Import.
type ImportOptions struct {
	// Replace overwrites tasks, slices and dependencies whose IDs already
	// exist. Without it, any conflict refuses the whole import.
	Replace bool
}

// ImportResult counts what Import wrote.
type ImportResult struct {
	Tasks         int `json:"tasks"`
	ContextSlices int `json:"contextSlices"`
	Dependencies  int `json:"dependencies"`
}
