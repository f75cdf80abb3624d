package lockcore

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestAcquireCreatesDirAndFile(t *testing.T) {
	db := testDB(t)
	l := New(db, Options{})
	if want := filepath.Join(filepath.Dir(db), LockFileName); l.Path() != want {
		t.Fatalf("Path() = %q, want %q", l.Path(), want)
	}
	mustAcquire(t, l, ModeExclusive)
	if err := l.Release(); err != nil {
		t.Fatalf("Release() = %v", err)
	}
	if err := l.Release(); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("second Release() = %v, want ErrNotHeld", err)
	}
	fi, err := os.Stat(l.Path())
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("lock file after release: %v, %v; it must stay", fi, err)
	}
}

func TestExclusiveBlocksInProcess(t *testing.T) {
	db := testDB(t)
	a, b := New(db, Options{}), New(db, Options{})
	mustAcquire(t, a, ModeExclusive)
	if ok, err := b.TryAcquire(); ok || err != nil {
		t.Fatalf("TryAcquire() while held = %v, %v; want false, nil", ok, err)
	}
	mustBlock(t, func() { mustAcquire(t, b, ModeShared) }, func() { a.Release() })
	b.Release()
}

func TestSharedAdmitsReadersInProcess(t *testing.T) {
	db := testDB(t)
	const n = 8
	var inside, peak atomic.Int32
	all := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			l := New(db, Options{})
			mustAcquire(t, l, ModeShared)
			if inside.Add(1) == n {
				close(all)
			}
			<-all // every reader is inside at once
			peak.Store(max(peak.Load(), inside.Load()))
			inside.Add(-1)
			l.Release()
		})
	}
	wg.Wait()
	if peak.Load() != n {
		t.Fatalf("peak readers = %d, want %d", peak.Load(), n)
	}
}

// TestThousandGoroutines: goroutines exclude each other in memory and the
// race detector sees it through the plain counter.
func TestThousandGoroutines(t *testing.T) {
	db := testDB(t)
	shared := New(db, Options{})
	var inside atomic.Int32
	counter := 0
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Go(func() {
			l := shared
			if i%2 == 0 {
				l = New(db, Options{})
			}
			mustAcquire(t, l, ModeExclusive)
			if n := inside.Add(1); n > 1 {
				t.Errorf("%d goroutines inside", n)
			}
			counter++
			inside.Add(-1)
			l.Release()
		})
	}
	wg.Wait()
	if counter != 1000 {
		t.Fatalf("counter = %d, want 1000", counter)
	}
}

// TestSymlinkedDirShareOneHandle: two paths to one directory are one lock
// within the process, not two kernel locks that would exclude each other.
func TestSymlinkedDirShareOneHandle(t *testing.T) {
	dir := tempDir(t)
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	symlinkOrSkip(t, filepath.Join(dir, "real"), filepath.Join(dir, "link"))
	a := New(filepath.Join(dir, "real", "a.db"), Options{})
	b := New(filepath.Join(dir, "link", "a.db"), Options{})
	mustAcquire(t, a, ModeShared)
	mustAcquire(t, b, ModeShared)
	if a.h != b.h {
		t.Fatal("two handles for one lock file")
	}
	a.Release()
	b.Release()
}

// TestHeldLockSurvivesGC: the descriptor lives in the registry, so
// collecting every Lock value does not close it or drop the kernel lock.
func TestHeldLockSurvivesGC(t *testing.T) {
	db := testDB(t)
	func() { mustAcquire(t, New(db, Options{}), ModeExclusive) }()
	for range 3 {
		runtime.GC()
	}
	if free, err := freeElsewhere(New(db, Options{}).Path()); free || err != nil {
		t.Fatalf("lock through a second descriptor = %v, %v; want busy: the lock was dropped", free, err)
	}
}

func TestLoggerSilentAboveDebug(t *testing.T) {
	var logs logBuffer
	l := New(testDB(t), Options{Logger: debugLogger(&logs)})
	mustAcquire(t, l, ModeExclusive)
	l.Release()
	if logs.count("level=DEBUG") == 0 || logs.count("level=INFO")+logs.count("level=WARN")+logs.count("level=ERROR") != 0 {
		t.Fatalf("logs = %q, want debug lines only", logs.String())
	}
}
