package testharness

import (
	"path/filepath"
	"testing"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestExclusion is scenario 1: 8 processes take the exclusive lock 500 times
// each through lockcore's public API and increment a SQLite counter inside
// every hold. The intervals never overlap and no update is lost.
func TestExclusion(t *testing.T) {
	const procs, holds = 8, 500
	dir, db := newCounterDB(t)
	logOf := func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }
	var children []*harness.Child
	for i := range procs {
		a := generous
		a.DB, a.Count, a.Counter, a.Barrier, a.Owner = db, holds, true, true, name("p", i)
		a.Log = filepath.Join(dir, a.Owner+".log")
		children = append(children, start(t, a.Owner, harness.RoleContend, a))
	}
	startAll(t, children)
	for _, c := range children {
		waitExit(t, c)
	}
	logs := readLogs(t, children, logOf)
	for _, lg := range logs {
		if len(lg.Intervals) != holds || lg.Fails != 0 {
			t.Errorf("%s: %d holds and %d failed acquisitions, want %d and 0", lg.Proc, len(lg.Intervals), lg.Fails, holds)
		}
	}
	sweep(t, logs)
	st := checkCounter(t, db, logs, func(lg harness.Log) string { return lg.Proc })
	if st.Counter != procs*holds {
		t.Errorf("counter = %d, want %d", st.Counter, procs*holds)
	}
}
