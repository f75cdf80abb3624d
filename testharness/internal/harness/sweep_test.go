package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSweep(t *testing.T) {
	x := func(proc string, enter, leave int64) Interval {
		return Interval{Proc: proc, Enter: enter, Leave: leave}
	}
	s := func(proc string, enter, leave int64) Interval {
		return Interval{Proc: proc, Enter: enter, Leave: leave, Shared: true}
	}
	tests := []struct {
		name         string
		ivs          []Interval
		overlaps, rr int
	}{
		{"empty", nil, 0, 0},
		{"back to back", []Interval{x("a", 1, 2), x("b", 2, 3), x("a", 3, 4)}, 0, 0},
		{"exclusive inside exclusive", []Interval{x("a", 1, 10), x("b", 4, 5)}, 1, 0},
		{"exclusive across the end", []Interval{x("b", 5, 12), x("a", 1, 10)}, 1, 0},
		{"out of order, disjoint", []Interval{x("c", 7, 8), x("a", 1, 2), x("b", 4, 5)}, 0, 0},
		{"readers share", []Interval{s("a", 1, 10), s("b", 2, 3), s("c", 4, 12)}, 0, 2},
		{"writer under a reader", []Interval{s("a", 1, 10), x("w", 9, 11)}, 1, 0},
		{"reader under a writer", []Interval{x("w", 1, 10), s("a", 9, 11)}, 1, 0},
		{"writer long after reader", []Interval{s("a", 1, 10), s("b", 2, 20), x("w", 15, 16)}, 1, 1},
	}
	for _, tt := range tests {
		got := Sweep(tt.ivs)
		if got.Overlaps != tt.overlaps || got.SharedOverlaps != tt.rr || got.Intervals != len(tt.ivs) {
			t.Errorf("%s: Sweep() = %d overlaps, %d shared, %d intervals; want %d, %d, %d",
				tt.name, got.Overlaps, got.SharedOverlaps, got.Intervals, tt.overlaps, tt.rr, len(tt.ivs))
		}
		if got.Overlaps > 0 && len(got.Examples) == 0 {
			t.Errorf("%s: Sweep() gave no example of its overlap", tt.name)
		}
	}
}

func TestReadLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.log")
	l, err := CreateEventLog(path)
	if err != nil {
		t.Fatal(err)
	}
	l.Enter(100, false, 7)
	l.Ack(0)
	l.Leave(110)
	l.Fail(50)
	l.Enter(200, true, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := ReadLog(path, "p", 0); err == nil {
		t.Errorf("ReadLog(not killed) of a log ending inside a hold = nil error, want one")
	}
	lg, err := ReadLog(path, "p", 250)
	if err != nil {
		t.Fatal(err)
	}
	want := []Interval{{Proc: "p", Enter: 100, Leave: 110}, {Proc: "p", Enter: 200, Leave: 250, Shared: true}}
	if len(lg.Intervals) != 2 || lg.Intervals[0] != want[0] || lg.Intervals[1] != want[1] {
		t.Errorf("ReadLog().Intervals = %+v, want %+v", lg.Intervals, want)
	}
	if !lg.KilledInHold || lg.Fails != 1 || len(lg.Acks) != 1 || len(lg.Waits) != 2 || lg.Waits[0] != 7 {
		t.Errorf("ReadLog() = %+v, want killed in hold, 1 fail, 1 ack, waits [7 3]", lg)
	}
	// Killed before the enter was even recorded as after the kill: the
	// open interval is dropped rather than invented.
	if lg, err := ReadLog(path, "p", 150); err != nil || len(lg.Intervals) != 1 {
		t.Errorf("ReadLog(killed before enter) = %d intervals, %v; want 1, nil", len(lg.Intervals), err)
	}

	if err := os.WriteFile(path, []byte("E 1 x 0\nE 2 x 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLog(path, "p", 5); err == nil {
		t.Errorf("ReadLog(two enters in a row) = nil error, want one")
	}
}

func TestMono(t *testing.T) {
	a, b := Mono(), Mono()
	if a <= 0 || b < a {
		t.Errorf("Mono() = %d then %d, want positive and non-decreasing", a, b)
	}
}

// FuzzReadLog feeds arbitrary bytes to the event log parser: it returns an
// error or a log whose intervals are well formed, and never panics.
func FuzzReadLog(f *testing.F) {
	f.Add([]byte("E 1 x 0\nL 2\nA 0\nF 9\n"), int64(0))
	f.Add([]byte("E 5 s 1\n"), int64(7))
	f.Add([]byte("E 5 s 1\nE 6 x 0\n"), int64(7))
	f.Add([]byte("L 3\n"), int64(0))
	f.Add([]byte("E 9 x 0\nL 3\n"), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, killedAt int64) {
		path := filepath.Join(t.TempDir(), "fuzz.log")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		lg, err := ReadLog(path, "p", killedAt)
		if err != nil {
			return
		}
		for _, iv := range lg.Intervals {
			if iv.Leave < iv.Enter || iv.Proc != "p" {
				t.Errorf("ReadLog(%q) interval %+v, want Leave >= Enter and Proc p", data, iv)
			}
		}
	})
}
