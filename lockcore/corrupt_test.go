package lockcore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

var corruptRecords = map[string]string{
	"empty":      "",
	"truncated":  `{"pid":12,"timesta`,
	"not json":   "held by bob\n",
	"huge":       strings.Repeat("x", 1<<20),
	"huge json":  `{"pid":1,"pad":"` + strings.Repeat("y", 1<<16) + `"}`,
	"wrong type": `{"pid":"12","timestamp":"now","host":1,"process":[]}`,
	"pid zero":   `{"pid":0,"timestamp":1,"host":"h","process":"p"}`,
	"pid -1":     `{"pid":-1,"timestamp":1,"host":"h","process":"p"}`,
	"pid 2^40":   `{"pid":1099511627776,"timestamp":1,"host":"h","process":"p"}`,
	"nul bytes":  strings.Repeat("\x00", 600),
}

// TestCorruptRecordOnFreeLock: a corrupt record never blocks a free lock; the
// new holder overwrites it with a valid fixed-size record.
func TestCorruptRecordOnFreeLock(t *testing.T) {
	for name, content := range corruptRecords {
		db := testDB(t)
		l := New(db, quick)
		os.MkdirAll(l.dirForTest(), 0o755)
		if err := os.WriteFile(l.Path(), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := l.Acquire(context.Background()); err != nil {
			t.Fatalf("%s: Acquire = %v", name, err)
		}
		b := readLockFile(t, l.Path())
		want := RecordSize // padded up to the old length unless that was oversized
		if len(content) <= maxRecordRead {
			want = max(RecordSize, len(content))
		}
		if rec, err := ParseRecord(b); err != nil || rec.PID != self().PID || len(b) != want {
			t.Fatalf("%s: record after acquire = %+v, %v, %d bytes", name, rec, err, len(b))
		}
		l.Release()
	}
}

// TestCorruptRecordWhileHeld: while another process holds the lock, a
// corrupt record gives the "another process" message and Inspect says why.
func TestCorruptRecordWhileHeld(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "mcp-server")
	h.expect("locked")
	l := New(db, quick)
	for name, content := range corruptRecords {
		if err := os.WriteFile(l.Path(), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := l.Acquire(context.Background()); err == nil || err.Error() != anotherProcess {
			t.Fatalf("%s: Acquire = %v, want %q", name, err, anotherProcess)
		}
		if b, _ := os.ReadFile(l.Path()); string(b) != content {
			t.Fatalf("%s: a waiting process modified the lock file", name)
		}
		st, err := Inspect(db, quick)
		if err != nil || !st.Locked || st.Verified || (content != "" && st.RecordError == "") {
			t.Fatalf("%s: Inspect = %+v, %v", name, st, err)
		}
		out, _ := json.Marshal(st)
		t.Logf("%s: %s", name, out)
	}
	h.send("release")
	h.expect("released")
}

// TestUnverifiedHolderIsNotNamed: a record that names another host, or
// another boot, or a pid now used by a process with another start time, is
// not trusted. Neither is one naming a live process that does not hold the
// lock, where the kernel lists the holders (Linux); elsewhere nothing can
// tell that process from the holder, and it is named.
func TestUnverifiedHolderIsNotNamed(t *testing.T) {
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "mcp-server")
	h.expect("locked")
	l := New(db, quick)
	orig, err := ParseRecord(readLockFile(t, l.Path()))
	if err != nil {
		t.Fatal(err)
	}
	forge := func(f func(*LockInfo)) {
		li := *orig
		f(&li)
		if err := os.WriteFile(l.Path(), li.encode(RecordSize), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	named := func(proc string, pid int) string {
		return fmt.Sprintf("Database is currently in use by %s (PID: %d). Please try again in a moment.", proc, pid)
	}
	nonHolder, otherBoot := anotherProcess, anotherProcess
	if !kernelListsHolders {
		nonHolder = named("cli", os.Getpid())
	}
	if bootID() == "" { // no boot known here (neither Linux nor macOS)
		otherBoot = named("mcp-server", h.pid())
	}
	for _, tt := range []struct {
		name  string
		forge func(*LockInfo)
		want  string
	}{
		{"other host", func(li *LockInfo) { li.Host = "elsewhere" }, anotherProcess},
		{"reused pid", func(li *LockInfo) { li.Start++ }, anotherProcess},
		{"other boot", func(li *LockInfo) { li.Boot = "b" }, otherBoot},
		{"live non-holder", func(li *LockInfo) { *li = self(); li.Process = "cli" }, nonHolder},
	} {
		forge(tt.forge)
		if err := l.Acquire(context.Background()); err == nil || err.Error() != tt.want {
			t.Errorf("%s: Acquire = %v, want %q", tt.name, err, tt.want)
		}
	}
	forge(func(*LockInfo) {})
	if err := l.Acquire(context.Background()); err == nil || !strings.Contains(err.Error(), "mcp-server") {
		t.Errorf("true record: Acquire = %v, want the holder named", err)
	}
}
