package lockcore

import (
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRecordAlwaysValidDuringHandovers reads the lock file continuously
// while processes hand the lock over: every read is one whole JSON record.
func TestRecordAlwaysValidDuringHandovers(t *testing.T) {
	db, dir := testDB(t), t.TempDir()
	counter := dir + "/counter"
	os.WriteFile(counter, []byte("0"), 0o644)
	var hs []*helper
	for i := range 3 {
		hs = append(hs, startHelper(t, "contend", "DB", db, "MODE", "exclusive", "N", "200",
			"COUNTER", counter, "OUT", dir+"/out"+strconv.Itoa(i), "PROC", "p"+strconv.Itoa(i)))
		hs[i].expect("ready")
	}
	first := New(db, Options{})
	mustAcquire(t, first, ModeExclusive) // the file exists from here on
	first.Release()
	path := first.Path()
	var stop atomic.Bool
	reads := make(chan int)
	go func() {
		n := 0
		for ; !stop.Load(); n++ {
			b, err := os.ReadFile(path)
			if err != nil || !json.Valid(b) || len(b) < RecordSize {
				t.Errorf("read %d: %q, %v: not a whole record", n, b, err)
				break
			}
		}
		reads <- n
	}()
	for _, h := range hs {
		h.send("go")
	}
	for _, h := range hs {
		h.wait()
	}
	stop.Store(true)
	t.Logf("%d reads during 600 handovers, all valid", <-reads)
}

func TestTimestampIsAcquisitionTime(t *testing.T) {
	l := New(testDB(t), Options{})
	before := time.Now().UnixMilli()
	mustAcquire(t, l, ModeExclusive)
	after := time.Now().UnixMilli()
	defer l.Release()
	rec, err := ParseRecord(readLockFile(t, l.Path()))
	if err != nil || rec.Timestamp < before || rec.Timestamp > after || rec.Mode != ModeExclusive {
		t.Fatalf("record = %+v, %v; want timestamp in [%d, %d]", rec, err, before, after)
	}
}

// TestHeldLockSurvivesGC: the descriptor lives in the registry, so
// collecting every Lock value does not close it or drop the kernel lock.
func TestHeldLockSurvivesGC(t *testing.T) {
	db := testDB(t)
	func() { mustAcquire(t, New(db, Options{}), ModeExclusive) }()
	for range 3 {
		runtime.GC()
	}
	fd, err := unix.Open(New(db, Options{}).Path(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != unix.EWOULDBLOCK {
		t.Fatalf("flock on a second descriptor = %v, want EWOULDBLOCK: the lock was dropped", err)
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
