package taskstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

func openSQLiteStore(t *testing.T) *sqlStore {
	t.Helper()
	s := keepOpen(t)(OpenLocal(context.Background(), filepath.Join(tempDir(t), "astrotask.db")))
	ss, ok := s.(*sqlStore)
	if !ok {
		t.Fatalf("OpenLocal returned %T, want *sqlStore", s)
	}
	return ss
}

// TestStmtCacheKeepsStatements: a statement run once is not prepared (a
// command that runs each statement once pays nothing); once it has run
// twice it is prepared, and later calls run it prepared with the same
// answers.
func TestStmtCacheKeepsStatements(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteStore(t)
	added := mustAdd(t, s, NewTask{Title: "kept"})
	kept := func() *sql.Stmt {
		s.sc.mu.Lock()
		defer s.sc.mu.Unlock()
		return s.sc.stmts[s.d.Rebind(getTaskQuery)]
	}
	first, err := s.GetTask(ctx, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if kept() != nil {
		t.Fatal("GetTask's statement was prepared after one run")
	}
	if _, err := s.GetTask(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	st := kept()
	if st == nil {
		t.Fatal("GetTask's statement was not prepared after two runs")
	}
	for range 3 {
		again, err := s.GetTask(ctx, added.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != first.ID || again.Title != first.Title || !again.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("GetTask through the prepared statement = %+v, want %+v", again, first)
		}
	}
	if kept() != st {
		t.Error("GetTask's statement was prepared again")
	}
}

// TestStmtCacheBound: no more than stmtCacheMax statements are kept, and
// the ones past it still run.
func TestStmtCacheBound(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteStore(t)
	for i := range stmtCacheMax + 20 {
		for range 2 {
			var n int
			err := s.read(ctx, "count", func(c *conn) error {
				_, err := c.scan(ctx, fmt.Sprintf("SELECT %d", i), nil, &n)
				return err
			})
			if err != nil || n != i {
				t.Fatalf("SELECT %d = %d, %v", i, n, err)
			}
		}
	}
	s.sc.mu.Lock()
	kept, prepared := len(s.sc.stmts)+len(s.sc.state), len(s.sc.stmts)
	s.sc.mu.Unlock()
	if kept > stmtCacheMax || prepared < stmtCacheMax/2 {
		t.Errorf("%d statements kept, %d of them prepared; want at most %d, most of them prepared", kept, prepared, stmtCacheMax)
	}
}

// TestStmtCacheConcurrentFirstUse: goroutines that use the same new
// statements at once, more of them than the pool has connections, all
// finish (preparing never waits for a connection while holding one or a
// lock that a connection's holder needs), and each statement is kept once.
func TestStmtCacheConcurrentFirstUse(t *testing.T) {
	for round := range 5 {
		ctx := context.Background()
		s := openSQLiteStore(t)
		for i := range 24 {
			mustAdd(t, s, NewTask{Title: fmt.Sprint("task ", i)})
		}
		var wg sync.WaitGroup
		errs := make(chan error, 12)
		for g := range 12 {
			wg.Go(func() {
				agent := fmt.Sprint("agent-", g)
				for i := range 4 {
					var err error
					switch (g + i) % 3 {
					case 0:
						_, err = s.ListTasks(ctx, Filter{})
					case 1:
						var got *Task
						if got, err = s.Claim(ctx, ClaimRequest{Agent: agent}); err == nil && got != nil {
							_, err = s.UpdateTaskStatus(ctx, got.ID, StatusDone, StatusOptions{Agent: agent})
						}
					default:
						_, err = s.AddTask(ctx, NewTask{Title: fmt.Sprint("more ", g, " ", i)})
					}
					if err != nil {
						errs <- fmt.Errorf("round %d, %s: %w", round, agent, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		s.sc.mu.Lock()
		for q, st := range s.sc.state {
			if st == stmtPreparing {
				t.Errorf("statement still marked as being prepared: %s", q)
			}
		}
		s.sc.mu.Unlock()
	}
}

// TestStmtCacheClose: Close closes the kept statements, and a closed
// cache keeps nothing new.
func TestStmtCacheClose(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteStore(t)
	added := mustAdd(t, s, NewTask{Title: "kept"})
	if _, err := s.GetTask(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st := s.sc.get(getTaskQuery); st != nil {
		t.Error("a closed cache returned a statement")
	}
	s.sc.mu.Lock()
	defer s.sc.mu.Unlock()
	if len(s.sc.stmts) != 0 || len(s.sc.state) != 0 {
		t.Errorf("a closed cache keeps %d statements and %d noted ones", len(s.sc.stmts), len(s.sc.state))
	}
}
