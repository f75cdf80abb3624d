package taskstore

import (
	"context"
	"time"
)

// Store is the task database. Every method takes the caller's context first.
// Implementations are safe for concurrent use. Errors are ErrNotFound,
// ErrInvalid, ErrConflict, ErrBlocked, ErrCycle and ErrLocked (checked with
// errors.Is); no driver error type escapes.
type Store interface {
	// ListTasks returns the tasks that f selects, in creation order.
	ListTasks(ctx context.Context, f Filter) ([]Task, error)
	// ListPage returns the page of the tasks that f selects from f.Cursor
	// on, at most f.Limit of them, with which of them are blocked and how
	// many remain after it.
	ListPage(ctx context.Context, f Filter) (Page, error)
	// AddTask creates a task with a generated ID.
	AddTask(ctx context.Context, t NewTask) (Task, error)
	// AddTaskWithID creates a task with the given ID.
	AddTaskWithID(ctx context.Context, id string, t NewTask) (Task, error)
	// AddTasks creates a batch atomically: all or nothing.
	AddTasks(ctx context.Context, batch []BatchTask) ([]Task, error)
	// GetTask returns one task.
	GetTask(ctx context.Context, id string) (Task, error)
	// UpdateTask changes the fields that p sets.
	UpdateTask(ctx context.Context, id string, p TaskPatch) (Task, error)
	// DeleteTask deletes a task (and with Cascade its descendants), its
	// context slices and its dependencies. It returns the number of tasks
	// deleted. It refuses with ErrConflict, naming them, when other tasks
	// depend on what it would delete, unless Force.
	DeleteTask(ctx context.Context, id string, o DeleteOptions) (int, error)
	// ListTasksByStatus returns every task with the status.
	ListTasksByStatus(ctx context.Context, s Status) ([]Task, error)
	// ListRootTasks returns the top-level tasks (children of ProjectRootID).
	ListRootTasks(ctx context.Context) ([]Task, error)
	// ListSubtasks returns the direct children of a task.
	ListSubtasks(ctx context.Context, parentID string) ([]Task, error)
	// UpdateTaskStatus sets a task's status and returns every task changed.
	UpdateTaskStatus(ctx context.Context, id string, s Status, o StatusOptions) ([]Task, error)
	// AddContextSlice attaches context to a task.
	AddContextSlice(ctx context.Context, c NewContextSlice) (ContextSlice, error)
	// ListContextSlices returns a task's context slices in creation order.
	ListContextSlices(ctx context.Context, taskID string) ([]ContextSlice, error)
	// AddTaskDependency records that dependent cannot start until dependency
	// is done. It fails with ErrCycle (a *CycleError) if that closes a cycle.
	AddTaskDependency(ctx context.Context, dependentID, dependencyID string) (Dependency, error)
	// RemoveTaskDependency removes the dependency; ErrNotFound if absent.
	RemoveTaskDependency(ctx context.Context, dependentID, dependencyID string) error
	// GetTaskDependencies returns the tasks that id depends on.
	GetTaskDependencies(ctx context.Context, id string) ([]Task, error)
	// GetTaskDependents returns the tasks that depend on id.
	GetTaskDependents(ctx context.Context, id string) ([]Task, error)
	// NextTask returns the highest-priority available task anywhere below
	// parentID ("" means the whole tree), ties broken by creation order, or
	// nil when there is none.
	NextTask(ctx context.Context, parentID string) (*Task, error)
	// ClaimTask atomically moves an available pending task to in-progress,
	// as an anonymous Claim with DefaultLease. It fails with ErrConflict if
	// the task is no longer free and with ErrBlocked if a dependency is not
	// done.
	ClaimTask(ctx context.Context, id string) (Task, error)
	// Claim claims the task r.ID, or without an ID picks and claims the
	// next available task in one write transaction (nil when none is
	// free), for r.Agent with a lease. A task whose lease runs fails with a
	// *ClaimedError (ErrConflict), even for its own holder.
	Claim(ctx context.Context, r ClaimRequest) (*Task, error)
	// RenewClaim starts agent's lease on id again for lease (0: the
	// claim's own length).
	RenewClaim(ctx context.Context, id, agent string, lease time.Duration) (Task, error)
	// ReleaseClaim makes a claimed task pending again with no assignee;
	// refused with a *ClaimedError while another agent's lease runs,
	// unless o.Force.
	ReleaseClaim(ctx context.Context, id string, o StatusOptions) (Task, error)
	// TaskTree returns rootID ("" means the project root) with its
	// descendants down to maxDepth levels (0 means unlimited).
	TaskTree(ctx context.Context, rootID string, maxDepth int) (*TreeNode, error)
	// Transaction runs fn atomically: if fn returns an error (or panics)
	// nothing it did is kept. fn should use tx and ctx; a store on the same
	// database called with ctx joins the transaction too. Inside fn,
	// tx.Transaction nests with a savepoint, and every method of tx is
	// atomic on its own: a method that fails leaves nothing behind even if
	// fn carries on.
	Transaction(ctx context.Context, fn func(ctx context.Context, tx Store) error) error
	// Export returns the whole database as a Document.
	Export(ctx context.Context) (Document, error)
	// Import writes a Document atomically.
	Import(ctx context.Context, d Document, o ImportOptions) (ImportResult, error)
	// Close releases the store's resources.
	Close() error
}
