package testharness

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestControlWithoutLock runs scenario 1's workload with no lock at all and
// requires the checks to catch it: overlapping intervals and lost counter
// updates. It shows that the zero counts of the other scenarios are
// measured, not assumed.
func TestControlWithoutLock(t *testing.T) {
	const procs, holds = 4, 300
	dir, db := newCounterDB(t)
	var children []*harness.Child
	for i := range procs {
		a := harness.Args{DB: db, Impl: harness.ImplNone, Count: holds, Counter: true, Barrier: true, Owner: name("n", i)}
		a.Log = filepath.Join(dir, a.Owner+".log")
		children = append(children, start(t, a.Owner, harness.RoleContend, a))
	}
	startAll(t, children)
	for _, c := range children {
		waitExit(t, c)
	}
	logs := readLogs(t, children, func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") })
	st, err := harness.CheckCounter(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	checkControl(t, logs, st)
}
