package testharness

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestFairness is scenario 6: four processes loop acquire, hold 1 ms,
// release, with no gap, until together they have made 1,000 acquisitions.
// The process with the fewest has at least half of the mean: nobody
// starves.
func TestFairness(t *testing.T) {
	const procs, total = 4, 1000
	dir := t.TempDir()
	db := filepath.Join(dir, "tasks.db")
	logOf := func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }
	var cs []*harness.Child
	for i := range procs {
		a := generous
		a.DB, a.Loop, a.Hold, a.Barrier, a.Progress = db, true, time.Millisecond, true, 10
		a.Log = filepath.Join(dir, name("f", i)+".log")
		cs = append(cs, start(t, name("f", i), harness.RoleContend, a))
	}
	startAll(t, cs)
	err := harness.Poll(runWithin, "1,000 acquisitions", func() (bool, error) {
		n := 0
		for _, c := range cs {
			for _, line := range c.Lines() {
				if strings.HasPrefix(line, "progress") {
					n += 10
				}
			}
		}
		return n >= total, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if err := c.Send("stop"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cs {
		waitExit(t, c)
	}
	logs := readLogs(t, cs, logOf)
	sum, least := 0, int(^uint(0)>>1)
	var counts []int
	for _, lg := range logs {
		n := len(lg.Intervals)
		counts = append(counts, n)
		sum += n
		least = min(least, n)
	}
	mean := float64(sum) / procs
	t.Logf("acquisitions per process %v: min %d, mean %.1f", counts, least, mean)
	if float64(least) < mean/2 {
		t.Errorf("fewest acquisitions = %d, want at least half the mean %.1f: a process starved", least, mean)
	}
	sweep(t, logs)
}
