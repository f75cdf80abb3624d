package taskstore_test

import (
	"context"
	"fmt"
	"os"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// exampleDatabase returns the URL of a new database on the test server,
// and the function that cleans up.
func exampleDatabase() (string, func(), error) {
	base := os.Getenv(pgtest.EnvURL)
	var srv *pgtest.Server
	if base == "" {
		var err error
		if srv, err = pgtest.Start(); err != nil {
			return "", nil, err
		}
		base = srv.URL
	}
	dbURL, drop, err := pgtest.CreateDatabase(base, "example")
	if err != nil {
		if srv != nil {
			srv.Stop()
		}
		return "", nil, err
	}
	return dbURL, func() {
		drop()
		if srv != nil {
			srv.Stop()
		}
	}, nil
}

// ExampleInspectLock_postgres shows the cooperative lock of a PostgreSQL
// database as the server reports it: the holder's process, pid and
// machine come from its session's application_name.
func ExampleInspectLock_postgres() {
	dbURL, cleanup, err := exampleDatabase()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cleanup()
	ctx := context.Background()
	loc, err := taskstore.Locate(dbURL)
	if err != nil {
		fmt.Println(err)
		return
	}
	err = taskstore.WithDatabaseLock(ctx, dbURL, lockcore.Options{ProcessType: "maintenance"},
		func(ctx context.Context, s taskstore.Store) error {
			st, err := taskstore.InspectLock(ctx, loc, lockcore.Options{})
			if err != nil {
				return err
			}
			fmt.Println(loc.Backend, st.Locked, st.Mode, st.Holder.Process, st.Holder.PID == os.Getpid(), st.Verified)
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := taskstore.InspectLock(ctx, loc, lockcore.Options{})
	fmt.Println(st.Locked, err)
	// Output:
	// postgres true exclusive maintenance true true
	// false <nil>
}
