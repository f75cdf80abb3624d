package lockcore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/astrotask/astrotask-go/lockcore"
)

func tempDB() (db string, cleanup func()) {
	dir, err := os.MkdirTemp("", "lockcore-example")
	if err != nil {
		panic(err)
	}
	return filepath.Join(dir, "data", "astrotask.db"), func() { os.RemoveAll(dir) }
}

func ExampleLock_Acquire() {
	db, cleanup := tempDB()
	defer cleanup()

	l := lockcore.New(db, lockcore.Options{ProcessType: "cli"})
	if err := l.Acquire(context.Background()); err != nil {
		fmt.Println(err) // a *lockcore.LockedError when busy after the budget
		return
	}
	fmt.Println("holding", filepath.Base(l.Path()))
	if err := l.Release(); err != nil {
		fmt.Println(err)
	}
	// Output: holding .astrotask.lock
}

func ExampleWithLock() {
	db, cleanup := tempDB()
	defer cleanup()

	err := lockcore.WithLock(context.Background(), db, lockcore.Options{}, func(ctx context.Context) error {
		// Code handed ctx does not lock again.
		return lockcore.WithLock(ctx, db, lockcore.Options{}, func(ctx context.Context) error {
			mode, _ := lockcore.HeldMode(ctx, db)
			fmt.Println("writing under the", mode, "lock")
			return nil
		})
	})
	fmt.Println("err:", err)
	// Output:
	// writing under the exclusive lock
	// err: <nil>
}

func ExampleWithSharedLock() {
	db, cleanup := tempDB()
	defer cleanup()

	err := lockcore.WithSharedLock(context.Background(), db, lockcore.Options{}, func(ctx context.Context) error {
		fmt.Println("reading")
		// Upgrading would deadlock, so it fails at once.
		err := lockcore.WithLock(ctx, db, lockcore.Options{}, func(context.Context) error { return nil })
		fmt.Println("upgrade refused:", errors.Is(err, lockcore.ErrUpgrade))
		return nil
	})
	fmt.Println("err:", err)
	// Output:
	// reading
	// upgrade refused: true
	// err: <nil>
}

func ExampleInspect() {
	db, cleanup := tempDB()
	defer cleanup()

	l := lockcore.New(db, lockcore.Options{ProcessType: "mcp-server"})
	l.Acquire(context.Background())
	st, err := lockcore.Inspect(db, lockcore.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Locked, st.Mode, st.Holder.Process, st.Holder.PID == os.Getpid(), st.Verified)
	l.Release()
	// Output: true exclusive mcp-server true true
}

func ExampleClearStale() {
	db, cleanup := tempDB()
	defer cleanup()

	// A corrupt record, as left by a crash in the middle of some other tool.
	os.MkdirAll(filepath.Dir(db), 0o755)
	os.WriteFile(filepath.Join(filepath.Dir(db), lockcore.LockFileName), []byte("garbage"), 0o644)
	cleared, err := lockcore.ClearStale(db)
	fmt.Println(cleared, err)
	cleared, err = lockcore.ClearStale(db)
	fmt.Println(cleared, err)
	// Output:
	// true <nil>
	// false <nil>
}

func ExampleLock_TryAcquire() {
	db, cleanup := tempDB()
	defer cleanup()

	a := lockcore.New(db, lockcore.Options{})
	b := lockcore.New(db, lockcore.Options{})
	ok, err := a.TryAcquire()
	fmt.Println("a:", ok, err)
	ok, err = b.TryAcquire()
	fmt.Println("b while a holds:", ok, err)
	a.Release()
	// Output:
	// a: true <nil>
	// b while a holds: false <nil>
}

func ExampleNew() {
	db, cleanup := tempDB()
	defer cleanup()

	// New does no I/O; the directory and lock file appear on first use.
	l := lockcore.New(db, lockcore.Options{ProcessType: "mcp-server"})
	fmt.Println(filepath.Base(filepath.Dir(l.Path())), filepath.Base(l.Path()))
	if err := l.AcquireShared(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	defer l.Release()
	st, _ := lockcore.Inspect(db, lockcore.Options{})
	fmt.Println(st.Mode, st.Holder.Process)
	// Output:
	// data .astrotask.lock
	// shared mcp-server
}
