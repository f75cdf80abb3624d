package taskstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// TestHoldLock holds the lock shared around several reads, on both
// backends: the reads join the hold, lock-status shows it, and a write
// asked for under it is refused rather than deadlocking.
func TestHoldLock(t *testing.T) {
	for _, backend := range []string{BackendSQLite, BackendPostgres} {
		t.Run(backend, func(t *testing.T) {
			where := filepath.Join(tempDir(t), "astrotask.db")
			if backend == BackendPostgres {
				where = pgtest.NewDatabase(t)
			}
			ctx := context.Background()
			s, err := OpenLocked(ctx, where, lockOpts("cli"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			mustAddID(t, s, "A", NewTask{})
			err = HoldLock(ctx, s.Location(), lockcore.ModeShared, lockOpts("reader"), func(ctx context.Context) error {
				st, err := InspectLock(ctx, s.Location(), lockcore.Options{})
				if err != nil || !st.Locked || st.Mode != lockcore.ModeShared || st.Holder == nil || st.Holder.Process != "reader" {
					t.Errorf("InspectLock inside HoldLock = %+v, %v; want held shared by reader", st, err)
				}
				if _, err := s.GetTask(ctx, "A"); err != nil {
					return err
				}
				if _, err := s.ListTasks(ctx, Filter{}); err != nil {
					return err
				}
				_, err = s.AddTask(ctx, NewTask{Title: "write under a shared hold"})
				wantIs(t, err, lockcore.ErrUpgrade)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if st, err := InspectLock(ctx, s.Location(), lockcore.Options{}); err != nil || st.Locked {
				t.Errorf("InspectLock after HoldLock = %+v, %v; want free", st, err)
			}
			err = HoldLock(ctx, s.Location(), "sideways", lockOpts("x"), func(context.Context) error { return nil })
			wantIs(t, err, ErrInvalid)
		})
	}
}
