package testharness

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestSharedAndExclusive is scenario 2: four reader processes loop on the
// shared lock with no gap while two writers take the exclusive lock with
// the default budget. Readers overlap each other but never a writer, and
// every writer acquisition succeeds within its budget while readers loop.
// The writers log lockcore's debug output, shown if one of them fails.
func TestSharedAndExclusive(t *testing.T) {
	const readers, writers, writes = 4, 2, 20
	dir, db := newCounterDB(t)
	logOf := func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }

	var rs []*harness.Child
	for i := range readers {
		a := generous
		a.DB, a.Loop, a.Shared, a.Hold, a.Barrier, a.Progress = db, true, true, time.Millisecond, true, 20
		a.Log = filepath.Join(dir, name("r", i)+".log")
		rs = append(rs, start(t, name("r", i), harness.RoleContend, a))
	}
	startAll(t, rs)
	for _, r := range rs {
		expect(t, r, "progress") // every reader is looping
	}
	t.Logf("%d readers looping; starting %d writers with the default budget", readers, writers)

	var ws []*harness.Child
	for i := range writers {
		a := harness.Args{DB: db, Count: writes, Counter: true, Hold: time.Millisecond, Owner: name("w", i), Verbose: true}
		a.Log = filepath.Join(dir, a.Owner+".log")
		ws = append(ws, start(t, a.Owner, harness.RoleContend, a))
	}
	for _, w := range ws {
		waitExit(t, w)
	}
	for _, r := range rs {
		if err := r.CloseStdin(); err != nil {
			t.Fatal(err)
		}
		waitExit(t, r)
	}

	wlogs := readLogs(t, ws, logOf)
	rlogs := readLogs(t, rs, logOf)
	first, last := int64(1<<62), int64(0)
	for _, lg := range wlogs {
		if len(lg.Intervals) != writes || lg.Fails != 0 {
			t.Errorf("writer %s: %d holds and %d acquisitions past the budget, want %d and 0", lg.Proc, len(lg.Intervals), lg.Fails, writes)
			t.Logf("lockcore's debug log of the writers:\n%s", tail(ws[0].Stderr(), 12)+tail(ws[1].Stderr(), 12))
		}
		for _, iv := range lg.Intervals {
			first, last = min(first, iv.Enter), max(last, iv.Leave)
		}
	}
	during := 0
	for _, lg := range rlogs {
		if lg.Fails != 0 {
			t.Errorf("reader %s: %d acquisitions past the budget, want 0", lg.Proc, lg.Fails)
		}
		for _, iv := range lg.Intervals {
			if iv.Enter > first && iv.Leave < last {
				during++
			}
		}
	}
	t.Logf("readers held the shared lock %d times while the writers were writing", during)
	if during == 0 {
		t.Errorf("no reader hold fell between the writers' first and last hold: the readers were not looping")
	}
	res := sweep(t, append(wlogs, rlogs...))
	if res.SharedOverlaps == 0 {
		t.Errorf("Sweep: no two readers ever held the shared lock at once, want readers to overlap")
	}
	checkCounter(t, db, wlogs, func(lg harness.Log) string { return lg.Proc })
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n-1):], "")
}
