package lockcore

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestQueuedWritersBeatLoopingReaders: four reader processes loop on the
// shared lock with no gap while three writer processes, each with a 5 s
// budget, queue behind an exclusive holder. When the holder lets go, the
// writers must all get in, one after the other, before the readers return:
// every waiting writer holds its own gate for its whole wait, so the
// readers keep deferring until the last writer is through, whatever order
// the kernel grants the writers in. A writer waiting without a gate would
// be overtaken by the readers once the gated writer had been served (see
// "How the gates came to be" in DESIGN.md).
func TestQueuedWritersBeatLoopingReaders(t *testing.T) {
	const readers, writers, rounds = 4, 3, 4
	db := testDB(t)
	path := New(db, Options{}).Path()
	var rs []*helper
	for i := range readers {
		r := startHelper(t, "readloop", "DB", db, "PROC", fmt.Sprint("reader", i), "HOLDUS", "1000")
		r.expect("ready")
		rs = append(rs, r)
	}
	for round := range rounds {
		holder := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", "holder")
		holder.expect("locked")
		var ws []*helper
		for i := range writers {
			w := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", fmt.Sprint("writer", i),
				"BUDGET", "5s", "HOLDUS", "30000")
			waitQueued(t, path, w.pid())
			ws = append(ws, w)
		}
		checkGated(t, db, ws)
		t.Logf("round %d: %d writers queued behind holder %d against %d looping readers", round, writers, holder.pid(), readers)
		holder.send("release")
		holder.expect("released")
		holder.wait()
		serveWriters(t, db, ws)
	}
	for _, r := range rs {
		r.stdin.Close()
		t.Log(r.expect("holds"))
		r.wait()
	}
}

// TestWritersKeepPreferenceWhenOneDies: three writers queue behind a
// reader that holds the shared lock for a second while four reader
// processes loop; the first writer to queue is killed. The other two must
// still hold the readers back, get in once the long reader leaves, and
// succeed within their 5 s budget. Were the dead writer's gate the only
// one, the looping readers would join the long reader's shared lock and
// never let go.
func TestWritersKeepPreferenceWhenOneDies(t *testing.T) {
	db := testDB(t)
	var rs []*helper
	for i := range 4 {
		r := startHelper(t, "readloop", "DB", db, "PROC", fmt.Sprint("reader", i), "HOLDUS", "1000")
		r.expect("ready")
		rs = append(rs, r)
	}
	long := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "long-reader", "HOLDUS", "1000000")
	long.expect("locked")
	var ws []*helper
	for i := range 3 {
		w := startHelper(t, "hold", "DB", db, "MODE", "exclusive", "PROC", fmt.Sprint("writer", i), "BUDGET", "5s")
		waitQueued(t, New(db, Options{}).Path(), w.pid())
		ws = append(ws, w)
	}
	t.Logf("writers %d, %d, %d queued behind the long reader; killing %d", ws[0].pid(), ws[1].pid(), ws[2].pid(), ws[0].pid())
	ws[0].crash()
	long.send("release") // honoured a second after it took the lock
	long.expect("released")
	long.wait()
	serveWriters(t, db, ws[1:])
	for _, r := range rs {
		r.stdin.Close()
		t.Log(r.expect("holds"))
		r.wait()
	}
}

// serveWriters waits for each of ws to say "locked", in whatever order the
// kernel grants them, checks that the writers still waiting hold their
// gates, and lets each one go.
func serveWriters(t *testing.T, db string, ws []*helper) {
	t.Helper()
	type said struct {
		w    *helper
		line string
		ok   bool
	}
	lines := make(chan said, len(ws))
	for _, w := range ws {
		go func() {
			line, ok := <-w.lines
			lines <- said{w, line, ok}
		}()
	}
	waiting := slices.Clone(ws)
	for range ws {
		var s said
		select {
		case s = <-lines:
		case <-time.After(waitLimit):
			t.Fatalf("no writer got in within %v", waitLimit)
		}
		if !s.ok || s.line != "locked" {
			t.Fatalf("writer %d said %q (open=%v), want \"locked\": it gave up against the looping readers", s.w.pid(), s.line, s.ok)
		}
		waiting = slices.DeleteFunc(waiting, func(w *helper) bool { return w == s.w })
		t.Logf("writer %d holds; %d still waiting", s.w.pid(), len(waiting))
		checkGated(t, db, waiting)
		s.w.send("release")
		s.w.expect("released")
		s.w.wait()
	}
}

// checkGated reports an error unless every helper in ws holds a gate of the
// lock file of db.
func checkGated(t *testing.T, db string, ws []*helper) {
	t.Helper()
	path := New(db, Options{}).Path()
	for _, w := range ws {
		if !holdsGate(t, path, w.pid()) {
			t.Errorf("waiting writer %d holds no gate", w.pid())
		}
	}
}
