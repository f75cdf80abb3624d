package taskstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// The large fixture: 1,000 top-level tasks with 9 subtasks each and 10
// sub-subtasks under each of those (100,000 tasks), each task after the
// first two depending on two random earlier tasks (about 200,000
// dependencies), statuses drawn as in a long-lived project.
const (
	fixtureRoots    = 1000
	fixtureChildren = 9
	fixtureGrand    = 10
	fixtureDeps     = 2
)

var (
	fixtureOnce sync.Once
	fixtureDB   string
	fixtureErr  error
	fixtureIDs  []string
)

// bigFixture builds the fixture database once per test binary run, in one
// transaction of plain inserts.
func bigFixture(b *testing.B) string {
	b.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "taskstore-bench-")
		if err != nil {
			fixtureErr = err
			return
		}
		fixtureDB = filepath.Join(dir, "astrotask.db")
		fixtureErr = buildFixture(fixtureDB)
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixtureDB
}

func removeFixture() {
	if fixtureDB != "" {
		os.RemoveAll(filepath.Dir(fixtureDB))
	}
}

func buildFixture(db string) error {
	ctx := context.Background()
	st, err := OpenLocal(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	s := st.(*sqlStore)
	rng := rand.New(rand.NewPCG(1, 2))
	status := func() Status {
		switch r := rng.IntN(100); {
		case r < 50:
			return StatusDone
		case r < 85:
			return StatusPending
		case r < 92:
			return StatusInProgress
		case r < 96:
			return StatusBlocked
		case r < 98:
			return StatusCancelled
		default:
			return StatusArchived
		}
	}
	return s.write(ctx, "build fixture", func(c *conn) error {
		add := func(id, parent string) error {
			p := rng.IntN(101)
			fixtureIDs = append(fixtureIDs, id)
			return c.insertTask(ctx, Task{ID: id, ParentID: parent, Title: "task " + id, Status: status(), PriorityScore: p, CreatedAt: c.now, UpdatedAt: c.now})
		}
		for r := range fixtureRoots {
			root := fmt.Sprintf("R%04d", r)
			if err := add(root, ProjectRootID); err != nil {
				return err
			}
			for ch := range fixtureChildren {
				child := fmt.Sprintf("%s-%d", root, ch)
				if err := add(child, root); err != nil {
					return err
				}
				for g := range fixtureGrand {
					if err := add(fmt.Sprintf("%s-%d", child, g), child); err != nil {
						return err
					}
				}
			}
		}
		for i := 2; i < len(fixtureIDs); i++ {
			seen := map[int]bool{}
			for len(seen) < fixtureDeps {
				j := rng.IntN(i)
				if seen[j] {
					continue
				}
				seen[j] = true
				if err := c.insertDependency(ctx, fixtureIDs[i], fixtureIDs[j]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func openBench(b *testing.B, locking bool) Store {
	b.Helper()
	db := filepath.Join(tempDir(b), "astrotask.db")
	var s Store
	var err error
	if locking {
		s, err = OpenLocked(context.Background(), db, lockOpts("bench"))
	} else {
		s, err = OpenLocal(context.Background(), db)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAddTask measures one-task writes with and without the
// cooperative lock; the difference is what the lock costs.
func BenchmarkAddTask(b *testing.B) {
	for _, locking := range []bool{false, true} {
		name := "local"
		if locking {
			name = "locking"
		}
		b.Run(name, func(b *testing.B) {
			s := openBench(b, locking)
			ctx := context.Background()
			for b.Loop() {
				if _, err := s.AddTask(ctx, NewTask{Title: "benchmark task"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClaimNextDone is an agent's turn on a task, under the
// cooperative lock: claim the next ready task of 200, then mark it done.
// Tasks are added back, untimed, as they run out.
func BenchmarkClaimNextDone(b *testing.B) {
	s := openBench(b, true)
	ctx := context.Background()
	refill := func() {
		batch := make([]BatchTask, 200)
		for i := range batch {
			batch[i] = BatchTask{NewTask: NewTask{Title: fmt.Sprint("ready ", i), PriorityScore: ptr(i % 10)}}
		}
		if _, err := s.AddTasks(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	refill()
	for b.Loop() {
		t, err := s.Claim(ctx, ClaimRequest{Agent: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if t == nil {
			b.StopTimer()
			refill()
			b.StartTimer()
			if t, err = s.Claim(ctx, ClaimRequest{Agent: "bench"}); err != nil || t == nil {
				b.Fatalf("Claim after refill = %v, %v", t, err)
			}
		}
		if _, err := s.UpdateTaskStatus(ctx, t.ID, StatusDone, StatusOptions{Agent: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddTasks1000 adds 1,000 tasks in one atomic batch.
func BenchmarkAddTasks1000(b *testing.B) {
	s := openBench(b, true)
	ctx := context.Background()
	batch := make([]BatchTask, 1000)
	for i := range batch {
		batch[i] = BatchTask{NewTask: NewTask{Title: fmt.Sprintf("task %d", i)}}
		if i%10 != 0 {
			batch[i].ParentIndex = ptr(i - i%10)
		}
		if i > 0 {
			batch[i].DependsOn = []int{i - 1}
		}
	}
	for b.Loop() {
		if _, err := s.AddTasks(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

func openFixture(b *testing.B) Store {
	b.Helper()
	s, err := OpenLocked(context.Background(), bigFixture(b), lockOpts("bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkListTasks100k lists on the 100,000-task fixture: the default
// filter (every pending and in-progress task) and one task's subtasks.
func BenchmarkListTasks100k(b *testing.B) {
	s := openFixture(b)
	ctx := context.Background()
	b.Run("default", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.ListTasks(ctx, Filter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("subtasks", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.ListSubtasks(ctx, "R0500"); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A page of 50 as listTasks asks for it: the tasks, which are blocked,
	// and the count of the rest; first at the start, then deep in the list.
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if p, err := s.ListPage(ctx, Filter{Limit: 50}); err != nil || len(p.Tasks) != 50 {
				b.Fatal(len(p.Tasks), err)
			}
		}
	})
	b.Run("page-deep", func(b *testing.B) {
		all, err := s.ListPage(ctx, Filter{Limit: 90_000})
		if err != nil {
			b.Fatal(err)
		}
		cursor := all.Truncate(len(all.Tasks) - 100).NextCursor()
		for b.Loop() {
			if p, err := s.ListPage(ctx, Filter{Limit: 50, Cursor: cursor}); err != nil || len(p.Tasks) != 50 {
				b.Fatal(len(p.Tasks), err)
			}
		}
	})
}

// BenchmarkNextTask100k finds the next task on the fixture (100,000 tasks,
// 200,000 dependencies), across the whole tree and below one task.
func BenchmarkNextTask100k(b *testing.B) {
	s := openFixture(b)
	ctx := context.Background()
	for _, parent := range []string{"", "R0500"} {
		name := "tree"
		if parent != "" {
			name = "parent"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.NextTask(ctx, parent); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
