package taskstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

// exampleDir returns a fresh directory for an example's database.
func exampleDir() string {
	dir, err := os.MkdirTemp("", "taskstore-example-")
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

func ExampleOpen() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := taskstore.Open(ctx, taskstore.Options{
		DataDir:     filepath.Join(dir, "astrotask.db"),
		LockOptions: lockcore.Options{ProcessType: "cli"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	parent, _ := s.AddTask(ctx, taskstore.NewTask{Title: "Write the parser"})
	child, _ := s.AddTask(ctx, taskstore.NewTask{ParentID: parent.ID, Title: "Tokenizer"})
	fmt.Println(len(parent.ID), len(child.ID), child.ParentID == parent.ID)
	_, isLocking := s.(*taskstore.LockingStore)
	fmt.Println("locking:", isLocking)
	// Output:
	// 4 9 true
	// locking: true
}

func ExampleOpenLocked() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := taskstore.OpenLocked(ctx, filepath.Join(dir, "astrotask.db"), lockcore.Options{ProcessType: "mcp-server"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	high := taskstore.PriorityHigh
	if _, err := s.AddTask(ctx, taskstore.NewTask{Title: "Fix the login bug", PriorityScore: &high}); err != nil {
		log.Fatal(err)
	}
	tasks, err := s.ListTasks(ctx, taskstore.Filter{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tasks[0].Title, taskstore.PriorityLevel(tasks[0].PriorityScore))
	fmt.Println(filepath.Base(s.Location().Path))
	// Output:
	// Fix the login bug high
	// astrotask.db
}

func ExampleWithDatabaseLock() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db := filepath.Join(dir, "astrotask.db")

	err := taskstore.WithDatabaseLock(ctx, db, lockcore.Options{ProcessType: "cli"}, func(ctx context.Context, s taskstore.Store) error {
		// Everything here runs under one exclusive hold of the lock.
		st, err := taskstore.InspectLock(ctx, taskstore.Location{Backend: taskstore.BackendSQLite, Path: db}, lockcore.Options{})
		if err != nil {
			return err
		}
		fmt.Println("held by:", st.Holder.Process, st.Mode)
		_, err = s.AddTask(ctx, taskstore.NewTask{Title: "Release 1.0"})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// held by: cli exclusive
}

func ExampleOpenLocal() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := taskstore.OpenLocal(ctx, "sqlite://"+filepath.Join(dir, "astrotask.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	t, err := s.AddTaskWithID(ctx, "DOCS", taskstore.NewTask{Title: "Write the docs"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = s.AddTaskWithID(ctx, "DOCS", taskstore.NewTask{Title: "Again"})
	fmt.Println(t.ID, t.Status, errors.Is(err, taskstore.ErrConflict))
	// Output:
	// DOCS pending true
}
