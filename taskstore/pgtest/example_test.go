package pgtest_test

import (
	"context"
	"fmt"
	"os"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// ExampleCreateDatabase gives a task store a database of its own on the
// test server: the one EnvURL names, or one started for the example.
func ExampleCreateDatabase() {
	base := os.Getenv(pgtest.EnvURL)
	if base == "" {
		srv, err := pgtest.Start()
		if err != nil {
			fmt.Println(err)
			return
		}
		defer srv.Stop()
		base = srv.URL
	}
	dbURL, drop, err := pgtest.CreateDatabase(base, "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()

	ctx := context.Background()
	s, err := taskstore.Open(ctx, taskstore.Options{DataDir: dbURL})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	t, err := s.AddTask(ctx, taskstore.NewTask{Title: "Try PostgreSQL"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Title, t.Status)
	// Output: Try PostgreSQL pending
}
