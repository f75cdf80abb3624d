package testharness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// badRecords are lock file contents that are not a usable holder record.
func badRecords() []struct {
	name    string
	content []byte
} {
	host, _ := os.Hostname()
	record := func(pid string) []byte {
		return fmt.Appendf(nil, `{"pid":%s,"timestamp":%d,"host":%q,"process":"mcp-server"}`, pid, time.Now().UnixMilli(), host)
	}
	garbage := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	return []struct {
		name    string
		content []byte
	}{
		{"empty", nil},
		{"truncated JSON", record("4242")[:20]},
		{"non-JSON", []byte("locked by the nightly job, do not touch\n")},
		{"1 MiB garbage", garbage},
		{"wrong types", []byte(`{"pid":"4242","timestamp":"yesterday","host":7,"process":["cli"]}`)},
		{"pid 0", record("0")},
		{"pid -1", record("-1")},
		{"pid 2^40", record("1099511627776")},
		{"NUL bytes", make([]byte, 512)},
		{"record then NUL bytes", append(record("4242"), make([]byte, 64)...)},
	}
}

// TestCorruptRecordFree is scenario 8 with the lock free: whatever the lock
// file holds, an acquisition succeeds at once, replaces the record with its
// own (the whole file valid JSON), and the file is never deleted.
func TestCorruptRecordFree(t *testing.T) {
	built(t)
	for _, bad := range badRecords() {
		t.Run(bad.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "tasks.db")
			lockPath := harness.LockPath(db)
			if err := os.WriteFile(lockPath, bad.content, 0o644); err != nil {
				t.Fatal(err)
			}
			ino := inode(t, lockPath)
			l := lockcore.New(db, lockcore.Options{MaxRetries: 10, RetryDelay: 20 * time.Millisecond})
			if err := l.Acquire(context.Background()); err != nil {
				t.Fatalf("Acquire over a %s record = %v, want nil", bad.name, err)
			}
			pid, err := harness.RecordPID(db)
			if err != nil || pid != os.Getpid() {
				t.Errorf("RecordPID while holding = %d, %v; want %d: the %s record was not replaced", pid, err, os.Getpid(), bad.name)
			}
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			if got := inode(t, lockPath); got != ino {
				t.Errorf("lock file inode = %d, want %d: the file was deleted and recreated", got, ino)
			}
		})
	}
}

// TestCorruptRecordHeld is scenario 8 with the lock held by another
// process: whatever its record has become, a waiter fails with the
// "another process" form of LockedError and does not crash; the holder
// releases normally afterwards.
func TestCorruptRecordHeld(t *testing.T) {
	const want = "Database is currently in use by another process. Please try again in a moment."
	for _, bad := range badRecords() {
		t.Run(bad.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "tasks.db")
			lockPath := harness.LockPath(db)
			h := start(t, "holder", harness.RoleHolder, harness.Args{DB: db, ProcessType: "mcp-server"})
			expect(t, h, "holding")
			ino := inode(t, lockPath)
			if err := os.WriteFile(lockPath, bad.content, 0o644); err != nil {
				t.Fatal(err)
			}
			l := lockcore.New(db, lockcore.Options{MaxRetries: 5, RetryDelay: 20 * time.Millisecond})
			err := l.Acquire(context.Background())
			var le *lockcore.LockedError
			if !errors.Is(err, lockcore.ErrLocked) || !errors.As(err, &le) {
				t.Fatalf("Acquire while held with a %s record = %v, want a *LockedError", bad.name, err)
			}
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err.Error(), want)
			}
			st, err := lockcore.Inspect(db, lockcore.Options{})
			if err != nil || !st.Locked || st.Verified {
				t.Errorf("Inspect = %+v, %v; want locked by an unverified holder", st, err)
			}
			if got, _ := os.ReadFile(lockPath); !bytes.Equal(got, bad.content) {
				t.Errorf("the waiter modified the lock file (%d bytes, want the %d it found)", len(got), len(bad.content))
			}
			if err := h.Send("release"); err != nil {
				t.Fatal(err)
			}
			expect(t, h, "released")
			waitExit(t, h)
			if err := l.Acquire(context.Background()); err != nil {
				t.Fatalf("Acquire after the holder released = %v, want nil", err)
			}
			if pid, err := harness.RecordPID(db); err != nil || pid != os.Getpid() {
				t.Errorf("RecordPID after taking over = %d, %v; want %d", pid, err, os.Getpid())
			}
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			if got := inode(t, lockPath); got != ino {
				t.Errorf("lock file inode = %d, want %d: the file was deleted and recreated", got, ino)
			}
		})
	}
}
