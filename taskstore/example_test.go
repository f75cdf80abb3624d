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

// Example shows the Store in use: a small plan with a dependency, the next
// task to work on, and an atomic claim.
func Example() {
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

	high := taskstore.PriorityHigh
	tasks, err := s.AddTasks(ctx, []taskstore.BatchTask{
		{NewTask: taskstore.NewTask{Title: "Design the schema"}},
		{NewTask: taskstore.NewTask{Title: "Write the migrations", PriorityScore: &high}, DependsOn: []int{0}},
	})
	if err != nil {
		log.Fatal(err)
	}
	design, migrations := tasks[0], tasks[1]

	next, _ := s.NextTask(ctx, "")
	fmt.Println("next:", next.Title)

	_, err = s.ClaimTask(ctx, migrations.ID)
	fmt.Println("claim migrations:", errors.Is(err, taskstore.ErrBlocked))

	if _, err := s.UpdateTaskStatus(ctx, design.ID, taskstore.StatusDone, taskstore.StatusOptions{}); err != nil {
		log.Fatal(err)
	}
	claimed, err := s.ClaimTask(ctx, migrations.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("claimed:", claimed.Title, claimed.Status)

	_, err = s.ClaimTask(ctx, migrations.ID)
	fmt.Println("again:", errors.Is(err, taskstore.ErrConflict))
	// Output:
	// next: Design the schema
	// claim migrations: true
	// claimed: Write the migrations in-progress
	// again: true
}

func ExampleLocate() {
	loc, err := taskstore.Locate("postgres://agent:secret@db.example/tasks")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(loc.Backend, loc)
	// A relative path is taken from the working directory.
	loc, _ = taskstore.Locate("sqlite://data/astrotask.db")
	wd, _ := os.Getwd()
	rel, _ := filepath.Rel(wd, loc.Path)
	fmt.Println(loc.Backend, filepath.IsAbs(loc.Path), filepath.ToSlash(rel))
	// Output:
	// postgres postgres://agent:xxxxx@db.example/tasks
	// sqlite true data/astrotask.db
}

func ExampleParsePriority() {
	for _, in := range []string{"high", "35", "urgent"} {
		score, err := taskstore.ParsePriority(in)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(in, "=", score, taskstore.PriorityLevel(score))
	}
	// Output:
	// high = 80 high
	// 35 = 35 medium
	// invalid priority: "urgent" is not low, medium, high or a whole number from 0 to 100
}

func ExampleInspectLock() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	ctx := context.Background()
	loc, _ := taskstore.Locate(filepath.Join(dir, "astrotask.db"))

	st, err := taskstore.InspectLock(ctx, loc, lockcore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("locked:", st.Locked)
	// Output:
	// locked: false
}
