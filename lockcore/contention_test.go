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
