package taskstore

import (
	"context"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// LockingStore is the Store every process sharing a database goes through.
// Reads hold the cooperative lock shared, writes exclusive, and Transaction
// holds it exclusively once for its whole callback. The lock record shows
// the caller's lockcore.Options.ProcessType, except during Export and
// Import (ProcessBackup) and migrations (ProcessMigration). When the lock
// stays busy past its budget, methods fail with a *lockcore.LockedError
// (errors.Is(err, ErrLocked)).
//
// A method called with a context handed out by the lock on the same
// database (by WithDatabaseLock or lockcore.WithLock) uses that hold rather
// than waiting for it again.
//
// On PostgreSQL a write runs on the connection that holds the lock, so a
// write whose lock was lost (its connection ended) fails with ErrLockLost
// and writes nothing. A lock connection that ended between holds is
// replaced when the lock is next taken.
type LockingStore struct {
	inner *sqlStore
	loc   Location
	lock  locker
	opts  lockcore.Options
}

var _ Store = (*LockingStore)(nil)

// Location returns where the database lives.
func (s *LockingStore) Location() Location { return s.loc }

// LockOptions returns the options the store locks with.
func (s *LockingStore) LockOptions() lockcore.Options { return s.opts }

func shared[T any](s *LockingStore, ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	var out T
	err := s.lock.With(ctx, lockcore.ModeShared, s.opts, func(ctx context.Context) error {
		var err error
		out, err = fn(ctx)
		return err
	})
	return out, err
}

func exclusive[T any](s *LockingStore, ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	return exclusiveAs(s, ctx, s.opts, fn)
}

func exclusiveAs[T any](s *LockingStore, ctx context.Context, opts lockcore.Options, fn func(context.Context) (T, error)) (T, error) {
	var out T
	err := s.lock.With(ctx, lockcore.ModeExclusive, opts, func(ctx context.Context) error {
		var err error
		out, err = fn(ctx)
		return err
	})
	return out, err
}

// ListTasks is Store.ListTasks under the shared lock.
func (s *LockingStore) ListTasks(ctx context.Context, f Filter) ([]Task, error) {
	return shared(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.ListTasks(ctx, f) })
}

// ListPage is Store.ListPage under the shared lock.
func (s *LockingStore) ListPage(ctx context.Context, f Filter) (Page, error) {
	return shared(s, ctx, func(ctx context.Context) (Page, error) { return s.inner.ListPage(ctx, f) })
}

// AddTask is Store.AddTask under the exclusive lock.
func (s *LockingStore) AddTask(ctx context.Context, t NewTask) (Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) (Task, error) { return s.inner.AddTask(ctx, t) })
}

// AddTaskWithID is Store.AddTaskWithID under the exclusive lock.
func (s *LockingStore) AddTaskWithID(ctx context.Context, id string, t NewTask) (Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) (Task, error) { return s.inner.AddTaskWithID(ctx, id, t) })
}

// AddTasks is Store.AddTasks under the exclusive lock.
func (s *LockingStore) AddTasks(ctx context.Context, batch []BatchTask) ([]Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.AddTasks(ctx, batch) })
}

// GetTask is Store.GetTask under the shared lock.
func (s *LockingStore) GetTask(ctx context.Context, id string) (Task, error) {
	return shared(s, ctx, func(ctx context.Context) (Task, error) { return s.inner.GetTask(ctx, id) })
}

// UpdateTask is Store.UpdateTask under the exclusive lock.
func (s *LockingStore) UpdateTask(ctx context.Context, id string, p TaskPatch) (Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) (Task, error) { return s.inner.UpdateTask(ctx, id, p) })
}

// DeleteTask is Store.DeleteTask under the exclusive lock.
func (s *LockingStore) DeleteTask(ctx context.Context, id string, o DeleteOptions) (int, error) {
	return exclusive(s, ctx, func(ctx context.Context) (int, error) { return s.inner.DeleteTask(ctx, id, o) })
}

// ListTasksByStatus is Store.ListTasksByStatus under the shared lock.
func (s *LockingStore) ListTasksByStatus(ctx context.Context, st Status) ([]Task, error) {
	return shared(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.ListTasksByStatus(ctx, st) })
}

// ListRootTasks is Store.ListRootTasks under the shared lock.
func (s *LockingStore) ListRootTasks(ctx context.Context) ([]Task, error) {
	return shared(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.ListRootTasks(ctx) })
}

// ListSubtasks is Store.ListSubtasks under the shared lock.
func (s *LockingStore) ListSubtasks(ctx context.Context, parentID string) ([]Task, error) {
	return shared(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.ListSubtasks(ctx, parentID) })
}

// UpdateTaskStatus is Store.UpdateTaskStatus under the exclusive lock.
func (s *LockingStore) UpdateTaskStatus(ctx context.Context, id string, st Status, o StatusOptions) ([]Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.UpdateTaskStatus(ctx, id, st, o) })
}

// AddContextSlice is Store.AddContextSlice under the exclusive lock.
func (s *LockingStore) AddContextSlice(ctx context.Context, c NewContextSlice) (ContextSlice, error) {
	return exclusive(s, ctx, func(ctx context.Context) (ContextSlice, error) { return s.inner.AddContextSlice(ctx, c) })
}

