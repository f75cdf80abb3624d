package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestMain lets lockbench's children, which re-execute the running binary,
// run from the test binary.
func TestMain(m *testing.M) {
	if harness.IsChild() {
		os.Exit(harness.RunChild())
	}
	os.Exit(m.Run())
}

// TestRunSmall runs lockbench on a small workload and checks the report:
// the table, the JSON file, and zero overlaps for lockcore and raw flock.
func TestRunSmall(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	args := []string{"--procs", "3", "--acquisitions", "20", "--kills", "3", "--cycles", "200", "--rounds", "2", "--json", out}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%v) = %d, want 0; stderr: %s", args, code, stderr.String())
	}
	for _, want := range []string{"| Uncontended exclusive cycle |", "W1: overlapping holds | 0 | 0 |", "Crash recovery", "End to end not measured"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	for name, w := range map[string]*W1{"raw": rep.W1.Raw, "lockcore": rep.W1.Ours} {
		if w == nil || w.MinAcq != 20 || w.Overlaps != 0 || w.Failed != 0 {
			t.Errorf("W1 %s = %+v, want 20 acquisitions per process, no overlap, no failure", name, w)
		}
	}
	if c := rep.Crash.Ours; c == nil || len(c.SamplesMs) != 3 {
		t.Errorf("crash = %+v, want 3 samples", c)
	}
	if rep.Cycle == nil || rep.Cycle.OursNs <= 0 || rep.Cycle.RawNs <= 0 {
		t.Errorf("cycle = %+v, want positive times", rep.Cycle)
	}
}

func TestPercentile(t *testing.T) {
	xs := []int64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, tt := range []struct {
		p    float64
		want int64
	}{{50, 5}, {99, 10}, {100, 10}, {10, 1}, {1, 1}} {
		if got := percentile(xs, tt.p); got != tt.want {
			t.Errorf("percentile(1..10, %v) = %d, want %d", tt.p, got, tt.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil, 50) = %d, want 0", got)
	}
}

// TestW2Small drains a few tasks with two agents, each its own built
// astrotask-mcp, in both modes: every task is done once, claimNextTask
// loses no claim and needs two calls per task (plus each agent's last,
// empty one).
func TestW2Small(t *testing.T) {
	server := filepath.Join(t.TempDir(), "astrotask-mcp")
	build := exec.Command("go", "build", "-o", server, "../../../mcpserver/cmd/astrotask-mcp")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build astrotask-mcp: %v\n%s", err, out)
	}
	const tasks, agents = 12, 2
	w, err := runW2(context.Background(), server, []int{agents}, tasks, time.Millisecond, func(f string, a ...any) { t.Logf(f, a...) })
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Runs) != 2 {
		t.Fatalf("W2 runs = %d, want one per mode", len(w.Runs))
	}
	for _, r := range w.Runs {
		t.Logf("%+v", *r)
		if r.Done != tasks || r.Duplicates != 0 {
			t.Errorf("%s: %d done, %d double claims; want %d and 0", r.Mode, r.Done, r.Duplicates, tasks)
		}
	}
	next := w.Runs[1]
	if next.Mode != modeClaimNext || next.LostClaims != 0 || next.Calls != 2*tasks+agents {
		t.Errorf("claimNextTask run = %+v, want no lost claim and %d calls", *next, 2*tasks+agents)
	}
	var md bytes.Buffer
	writeW2(&md, w)
	if !strings.Contains(md.String(), "| `claimNextTask` | 2 |") {
		t.Errorf("W2 table lacks the claimNextTask row:\n%s", md.String())
	}
}
