package lockcore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
	"time"
)

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

func TestInspectSharedReaders(t *testing.T) {
	db := testDB(t)
	a := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "r1")
	a.expect("locked")
	b := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "r2")
	b.expect("locked")
	st, err := Inspect(db, Options{})
	if err != nil || !st.Locked || st.Mode != ModeShared || st.Readers != 2 || !st.Verified {
		t.Fatalf("Inspect = %+v, %v; want shared, 2 readers, verified", st, err)
	}
	if ok, _ := New(db, Options{}).TryAcquire(); ok {
		t.Fatal("TryAcquire succeeded against two readers")
	}
	mustAcquire(t, New(db, Options{}), ModeShared)
}

func TestInspectFreeCreatesNothing(t *testing.T) {
	db := testDB(t)
	st, err := Inspect(db, Options{})
	if err != nil || st.Locked || st.Holder != nil || st.Path != New(db, Options{}).Path() {
		t.Fatalf("Inspect(no file) = %+v, %v", st, err)
	}
	if _, err := os.Lstat(st.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("Inspect created the lock file")
	}
}

// TestGofrsHolderExcludes: a holder using github.com/gofrs/flock on the same
// file excludes us, as the kernel lock is shared truth.
func TestGofrsHolderExcludes(t *testing.T) {
	db := testDB(t)
	l := New(db, quick)
	mustAcquire(t, l, ModeExclusive) // creates the file
	l.Release()
	h := startHelper(t, "gofrs", "LOCKPATH", l.Path())
	h.expect("locked")
	if ok, err := l.TryAcquire(); ok || err != nil {
		t.Fatalf("TryAcquire against a gofrs/flock holder = %v, %v", ok, err)
	}
	if err := l.Acquire(context.Background()); err == nil || err.Error() != anotherProcess {
		t.Fatalf("Acquire = %v, want %q", err, anotherProcess)
	}
	h.wait()
	mustAcquire(t, l, ModeExclusive)
}