// ListContextSlices is Store.ListContextSlices under the shared lock.
func (s *LockingStore) ListContextSlices(ctx context.Context, taskID string) ([]ContextSlice, error) {
	return shared(s, ctx, func(ctx context.Context) ([]ContextSlice, error) { return s.inner.ListContextSlices(ctx, taskID) })
}

// AddTaskDependency is Store.AddTaskDependency under the exclusive lock.
func (s *LockingStore) AddTaskDependency(ctx context.Context, dependentID, dependencyID string) (Dependency, error) {
	return exclusive(s, ctx, func(ctx context.Context) (Dependency, error) {
		return s.inner.AddTaskDependency(ctx, dependentID, dependencyID)
	})
}

// RemoveTaskDependency is Store.RemoveTaskDependency under the exclusive lock.
func (s *LockingStore) RemoveTaskDependency(ctx context.Context, dependentID, dependencyID string) error {
	_, err := exclusive(s, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.inner.RemoveTaskDependency(ctx, dependentID, dependencyID)
	})
	return err
}

// GetTaskDependencies is Store.GetTaskDependencies under the shared lock.
func (s *LockingStore) GetTaskDependencies(ctx context.Context, id string) ([]Task, error) {
	return shared(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.GetTaskDependencies(ctx, id) })
}

// GetTaskDependents is Store.GetTaskDependents under the shared lock.
func (s *LockingStore) GetTaskDependents(ctx context.Context, id string) ([]Task, error) {
	return shared(s, ctx, func(ctx context.Context) ([]Task, error) { return s.inner.GetTaskDependents(ctx, id) })
}

// NextTask is Store.NextTask under the shared lock.
func (s *LockingStore) NextTask(ctx context.Context, parentID string) (*Task, error) {
	return shared(s, ctx, func(ctx context.Context) (*Task, error) { return s.inner.NextTask(ctx, parentID) })
}

// ClaimTask is Store.ClaimTask under the exclusive lock.
func (s *LockingStore) ClaimTask(ctx context.Context, id string) (Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) (Task, error) { return s.inner.ClaimTask(ctx, id) })
}

// Claim is Store.Claim under the exclusive lock.
func (s *LockingStore) Claim(ctx context.Context, r ClaimRequest) (*Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) (*Task, error) { return s.inner.Claim(ctx, r) })
}

// RenewClaim is Store.RenewClaim under the exclusive lock.
func (s *LockingStore) RenewClaim(ctx context.Context, id, agent string, lease time.Duration) (Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) (Task, error) { return s.inner.RenewClaim(ctx, id, agent, lease) })
}

// ReleaseClaim is Store.ReleaseClaim under the exclusive lock.
func (s *LockingStore) ReleaseClaim(ctx context.Context, id string, o StatusOptions) (Task, error) {
	return exclusive(s, ctx, func(ctx context.Context) (Task, error) { return s.inner.ReleaseClaim(ctx, id, o) })
}

// TaskTree is Store.TaskTree under the shared lock.
func (s *LockingStore) TaskTree(ctx context.Context, rootID string, maxDepth int) (*TreeNode, error) {
	return shared(s, ctx, func(ctx context.Context) (*TreeNode, error) { return s.inner.TaskTree(ctx, rootID, maxDepth) })
}

// Transaction runs fn in one database transaction under one exclusive hold
// of the lock. fn must use the tx and ctx it is given: tx needs no lock of
// its own, and ctx carries the hold, so LockingStore calls made with it do
// not wait for the lock again.
func (s *LockingStore) Transaction(ctx context.Context, fn func(ctx context.Context, tx Store) error) error {
	_, err := exclusive(s, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.inner.Transaction(ctx, fn)
	})
	return err
}

// Export is Store.Export under the exclusive lock, recorded as
// ProcessBackup so that lock-status shows a backup in progress.
func (s *LockingStore) Export(ctx context.Context) (Document, error) {
	return exclusiveAs(s, ctx, withProcess(s.opts, ProcessBackup), func(ctx context.Context) (Document, error) {
		if testHookBackup != nil {
			testHookBackup(ctx)
		}
		return s.inner.Export(ctx)
	})
}

// Import is Store.Import under the exclusive lock, recorded as
// ProcessBackup.
func (s *LockingStore) Import(ctx context.Context, d Document, o ImportOptions) (ImportResult, error) {
	return exclusiveAs(s, ctx, withProcess(s.opts, ProcessBackup), func(ctx context.Context) (ImportResult, error) {
		if testHookBackup != nil {
			testHookBackup(ctx)
		}
		return s.inner.Import(ctx, d, o)
	})
}

// testHookBackup, when set by tests, runs while Export or Import holds the
// lock.
var testHookBackup func(ctx context.Context)

// Close closes the database and the lock's own connection, if it has one.
// It takes no lock.
func (s *LockingStore) Close() error {
	err := s.inner.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	return err
}

func withProcess(o lockcore.Options, process string) lockcore.Options {
	o.ProcessType = process
	return o
}
