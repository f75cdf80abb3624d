package taskstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/astrotask/astrotask-go/taskstore"
)

// Agents claim the next task in one step, under their own names and with
// a lease; while the lease runs, nobody else changes the task.
func ExampleLockingStore_Claim() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := taskstore.Open(ctx, taskstore.Options{DataDir: filepath.Join(dir, "astrotask.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AddTaskWithID(ctx, "ABCD", taskstore.NewTask{Title: "Write the parser"}); err != nil {
		log.Fatal(err)
	}

	t, err := s.Claim(ctx, taskstore.ClaimRequest{Agent: "agent-7", Lease: 10 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("claimed:", t.ID, "by", t.Assignee, "for", t.LeaseExpiresAt.Sub(*t.ClaimedAt))

	none, _ := s.Claim(ctx, taskstore.ClaimRequest{Agent: "agent-8"})
	fmt.Println("next for agent-8:", none)

	_, err = s.UpdateTaskStatus(ctx, "ABCD", taskstore.StatusDone, taskstore.StatusOptions{Agent: "agent-8"})
	var claimed *taskstore.ClaimedError
	fmt.Println("agent-8 refused:", errors.As(err, &claimed), claimed.Agent)

	if _, err := s.RenewClaim(ctx, "ABCD", "agent-7", 0); err != nil {
		log.Fatal(err)
	}
	released, err := s.ReleaseClaim(ctx, "ABCD", taskstore.StatusOptions{Agent: "agent-7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("released:", released.Status)
	// Output:
	// claimed: ABCD by agent-7 for 10m0s
	// next for agent-8: <nil>
	// agent-8 refused: true agent-7
	// released: pending
}
