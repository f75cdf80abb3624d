package lockcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStatusJSONShape(t *testing.T) {
	st := Status{
		Path: "/d/.astrotask.lock", Locked: true, Mode: ModeExclusive,
		Holder:   &LockInfo{PID: 7, Timestamp: 1, Host: "h", Process: "cli"},
		Verified: true, Age: 1500 * time.Millisecond, Readers: 0,
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	want := map[string]any{
		"locked": true, "mode": "exclusive", "path": "/d/.astrotask.lock",
		"holder":   map[string]any{"pid": 7.0, "timestamp": 1.0, "host": "h", "process": "cli"},
		"verified": true, "ageMs": 1500.0, "possiblyHung": false, "readers": 0.0,
		"leftover": false, "recordError": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Status JSON mismatch (-want +got):\n%s", diff)
	}
	b, _ = json.Marshal(Status{Path: "p"})
	if want := `{"locked":false,"mode":"","path":"p","holder":null,"verified":false,"ageMs":0,"possiblyHung":false,"readers":0,"leftover":false,"recordError":""}`; string(b) != want {
		t.Fatalf("free Status JSON = %s, want %s", b, want)
	}
}

func TestLockedErrorTexts(t *testing.T) {
	holder := &LockInfo{PID: 12345, Process: "mcp-server"}
	for _, tt := range []struct {
		e    LockedError
		want string
	}{
		{LockedError{Holder: holder, Verified: true}, "Database is currently in use by mcp-server (PID: 12345). Please try again in a moment."},
		{LockedError{Holder: holder, Verified: false, PossiblyHung: true}, anotherProcess},
		{LockedError{Verified: true}, anotherProcess},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestInspectSharedReaders: two reader processes hold the lock. Inspect
// sees it held shared by a verified reader everywhere; it counts the
// readers only where the kernel lists them (Linux), and reports 0, unknown,
// elsewhere.
func TestInspectSharedReaders(t *testing.T) {
	db := testDB(t)
	a := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "r1")
	a.expect("locked")
	b := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "r2")
	b.expect("locked")
	wantReaders := 0
	if kernelListsHolders {
		wantReaders = 2
	}
	st, err := Inspect(db, Options{})
	if err != nil || !st.Locked || st.Mode != ModeShared || st.Readers != wantReaders || !st.Verified {
		t.Fatalf("Inspect = %+v, %v; want shared, %d readers, verified", st, err, wantReaders)
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
