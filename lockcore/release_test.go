package lockcore

import (
	"context"
	"testing"
)

// TestReleaseClearsRecord: a lock given back normally reads as free, with no
// record left behind; only a holder that dies leaves one.
func TestReleaseClearsRecord(t *testing.T) {
	db := testDB(t)
	l := New(db, Options{ProcessType: "cli"})
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec, err := ParseRecord(readLockFile(t, l.Path())); err != nil || rec.Process != "cli" {
		t.Fatalf("record while held = %+v, %v; want ours", rec, err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	st, err := Inspect(db, Options{})
	if err != nil || st.Locked || st.Leftover || st.Holder != nil || st.RecordError != "" {
		t.Fatalf("Inspect after Release = %+v, %v; want free with no record", st, err)
	}
	rec, err := ParseRecord(readLockFile(t, l.Path()))
	if err != nil || rec.State != StateFree || rec.Process != "cli" {
		t.Fatalf("record after Release = %+v, %v; want ours marked free", rec, err)
	}
}

// TestSharedReleaseKeepsOtherReadersRecord: a reader that leaves while
// another process still reads does not clear the record.
func TestSharedReleaseKeepsOtherReadersRecord(t *testing.T) {
	db := testDB(t)
	l := New(db, Options{ProcessType: "cli"})
	if err := l.AcquireShared(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "mcp-server")
	h.expect("locked")
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	st, err := Inspect(db, Options{})
	if err != nil || !st.Locked || st.Mode != ModeShared || st.Holder == nil || st.Holder.PID != h.pid() {
		t.Fatalf("Inspect after our shared Release = %+v, %v; want held shared by the helper %d", st, err, h.pid())
	}
	t.Logf("the helper's record survives our release: %+v", *st.Holder)
}
