package taskstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/taskstore/internal/sqlite"
)

// TestConcurrentFirstOpen starts 8 processes that open the same brand-new
// database at the same moment: all succeed and the schema is applied once.
func TestConcurrentFirstOpen(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		// In a directory that does not exist yet.
		db := concurrentFirstOpen(t, filepath.Join(tempDir(t), "data", "astrotask.db"), sqlite.Dialect{})
		var check string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Errorf("integrity_check = %q, %v", check, err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		concurrentFirstOpen(t, postgresDB.new(t), postgresDB.dialect)
	})
}

// concurrentFirstOpen is the body of TestConcurrentFirstOpen on the
// database at path, of dialect d. It returns the database, open until t
// ends.
func concurrentFirstOpen(t *testing.T, path string, d dialect) *sql.DB {
	const procs = 8
	var hs []*helper
	for range procs {
		h := startHelper(t, "open", "TASKSTORE_TEST_DB="+path)
		hs = append(hs, h)
	}
	for _, h := range hs {
		h.expect("ready")
	}
	t.Logf("%d helpers ready; releasing them together", procs)
	for _, h := range hs {
		fmt.Fprintln(h.stdin, "go")
	}
	migrations, err := loadMigrations(d)
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for i, h := range hs {
		out := h.wait()
		opened := false
		for _, l := range out {
			if strings.Contains(l, `"msg":"applied migration"`) {
				applied++
			}
			if l == "opened 1" {
				opened = true
			}
		}
		if !opened {
			t.Errorf("helper %d did not open the database:\n%s", i, strings.Join(out, "\n"))
		}
	}
	if applied != len(migrations) {
		t.Errorf("migrations applied %d times in all, want %d (each exactly once)", applied, len(migrations))
	}
	s := keepOpen(t)(OpenLocal(context.Background(), path))
	db := s.(*sqlStore).db
	var versions, roots int
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(d.Rebind("SELECT COUNT(*) FROM tasks WHERE id = ?"), ProjectRootID).Scan(&roots); err != nil {
		t.Fatal(err)
	}
	if versions != len(migrations) || roots != 1 {
		t.Errorf("schema_migrations has %d rows, project roots %d; want %d and 1", versions, roots, len(migrations))
	}
	return db
}

// TestClaimRace has several processes claim the same tasks in the same
// order, with and without the cooperative lock: every task is claimed
// exactly once (without the lock, by the conditional UPDATE alone).
func TestClaimRace(t *testing.T) {
	for _, d := range databases() {
		for _, mode := range []string{"local", "locked"} {
			t.Run(d.name+"/"+mode, func(t *testing.T) { claimRace(t, d.new(t), mode) })
		}
	}
}

func claimRace(t *testing.T, db, mode string) {
	const procs, tasks = 4, 40
	s, err := OpenLocal(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]BatchTask, tasks)
	for i := range batch {
		batch[i] = BatchTask{NewTask: NewTask{Title: fmt.Sprintf("task %d", i)}}
	}
	created, err := s.AddTasks(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	locked := "0"
	if mode == "locked" {
		locked = "1"
	}
	env := []string{"TASKSTORE_TEST_DB=" + db, "TASKSTORE_TEST_IDS=" + strings.Join(ids(created), " "), "TASKSTORE_TEST_LOCKED=" + locked}
	var hs []*helper
	for range procs {
		hs = append(hs, startHelper(t, "claim", env...))
	}
	for _, h := range hs {
		h.expect("ready")
	}
	for _, h := range hs {
		fmt.Fprintln(h.stdin, "go")
	}
	claimedBy := map[string]int{}
	for i, h := range hs {
		n := 0
		for _, l := range h.wait() {
			if id, ok := strings.CutPrefix(l, "claimed "); ok {
				if prev, dup := claimedBy[id]; dup {
					t.Errorf("task %s claimed by helper %d and helper %d", id, prev, i)
				}
				claimedBy[id] = i
				n++
			}
		}
		t.Logf("helper %d claimed %d tasks", i, n)
	}
	if len(claimedBy) != tasks {
		t.Errorf("%d tasks claimed, want all %d", len(claimedBy), tasks)
	}
	s = keepOpen(t)(OpenLocal(context.Background(), db))
	inProgress, err := s.ListTasksByStatus(context.Background(), StatusInProgress)
	if err != nil || len(inProgress) != tasks {
		t.Errorf("%d tasks in progress, %v; want %d", len(inProgress), err, tasks)
	}
}
