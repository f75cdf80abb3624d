package taskstore

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/google/go-cmp/cmp"
)

func init() {
	// add adds tasks titled "added N" one at a time until stdin closes,
	// printing "ready" after the first.
	extraRoles["add"] = func(ctx context.Context, db string, in *bufio.Reader) error {
		s, err := Open(ctx, Options{DataDir: db, LockOptions: lockcore.Options{ProcessType: "adder", MaxRetries: 600}})
		if err != nil {
			return err
		}
		defer s.Close()
		stop := make(chan struct{})
		go func() {
			in.ReadString('\n') // returns at end of input
			close(stop)
		}()
		for n := 0; ; n++ {
			if _, err := s.AddTask(ctx, NewTask{Title: fmt.Sprintf("added %d", n)}); err != nil {
				return err
			}
			if n == 0 {
				fmt.Println("ready")
			}
			select {
			case <-stop:
				fmt.Println("added", n+1)
				return nil
			default:
			}
		}
	}
}

// pageIDs reads every page of f, limit tasks at a time.
func pageIDs(t *testing.T, s Store, f Filter) (ids []string, remaining []int) {
	t.Helper()
	for {
		p, err := s.ListPage(context.Background(), f)
		if err != nil {
			t.Fatalf("ListPage(%+v) = %v", f, err)
		}
		if len(p.Tasks) != len(p.Blocked) {
			t.Fatalf("ListPage: %d tasks but %d blocked flags", len(p.Tasks), len(p.Blocked))
		}
		for _, task := range p.Tasks {
			ids = append(ids, task.ID)
		}
		remaining = append(remaining, p.Remaining)
		if p.NextCursor() == "" {
			if p.Remaining != 0 {
				t.Fatalf("no next cursor with %d remaining", p.Remaining)
			}
			return ids, remaining
		}
		f.Cursor = p.NextCursor()
	}
}

func TestListPage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(*testing.T) Store) {
		ctx := context.Background()
		s := open(t)
		var all []string
		for i := range 12 {
			st := StatusPending
			if i%4 == 3 {
				st = StatusDone
			}
			all = append(all, mustAddID(t, s, fmt.Sprintf("T%02d", i), NewTask{Status: st}).ID)
		}
		mustDep(t, s, "T01", "T00") // T00 is pending: T01 is blocked
		mustDep(t, s, "T02", "T03") // T03 is done: T02 is not blocked

		got, remaining := pageIDs(t, s, Filter{Statuses: []Status{}, Limit: 5})
		if !cmp.Equal(got, all) || !cmp.Equal(remaining, []int{7, 2, 0}) {
			t.Errorf("pages of 5: ids %v remaining %v, want %v and [7 2 0]", got, remaining, all)
		}
		got, remaining = pageIDs(t, s, Filter{Limit: 4}) // pending only: 9 tasks
		if len(got) != 9 || !cmp.Equal(remaining, []int{5, 1, 0}) {
			t.Errorf("pending pages of 4: ids %v remaining %v", got, remaining)
		}
		got, remaining = pageIDs(t, s, Filter{Statuses: []Status{}, Limit: 12})
		if !cmp.Equal(got, all) || !cmp.Equal(remaining, []int{0}) {
			t.Errorf("one exact page: ids %v remaining %v", got, remaining)
		}

		p, err := s.ListPage(ctx, Filter{Statuses: []Status{}, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if want := []bool{false, true, false, false}; !cmp.Equal(p.Blocked, want) {
			t.Errorf("Blocked = %v, want %v", p.Blocked, want)
		}
		cut := p.Truncate(2)
		if len(cut.Tasks) != 2 || cut.Remaining != p.Remaining+2 {
			t.Errorf("Truncate(2): %d tasks, %d remaining; want 2, %d", len(cut.Tasks), cut.Remaining, p.Remaining+2)
		}
		rest, err := s.ListPage(ctx, Filter{Statuses: []Status{}, Cursor: cut.NextCursor()})
		if err != nil || !cmp.Equal(ids(rest.Tasks), all[2:]) {
			t.Errorf("after the truncated page: %v, %v; want %v", ids(rest.Tasks), err, all[2:])
		}

		// The cursor names a place in creation order, not a task: deleting
		// the page's last task does not lose the place.
		if _, err := s.DeleteTask(ctx, "T03", DeleteOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		rest, err = s.ListPage(ctx, Filter{Statuses: []Status{}, Cursor: p.NextCursor(), Limit: 2})
		if err != nil || !cmp.Equal(ids(rest.Tasks), []string{"T04", "T05"}) || rest.Remaining != 6 {
			t.Errorf("after a deleted task: %v remaining %d, %v", ids(rest.Tasks), rest.Remaining, err)
		}

		for _, bad := range []string{"x", "T05", encodeCursor(3) + "=", "YXN0cm90YXNrOi0x"} {
			_, err := s.ListPage(ctx, Filter{Cursor: bad})
			wantInvalid(t, err, "cursor")
		}
		_, err = s.ListPage(ctx, Filter{Limit: -1})
		wantInvalid(t, err, "limit")
		ts, err := s.ListTasks(ctx, Filter{Statuses: []Status{}, Limit: 3, Cursor: p.NextCursor()})
		if err != nil || !cmp.Equal(ids(ts), []string{"T04", "T05", "T06"}) {
			t.Errorf("ListTasks with a cursor and limit = %v, %v", ids(ts), err)
		}
	})
}

// TestListPageWhileAdding pages through 1,000 tasks while two other
// processes add tasks: every task that existed at the start is read exactly
// once.
func TestListPageWhileAdding(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := d.new(t)
			s := keepOpen(t)(OpenLocked(ctx, db, lockcore.Options{ProcessType: "test", MaxRetries: 600}))
			var before []string
			err := s.Transaction(ctx, func(ctx context.Context, tx Store) error {
				for i := range 1000 {
					task, err := tx.AddTask(ctx, NewTask{Title: fmt.Sprintf("task %d", i)})
					if err != nil {
						return err
					}
					before = append(before, task.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			adders := []*helper{startHelper(t, "add", "TASKSTORE_TEST_DB="+db), startHelper(t, "add", "TASKSTORE_TEST_DB="+db)}
			for _, h := range adders {
				h.expect("ready")
			}
			seen := map[string]int{}
			f := Filter{Limit: 37}
			pages := 0
			for {
				p, err := s.ListPage(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, task := range p.Tasks {
					seen[task.ID]++
				}
				if p.NextCursor() == "" {
					break
				}
				f.Cursor = p.NextCursor()
			}
			added := 0
			for _, h := range adders {
				var n int
				for _, l := range h.wait() {
					if c, ok := strings.CutPrefix(l, "added "); ok {
						fmt.Sscan(c, &n)
					}
				}
				added += n
			}
			for _, id := range before {
				if seen[id] != 1 {
					t.Errorf("task %s read %d times", id, seen[id])
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("task %s read %d times", id, n)
				}
			}
			t.Logf("%d pages, %d tasks read, %d added meanwhile", pages, len(seen), added)
			if added == 0 {
				t.Fatal("the adders added nothing")
			}
		})
	}
}
