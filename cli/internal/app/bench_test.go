package app

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/taskstore"
)

// buildAstro builds the real astro binary (without the race detector, as
// users get it) into a temporary directory.
func buildAstro(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "astro")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/astro")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("go build astro: %v", err)
	}
	return bin
}

// astroRun runs the binary once and fails the benchmark if it fails.
func astroRun(b *testing.B, bin string, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(bin, args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("astro %v: %v\n%s", args, err, out)
	}
	return d
}

// reportMedian reports the median of ds in milliseconds beside ns/op.
func reportMedian(b *testing.B, ds []time.Duration) {
	b.Helper()
	slices.Sort(ds)
	med := ds[len(ds)/2]
	b.ReportMetric(float64(med.Microseconds())/1000, "ms-median")
}

// BenchmarkProcess measures whole astro processes, start to exit, as a
// person or an agent runs them: `task add` on a warm database, and `task
// list` on a database of 10,000 tasks, against the baseline of a process
// that starts and exits without opening the database (`astro --help`). Run
// it with a fixed count, e.g. -bench Process -benchtime 30x; the medians
// are the figures to quote.
func BenchmarkProcess(b *testing.B) {
	bin := buildAstro(b)

	b.Run("BaselineHelp", func(b *testing.B) {
		ds := make([]time.Duration, 0, b.N)
		for range b.N {
			ds = append(ds, astroRun(b, bin, "--help"))
		}
		b.StopTimer()
		reportMedian(b, ds)
	})

	b.Run("TaskAddWarm", func(b *testing.B) {
		db := filepath.Join(tempDir(b), "data", "astrotask.db")
		astroRun(b, bin, "--db", db, "init")
		astroRun(b, bin, "--db", db, "task", "add", "--title", "warm-up")
		ds := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			ds = append(ds, astroRun(b, bin, "--db", db, "task", "add", "--title", fmt.Sprintf("task %d", i)))
		}
		b.StopTimer()
		reportMedian(b, ds)
	})

	b.Run("TaskList10k", func(b *testing.B) {
		dir := tempDir(b)
		db := filepath.Join(dir, "data", "astrotask.db")
		doc := filepath.Join(dir, "tasks.json")
		writeBenchDocument(b, doc, 10_000)
		astroRun(b, bin, "--db", db, "import", doc)
		ds := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			ds = append(ds, astroRun(b, bin, "--db", db, "task", "list"))
		}
		b.StopTimer()
		reportMedian(b, ds)
	})
}

// writeBenchDocument writes an export document of n pending top-level tasks.
func writeBenchDocument(b *testing.B, path string, n int) {
	b.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	doc := taskstore.Document{Version: taskstore.ExportVersion,
		ContextSlices: []taskstore.ContextSlice{}, Dependencies: []taskstore.Dependency{}}
	for i := range n {
		doc.Tasks = append(doc.Tasks, taskstore.Task{
			ID: fmt.Sprintf("T%05d", i), ParentID: taskstore.ProjectRootID,
			Title: fmt.Sprintf("Benchmark task %d", i), Status: taskstore.StatusPending,
			PriorityScore: i % 101, CreatedAt: at.Add(time.Duration(i) * time.Millisecond), UpdatedAt: at,
		})
	}
	buf, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.Fatal(err)
	}
}
