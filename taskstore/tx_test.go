package taskstore

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTransactionCommits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		var a, b Task
		err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
			var err error
			if a, err = tx.AddTask(ctx, NewTask{Title: "a"}); err != nil {
				return err
			}
			if b, err = tx.AddTask(ctx, NewTask{Title: "b", ParentID: a.ID}); err != nil {
				return err
			}
			if _, err := tx.AddTaskDependency(ctx, a.ID, b.ID); err != nil {
				return err
			}
			// Reads inside see the transaction's own writes.
			got, err := tx.ListTasks(ctx, Filter{})
			if err != nil || len(got) != 2 {
				t.Errorf("ListTasks inside the transaction = %v, %v", ids(got), err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(allTasks(t, s)); !cmp.Equal(got, []string{a.ID, b.ID}) {
			t.Errorf("after commit tasks = %v", got)
		}
	})
}

func TestTransactionFailingHalfWayLeavesNothing(t *testing.T) {
	boom := errors.New("boom")
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		keep := mustAddID(t, s, "KEEP", NewTask{})
		err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
			a, err := tx.AddTask(ctx, NewTask{Title: "a"})
			if err != nil {
				return err
			}
			if _, err := tx.AddTasks(ctx, []BatchTask{{NewTask: NewTask{Title: "b", ParentID: a.ID}}}); err != nil {
				return err
			}
			if _, err := tx.UpdateTask(ctx, "KEEP", TaskPatch{Title: ptr("changed")}); err != nil {
				return err
			}
			if _, err := tx.AddContextSlice(ctx, NewContextSlice{TaskID: "KEEP", Title: "note"}); err != nil {
				return err
			}
			if _, err := tx.AddTaskDependency(ctx, "KEEP", a.ID); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transaction = %v, want boom", err)
		}
		doc, err := s.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Tasks) != 1 || len(doc.ContextSlices) != 0 || len(doc.Dependencies) != 0 {
			t.Fatalf("a failed transaction left %d tasks, %d slices, %d dependencies", len(doc.Tasks), len(doc.ContextSlices), len(doc.Dependencies))
		}
		if diff := cmp.Diff(keep, doc.Tasks[0]); diff != "" {
			t.Errorf("KEEP changed (-want +got):\n%s", diff)
		}
	})
}

func TestTransactionPanicRollsBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		s := open(t)
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic did not propagate")
				}
			}()
			s.Transaction(context.Background(), func(ctx context.Context, tx Store) error {
				if _, err := tx.AddTask(ctx, NewTask{Title: "a"}); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if n := len(allTasks(t, s)); n != 0 {
			t.Errorf("a panicking transaction left %d tasks", n)
		}
		mustAdd(t, s, NewTask{Title: "the store still works"})
	})
}

func TestTransactionFailedMethodInsideLeavesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
			if _, err := tx.AddTaskWithID(ctx, "OK", NewTask{Title: "ok"}); err != nil {
				return err
			}
			// This batch writes two tasks before failing on the third; the
			// caller carries on, and the transaction commits.
			_, err := tx.AddTasks(ctx, []BatchTask{
				{NewTask: NewTask{Title: "x"}}, {NewTask: NewTask{Title: "y"}},
				{NewTask: NewTask{Title: "z"}, DependsOnIDs: []string{"MISSING"}},
			})
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("AddTasks = %v, want ErrNotFound", err)
			}
			// A nested transaction that fails rolls back alone.
			nerr := tx.Transaction(ctx, func(ctx context.Context, tx Store) error {
				if _, err := tx.AddTaskWithID(ctx, "NESTED", NewTask{Title: "n"}); err != nil {
					return err
				}
				return errors.New("nested failure")
			})
			if nerr == nil {
				t.Error("the nested transaction's error was lost")
			}
			return tx.Transaction(ctx, func(ctx context.Context, tx Store) error {
				_, err := tx.AddTaskWithID(ctx, "NESTED_OK", NewTask{Title: "n"})
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(allTasks(t, s)); !cmp.Equal(got, []string{"OK", "NESTED_OK"}) {
			t.Errorf("tasks = %v, want [OK NESTED_OK]", got)
		}
	})
}

func TestTransactionViewEndsWithIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		var leaked Store
		if err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
			leaked = tx
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := leaked.AddTask(ctx, NewTask{Title: "late"}); err == nil {
			t.Error("a write through a finished transaction succeeded")
		}
		if _, err := leaked.ListTasks(ctx, Filter{}); err == nil {
			t.Error("a read through a finished transaction succeeded")
		}
		if n := len(allTasks(t, s)); n != 0 {
			t.Errorf("%d tasks written through a finished transaction", n)
		}
	})
}
