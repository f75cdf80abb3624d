package lockcore

import (
	"os"
	"testing"
)

// TestProcessTable: records carry the creation time and boot of their
// writer, so a record whose pid now names another process is not
// verified, and a process that was killed is not alive.
func TestProcessTable(t *testing.T) {
	me := self()
	if me.Start == 0 || me.Start != startTime(os.Getpid()) || me.Boot == "" || me.Boot != bootID() {
		t.Fatalf("self() = %+v; want start %d and boot %q, both known", me, startTime(os.Getpid()), bootID())
	}
	if !pidAlive(os.Getpid()) || pidAlive(0) || pidAlive(-4) {
		t.Fatalf("pidAlive(self, 0, -4) = %v, %v, %v; want true, false, false", pidAlive(os.Getpid()), pidAlive(0), pidAlive(-4))
	}
	db := testDB(t)
	h := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "cli")
	h.expect("locked")
	rec, err := ParseRecord(readLockFile(t, New(db, Options{}).Path()))
	if err != nil || rec.PID != h.pid() || rec.Start == 0 || rec.Start != startTime(h.pid()) || rec.Boot != me.Boot {
		t.Fatalf("helper's record = %+v, %v; want pid %d, start %d, boot %q", rec, err, h.pid(), startTime(h.pid()), me.Boot)
	}
	reused := *rec
	reused.Start = rec.Start + 1 // the record of another process that had this pid
	if !verify(rec) || verify(&reused) {
		t.Fatalf("verify(record) = %v, verify(record with another start time) = %v; want true, false", verify(rec), verify(&reused))
	}
	h.crash()
	if pidAlive(h.pid()) || verify(rec) {
		t.Fatalf("after the helper was killed: pidAlive = %v, verify = %v; want false, false", pidAlive(h.pid()), verify(rec))
	}
	t.Logf("helper %d: start %d, boot %q", h.pid(), rec.Start, rec.Boot)
}
