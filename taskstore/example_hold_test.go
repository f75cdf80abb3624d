package taskstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

// ExampleHoldLock reads twice under one shared hold: the store's reads,
// given the hold's ctx, do not wait for the lock again.
func ExampleHoldLock() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := taskstore.OpenLocked(ctx, filepath.Join(dir, "astrotask.db"), lockcore.Options{ProcessType: "cli"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AddTaskWithID(ctx, "DOCS", taskstore.NewTask{Title: "Write the docs"}); err != nil {
		log.Fatal(err)
	}
	err = taskstore.HoldLock(ctx, s.Location(), lockcore.ModeShared, lockcore.Options{ProcessType: "cli"}, func(ctx context.Context) error {
		t, err := s.GetTask(ctx, "DOCS")
		if err != nil {
			return err
		}
		next, err := s.NextTask(ctx, "")
		if err != nil {
			return err
		}
		fmt.Println(t.Title, "/ next:", next.ID)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output: Write the docs / next: DOCS
}
