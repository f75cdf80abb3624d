package lockcore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"
)

func TestCrashedHolderFreesLockAtOnce(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "crasher")
	h.expect("locked")
	if ok, _ := New(db, Options{}).TryAcquire(); ok {
		t.Fatal("TryAcquire succeeded while the helper holds the lock")
	}
	h.crash()
	t.Logf("helper %d killed while holding", h.pid())
	st, err := Inspect(db, Options{})
	if err != nil || st.Locked || !st.Leftover || st.Holder == nil || st.Holder.PID != h.pid() {
		t.Fatalf("Inspect after crash = %+v, %v; want free with the dead holder's leftover record", st, err)
	}
	var logs logBuffer
	l := New(db, Options{Logger: debugLogger(&logs)})
	if ok, err := l.TryAcquire(); !ok || err != nil {
		t.Fatalf("TryAcquire right after the crash = %v, %v; want true", ok, err)
	}
	defer l.Release()
	if want := "replaced a record left by pid " + strconv.Itoa(h.pid()); logs.count(want) != 1 {
		t.Fatalf("logs = %q, want %q", logs.String(), want)
	}
	rec, err := ParseRecord(readLockFile(t, l.Path()))
	if err != nil || rec.PID != self().PID {
		t.Fatalf("record after recovery = %+v, %v; want ours", rec, err)
	}
}

// TestHungHolderIsNeverRobbed stops a holder (SIGSTOP; on Windows its
// threads are suspended): waiters give up with an error that names it and
// says it may be hung, and it keeps the lock.
func TestHungHolderIsNeverRobbed(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "mcp-server")
	h.expect("locked")
	h.suspend()
	opts := quick
	opts.StaleTimeout = time.Nanosecond
	err := New(db, opts).Acquire(context.Background())
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire = %v, want *LockedError", err)
	}
	want := fmt.Sprintf("Database is currently in use by mcp-server (PID: %d). Please try again in a moment.", h.pid())
	if err.Error() != want || !le.PossiblyHung || le.Mode != ModeExclusive {
		t.Fatalf("error = %q hung=%v mode=%q; want %q, hung, exclusive", err, le.PossiblyHung, le.Mode, want)
	}
	t.Logf("detail: %s", le.Detail())
	st, _ := Inspect(db, opts)
	if !st.Locked || !st.Verified || !st.PossiblyHung || st.Holder.PID != h.pid() {
		t.Fatalf("Inspect = %+v, want locked by the hung helper, possibly hung", st)
	}
	h.resume()
	h.send("release")
	h.expect("released")
	mustAcquire(t, New(db, Options{}), ModeExclusive)
}
