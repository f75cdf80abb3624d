package lockcore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

func init() { roles["lockrecord"] = roleLockRecord }

// roleLockRecord locks the bytes of the record of the lock file at
// LOCKPATH exclusively, as a lock at offset 0 (gofrs/flock's) would, says
// "locked", and holds them until stdin closes.
func roleLockRecord() error {
	f, err := openReadOnly(env("LOCKPATH"))
	if err != nil {
		return err
	}
	if err := lockRange(f, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, RecordSize); err != nil {
		return err
	}
	fmt.Println("locked")
	for sc := bufio.NewScanner(os.Stdin); sc.Scan(); {
	}
	return nil
}

// TestMandatoryLocks: a byte-range lock on Windows keeps other processes
// from reading the bytes it covers. This is why the lock is a byte far
// past the record (lockOffset): TestRecordReadableWhileHeld would fail
// with the lock on the record.
func TestMandatoryLocks(t *testing.T) {
	skipUnderWine(t, "mandatory byte-range locks: it lets a process read bytes another process has locked")
	l := New(testDB(t), Options{})
	mustAcquire(t, l, ModeExclusive)
	l.Release()
	h := startHelper(t, "lockrecord", "LOCKPATH", l.Path())
	h.expect("locked")
	_, err := os.ReadFile(l.Path())
	if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		t.Fatalf("reading a record another process has locked = %v, want ERROR_LOCK_VIOLATION", err)
	}
	t.Logf("reading bytes another process locked: %v", err)
	h.wait()
}

// TestRecordReadableWhileHeld: while another process holds the lock,
// exclusive or shared, this process reads its record, Inspect and errors
// name it, and a second reader writes its own record while the first one
// still holds the lock.
func TestRecordReadableWhileHeld(t *testing.T) {
	db := testDB(t)
	path := New(db, Options{}).Path()
	for _, mode := range []Mode{ModeExclusive, ModeShared} {
		h := startHelper(t, "hold", "DB", db, "MODE", string(mode), "PROC", "mcp-server")
		h.expect("locked")
		holders := []*helper{h}
		if mode == ModeShared {
			h2 := startHelper(t, "hold", "DB", db, "MODE", string(mode), "PROC", "mcp-server")
			h2.expect("locked")
			holders = append(holders, h2)
		}
		last := holders[len(holders)-1]
		rec, err := ParseRecord(readLockFile(t, path))
		if err != nil || rec.PID != last.pid() || rec.Mode != mode || rec.State != StateHeld {
			t.Fatalf("%s: record read by another process = %+v, %v; want held by %d", mode, rec, err, last.pid())
		}
		st, err := Inspect(db, Options{})
		if err != nil || !st.Locked || st.Mode != mode || !st.Verified || st.Holder.PID != last.pid() {
			t.Fatalf("%s: Inspect = %+v, %v; want %s, verified, pid %d", mode, st, err, mode, last.pid())
		}
		want := "Database is currently in use by mcp-server (PID: " + strconv.Itoa(last.pid()) + "). Please try again in a moment."
		if err := New(db, Options{Timeout: NoWait}).Acquire(context.Background()); err == nil || err.Error() != want {
			t.Fatalf("%s: Acquire = %v, want %q", mode, err, want)
		}
		t.Logf("%s: %d holder(s); the record names %d", mode, len(holders), last.pid())
		for _, h := range holders {
			h.send("release")
			h.expect("released")
			h.wait()
		}
	}
}

// TestIOWhileWaitingInLockFileEx: while a goroutine of this process waits
// in LockFileEx, the rest of the process still reads the record: Inspect
// and a busy error name the holder. On one handle opened for synchronous
// I/O they would wait for the LockFileEx; the wait has a handle of its own.
func TestIOWhileWaitingInLockFileEx(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "cli")
	h.expect("locked")
	var logs logBuffer
	l := New(db, Options{Timeout: time.Hour, Logger: debugLogger(&logs)})
	errc := make(chan error)
	go func() { errc <- l.Acquire(context.Background()) }()
	if !waitFor(func() bool { return logs.count("waiting for release") > 0 }) {
		t.Fatal("the waiter never blocked")
	}
	done := make(chan error)
	go func() {
		st, err := Inspect(db, Options{})
		if err == nil && (!st.Locked || st.Holder == nil || st.Holder.PID != h.pid()) {
			err = fmt.Errorf("Inspect = %+v, want held by %d", st, h.pid())
		}
		if err == nil {
			var le *LockedError
			if err = New(db, Options{Timeout: NoWait}).Acquire(context.Background()); errors.As(err, &le) && le.Holder != nil && le.Holder.PID == h.pid() {
				err = nil
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("reading the record hung for %v while this process waits in LockFileEx", waitLimit)
	}
	t.Log("the record was read while this process waits in LockFileEx")
	h.send("release")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	l.Release()
}
