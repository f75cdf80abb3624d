package harness

import (
	"context"
	"fmt"

	"github.com/astrotask/astrotask-go/taskstore"
)

// RoleTaskWriter adds tasks through taskstore's LockingStore in a loop, one
// Transaction (one exclusive hold) per task, until told to stop; the hold
// is logged from inside the transaction and the task acknowledged after it
// committed. The task title is TaskTitle(Owner, seq).
const RoleTaskWriter = "taskwriter"

// TaskTitle is the title RoleTaskWriter gives write seq of owner.
func TaskTitle(owner string, seq int64) string { return fmt.Sprintf("%s/%d", owner, seq) }

func taskWriter(io *childIO, a Args) error {
	ctx := context.Background()
	s, err := taskstore.OpenLocked(ctx, a.DB, a.LockOptions())
	if err != nil {
		return err
	}
	defer s.Close()
	log, err := CreateEventLog(a.Log)
	if err != nil {
		return err
	}
	defer log.Close()
	for seq := int64(0); !io.stop(); seq++ {
		t0 := Mono()
		err := s.Transaction(ctx, func(ctx context.Context, tx taskstore.Store) error {
			t1 := Mono()
			log.Enter(t1, false, t1-t0)
			_, err := tx.AddTask(ctx, taskstore.NewTask{Title: TaskTitle(a.Owner, seq)})
			log.Leave(Mono())
			return err
		})
		if err != nil {
			return fmt.Errorf("add task %d: %w", seq, err)
		}
		log.Ack(seq)
		if a.Progress > 0 && (seq+1)%int64(a.Progress) == 0 {
			io.say("progress %d", seq+1)
		}
	}
	io.say("done")
	return nil
}
