package lockcore

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestClearStale(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "mcp-server")
	h.expect("locked")
	path := New(db, Options{}).Path()
	before := readLockFile(t, path)
	cleared, err := ClearStale(db)
	var le *LockedError
	if cleared || !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != h.pid() || !le.Verified {
		t.Fatalf("ClearStale while held = %v, %v; want false and an error naming pid %d", cleared, err, h.pid())
	}
	if after := readLockFile(t, path); !bytes.Equal(before, after) {
		t.Fatal("ClearStale changed the record of a live holder")
	}
	h.crash()
	if st, _ := Inspect(db, Options{}); !st.Leftover {
		t.Fatalf("Inspect after crash = %+v, want Leftover", st)
	}
	if cleared, err := ClearStale(db); !cleared || err != nil {
		t.Fatalf("ClearStale after crash = %v, %v; want true, nil", cleared, err)
	}
	readLockFile(t, path)
	if st, _ := Inspect(db, Options{}); st.Leftover || st.Locked || st.Holder != nil || st.RecordError != "" {
		t.Fatalf("Inspect after ClearStale = %+v, want free and clean", st)
	}
	if cleared, err := ClearStale(db); cleared || err != nil {
		t.Fatalf("second ClearStale = %v, %v; want false, nil", cleared, err)
	}
}

func TestClearStaleCorruptRecord(t *testing.T) {
	db := testDB(t)
	path := New(db, Options{}).Path()
	os.MkdirAll(New(db, Options{}).dirForTest(), 0o755)
	os.WriteFile(path, []byte("garbage"), 0o644)
	if st, _ := Inspect(db, Options{}); st.RecordError == "" {
		t.Fatalf("Inspect of a corrupt record = %+v, want RecordError", st)
	}
	if cleared, err := ClearStale(db); !cleared || err != nil {
		t.Fatalf("ClearStale of a corrupt record = %v, %v; want true, nil", cleared, err)
	}
	if b := readLockFile(t, path); len(b) != RecordSize {
		t.Fatalf("cleared file has %d bytes, want %d", len(b), RecordSize)
	}
}
