package lockcore

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type interval struct {
	mode         Mode
	enter, leave int64
	proc         int
}

// TestContentionIntervals runs writer and reader processes against one lock;
// every hold is an interval of monotonic time, and no exclusive interval may
// overlap any other. A read-modify-write counter checks for lost updates, and
// every process finishing its holds shows nobody starved.
func TestContentionIntervals(t *testing.T) {
	const writers, readers, n = 4, 2, 150
	db, dir := testDB(t), t.TempDir()
	counter := filepath.Join(dir, "counter")
	os.WriteFile(counter, []byte("0"), 0o644)
	var hs []*helper
	for i := range writers + readers {
		mode := ModeExclusive
		if i >= writers {
			mode = ModeShared
		}
		hs = append(hs, startHelper(t, "contend", "DB", db, "MODE", string(mode), "N", strconv.Itoa(n),
			"COUNTER", counter, "OUT", filepath.Join(dir, fmt.Sprint("out", i)), "PROC", fmt.Sprint("p", i)))
	}
	for _, h := range hs {
		h.expect("ready")
	}
	for _, h := range hs {
		h.send("go")
	}
	for _, h := range hs {
		h.wait()
	}
	ivs := readIntervals(t, dir, len(hs))
	if err := checkOverlap(ivs); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(counter); strings.TrimSpace(string(b)) != strconv.Itoa(writers*n) {
		t.Fatalf("counter = %s, want %d: updates were lost", b, writers*n)
	}
	t.Logf("%d holds by %d processes, no overlap, no lost update", len(ivs), len(hs))
	checkFair(t, ivs, writers, n)
}

// checkFair: all writers started together and loop with no gap, so each
// must have had turns in the first half of the exclusive holds (in time
// order), not waited for the others to finish. The bar is low so that a
// helper the scheduler starts late does not fail the test; the log shows
// the real spread (about n/2 each).
func checkFair(t *testing.T, ivs []interval, writers, n int) {
	t.Helper()
	seen := make([]int, writers)
	half := 0
	for _, iv := range ivs { // sorted by checkOverlap
		if iv.mode == ModeExclusive && half < writers*n/2 {
			seen[iv.proc]++
			half++
		}
	}
	t.Logf("writers' holds in the first half: %v", seen)
	for p, k := range seen {
		if k == 0 {
			t.Errorf("writer %d had %d of its %d holds in the first half: starved", p, k, n)
		}
	}
}

func readIntervals(t *testing.T, dir string, procs int) []interval {
	t.Helper()
	var ivs []interval
	for i := range procs {
		f, err := os.Open(filepath.Join(dir, fmt.Sprint("out", i)))
		if err != nil {
			t.Fatal(err)
		}
		for sc := bufio.NewScanner(f); sc.Scan(); {
			var iv interval
			fmt.Sscan(sc.Text(), &iv.mode, &iv.enter, &iv.leave)
			iv.proc = i
			ivs = append(ivs, iv)
		}
		f.Close()
	}
	return ivs
}

// checkOverlap sweeps intervals sorted by entry; an exclusive interval must
// not overlap any other.
func checkOverlap(ivs []interval) error {
	slices.SortFunc(ivs, func(a, b interval) int { return int(a.enter - b.enter) })
	for i, a := range ivs {
		for _, b := range ivs[i+1:] {
			if b.enter >= a.leave {
				break
			}
			if a.mode == ModeExclusive || b.mode == ModeExclusive {
				return fmt.Errorf("overlap: %+v and %+v", a, b)
			}
		}
	}
	return nil
}

func TestCheckOverlapCatchesOverlap(t *testing.T) {
	ivs := []interval{{ModeShared, 0, 10, 0}, {ModeShared, 5, 20, 1}, {ModeExclusive, 15, 30, 2}}
	if checkOverlap(ivs) == nil {
		t.Fatal("checkOverlap missed an exclusive interval overlapping a shared one")
	}
	if err := checkOverlap(ivs[:2]); err != nil {
		t.Fatalf("checkOverlap(shared, shared) = %v", err)
	}
}

// TestWriterNotStarvedByReaders: four processes take the shared lock in a
// loop with no gap, each hold a millisecond long, so at almost every moment
// some reader holds it; a writer still gets in within the default budget.
func TestWriterNotStarvedByReaders(t *testing.T) {
	db := testDB(t)
	var hs []*helper
	for range 4 {
		h := startHelper(t, "readloop", "DB", db, "PROC", "reader", "HOLDUS", "1000")
		h.expect("ready")
		hs = append(hs, h)
	}
	l := New(db, Options{ProcessType: "writer"})
	start := time.Now()
	mustAcquire(t, l, ModeExclusive)
	t.Logf("writer got in after %v against 4 looping readers", time.Since(start))
	if st, _ := Inspect(db, Options{}); st.Mode != ModeExclusive || !st.Verified || st.Holder.Process != "writer" {
		t.Fatalf("Inspect while writer holds = %+v", st)
	}
	l.Release()
	for _, h := range hs {
		h.stdin.Close()
		t.Log(h.expect("holds"))
		h.wait()
	}
}

// TestReaderNotStarvedByWriters: three processes take the exclusive lock in
// a loop with no gap, each hold a millisecond long, so at every moment one
// writer holds the lock and the others wait at their gates; a reader still
// gets in, again and again, within the default budget. It defers to the
// writer it finds waiting, not to the writers that come after it.
func TestReaderNotStarvedByWriters(t *testing.T) {
	db := testDB(t)
	var hs []*helper
	for i := range 3 {
		h := startHelper(t, "writeloop", "DB", db, "PROC", fmt.Sprint("writer", i), "HOLDUS", "1000")
		h.expect("ready")
		hs = append(hs, h)
	}
	l := New(db, Options{ProcessType: "reader"})
	var worst time.Duration
	for range 20 {
		start := time.Now()
		mustAcquire(t, l, ModeShared)
		worst = max(worst, time.Since(start))
		l.Release()
	}
	t.Logf("20 shared holds against 3 looping writers; longest wait %v", worst)
	for _, h := range hs {
		h.stdin.Close()
		t.Log(h.expect("holds"))
		h.wait()
	}
}
