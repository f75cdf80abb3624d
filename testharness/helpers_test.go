package testharness

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// Deadlines for polling. They only bound how long a broken run hangs; no
// outcome depends on them.
const (
	readyWithin = 60 * time.Second
	runWithin   = 3 * time.Minute
)

// generous is a wait budget no healthy run comes near, for processes whose
// acquisitions must all succeed.
var generous = harness.Args{MaxRetries: 1200, RetryDelay: 100 * time.Millisecond}

// start starts a child playing role and stops it when the test ends.
func start(t *testing.T, name, role string, a harness.Args) *harness.Child {
	t.Helper()
	built(t)
	c, err := harness.Start(selfBin, name, role, a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// expect waits for the child's next line starting with prefix.
func expect(t *testing.T, c *harness.Child, prefix string) string {
	t.Helper()
	line, err := c.Expect(prefix, readyWithin)
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// waitExit waits for a child to exit successfully.
func waitExit(t *testing.T, c *harness.Child) {
	t.Helper()
	if err := c.Wait(runWithin); err != nil {
		t.Fatal(err)
	}
}

// newCounterDB creates a counter database in a fresh directory.
func newCounterDB(t *testing.T) (dir, db string) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "counter.db")
	if err := harness.InitCounter(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return dir, db
}

// readLogs parses the event log of each child; logPath names a child's log.
func readLogs(t *testing.T, children []*harness.Child, logPath func(*harness.Child) string) []harness.Log {
	t.Helper()
	var logs []harness.Log
	for _, c := range children {
		lg, err := harness.ReadLog(logPath(c), c.Name, c.KilledAt)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, lg)
	}
	return logs
}

// sweep sweeps the intervals of every log and fails on any overlap.
func sweep(t *testing.T, logs []harness.Log) harness.SweepResult {
	t.Helper()
	var ivs []harness.Interval
	for _, lg := range logs {
		ivs = append(ivs, lg.Intervals...)
	}
	res := harness.Sweep(ivs)
	t.Logf("swept %d intervals: %d overlaps, %d shared-shared overlaps", res.Intervals, res.Overlaps, res.SharedOverlaps)
	if res.Overlaps != 0 {
		t.Errorf("Sweep: %d overlaps, want 0; first: %v", res.Overlaps, res.Examples)
	}
	return res
}

// checkCounter verifies the counter database with checkCounterState and
// returns its state.
func checkCounter(t *testing.T, db string, logs []harness.Log, owner func(harness.Log) string) harness.CounterState {
	t.Helper()
	st, err := harness.CheckCounter(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	checkCounterState(t, st, logs, owner)
	return st
}

// checkCounterState verifies a counter read back: integrity ok, no lost
// update, and every acknowledged write present.
func checkCounterState(t *testing.T, st harness.CounterState, logs []harness.Log, owner func(harness.Log) string) {
	t.Helper()
	if st.Integrity != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, want ok", st.Integrity)
	}
	if st.Counter != st.Writes || st.DupN != 0 {
		t.Errorf("counter = %d after %d committed writes (%d values written twice), want equal and 0: lost updates",
			st.Counter, st.Writes, st.DupN)
	}
	acked := 0
	for _, lg := range logs {
		for _, seq := range lg.Acks {
			acked++
			if !st.Present[harness.WriteKey(owner(lg), seq)] {
				t.Errorf("acknowledged write %s/%d is missing", owner(lg), seq)
			}
		}
	}
	t.Logf("counter %d, %d committed writes, %d acknowledged, integrity %s", st.Counter, st.Writes, acked, st.Integrity)
}

// checkControl requires the checks to catch a workload run without a lock:
// overlapping intervals in logs, and lost updates in the counter st. Were
// they to see neither, the zeros of the locked runs would prove nothing.
func checkControl(t *testing.T, logs []harness.Log, st harness.CounterState) {
	t.Helper()
	var ivs []harness.Interval
	for _, lg := range logs {
		ivs = append(ivs, lg.Intervals...)
	}
	res := harness.Sweep(ivs)
	t.Logf("without a lock: %d overlaps in %d intervals; counter %d after %d writes (%d values written twice)",
		res.Overlaps, res.Intervals, st.Counter, st.Writes, st.DupN)
	if res.Overlaps == 0 {
		t.Errorf("Sweep without a lock found no overlap; the sweep cannot see a broken lock")
	}
	if st.Counter == st.Writes || st.DupN == 0 {
		t.Errorf("counter without a lock = %d after %d writes; the counter cannot see lost updates", st.Counter, st.Writes)
	}
}

// startAll sets children going together once all are ready.
func startAll(t *testing.T, children []*harness.Child) {
	t.Helper()
	for _, c := range children {
		expect(t, c, "ready")
	}
	for _, c := range children {
		if err := c.Send("go"); err != nil {
			t.Fatal(err)
		}
	}
}

// checkAfterCrash checks the counter st after a holder ("holder") was
// killed having committed committed writes, and another process ("after")
// then made count writes: the holder's committed writes survive, its
// uncommitted ones are gone, and the later writes all landed.
func checkAfterCrash(t *testing.T, st harness.CounterState, committed, count int) {
	t.Helper()
	if got := len(st.ByOwner["holder"]); got != committed {
		t.Errorf("holder's writes present = %d, want the %d committed before the kill", got, committed)
	}
	if got := len(st.ByOwner["after"]); got != count {
		t.Errorf("writes after the crash = %d, want %d", got, count)
	}
	if st.Counter != int64(committed+count) {
		t.Errorf("counter = %d, want %d", st.Counter, committed+count)
	}
}

func name(prefix string, i int) string { return fmt.Sprintf("%s%d", prefix, i) }
