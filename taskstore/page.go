package taskstore

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// Page is one page of a listing, as ListPage returns it.
type Page struct {
	// Tasks are the page's tasks in creation order.
	Tasks []Task
	// Blocked[i] reports whether Tasks[i] depends on a task that is not
	// done.
	Blocked []bool
	// Remaining counts the tasks after this page that the filter selected
	// when the page was read.
	Remaining int

	seqs []int64 // creation sequence of each task, for cursors
}

// NextCursor returns the Filter.Cursor that continues after this page, or ""
// when no task remains.
func (p Page) NextCursor() string {
	if p.Remaining == 0 || len(p.seqs) == 0 {
		return ""
	}
	return encodeCursor(p.seqs[len(p.seqs)-1])
}

// Truncate returns the page cut to its first n tasks; Remaining and
// NextCursor count the cut tasks as remaining.
func (p Page) Truncate(n int) Page {
	if n < 0 || n >= len(p.Tasks) {
		return p
	}
	cut := len(p.Tasks) - n
	return Page{Tasks: p.Tasks[:n], Blocked: p.Blocked[:n], Remaining: p.Remaining + cut, seqs: p.seqs[:n]}
}

const cursorPrefix = "astrotask:"

func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(seq, 10)))
}

// decodeCursor returns the creation sequence a cursor continues after.
func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if seq, err := strconv.ParseInt(n, 10, 64); err == nil && seq >= 0 {
				return seq, nil
			}
		}
	}
	return 0, invalid("cursor", "is not a cursor from an earlier page")
}

// listQuery is the WHERE clause and arguments that f selects, checked.
type listQuery struct {
	where []string
	args  []any
	start int64 // creation sequence to start after
}

func (f Filter) query(ctx context.Context, c *conn) (listQuery, error) {
	var q listQuery
	statuses := f.Statuses
	if statuses == nil {
		statuses = []Status{StatusPending, StatusInProgress}
	}
	for _, st := range statuses {
		if err := checkStatus(st); err != nil {
			return q, err
		}
	}
	if f.Limit < 0 {
		return q, invalid("limit", "must not be negative")
	}
	if f.Cursor != "" {
		var err error
		if q.start, err = decodeCursor(f.Cursor); err != nil {
			return q, err
		}
	}
	if f.ParentID != "" {
		if err := ValidateTaskID(f.ParentID); err != nil {
			return q, err
		}
		if err := c.mustExist(ctx, "task", f.ParentID); err != nil {
			return q, err
		}
	}
	if len(statuses) > 0 {
		q.where = append(q.where, "t.status IN ("+placeholders(len(statuses))+")")
		for _, st := range statuses {
			q.args = append(q.args, string(st))
		}
	}
	if f.ParentID != "" {
		q.where = append(q.where, "t.parent_id = ?")
		q.args = append(q.args, f.ParentID)
	}
	if !f.IncludeProjectRoot {
		q.where = append(q.where, "t.id <> ?")
		q.args = append(q.args, ProjectRootID)
	}
	return q, nil
}

// after returns the WHERE clause and arguments for the tasks after seq.
func (q listQuery) after(seq int64) (string, []any) {
	where := append(q.where[:len(q.where):len(q.where)], "t.seq > ?")
	return " WHERE " + strings.Join(where, " AND "), append(q.args[:len(q.args):len(q.args)], seq)
}

// blockedCol is true when the task t depends on a task that is not done.
const blockedCol = `EXISTS (SELECT 1 FROM task_dependencies d JOIN tasks x ON x.id = d.dependency_task_id
	WHERE d.dependent_task_id = t.id AND x.status <> 'done')`

// ListPage returns the tasks that f selects, from f.Cursor on and at most
// f.Limit of them, with which are blocked and how many remain; the page and
// the count come from one read.
func (s *sqlStore) ListPage(ctx context.Context, f Filter) (Page, error) {
	var p Page
	err := s.read(ctx, "list tasks", func(c *conn) error {
		var err error
		p, err = c.page(ctx, f, true)
		return err
	})
	return p, err
}

// page reads one page of f; without withBlocked, Page.Blocked is all false.
func (c *conn) page(ctx context.Context, f Filter, withBlocked bool) (Page, error) {
	p := Page{Tasks: []Task{}, Blocked: []bool{}}
	q, err := f.query(ctx, c)
	if err != nil {
		return p, err
	}
	where, args := q.after(q.start)
	from := "tasks t" + where
	if f.Limit > 0 {
		// Pick the page's rows first, so that the columns and the blocked
		// flag are read for those alone and not for every row a sort of
		// the whole selection would see.
		from = "(SELECT t.seq FROM tasks t" + where + " ORDER BY t.seq LIMIT ?) p JOIN tasks t ON t.seq = p.seq"
		args = append(slices.Clip(args), f.Limit)
	}
	blocked := blockedCol
	if !withBlocked {
		blocked = "FALSE"
	}
	rows, err := c.query(ctx, "SELECT "+taskCols+", t.seq, "+blocked+" FROM "+from+" ORDER BY t.seq", args...)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var blocked bool
		t, err := scanTask(extra{rows, []any{&seq, &blocked}})
		if err != nil {
			return p, translate(c.d, c.op, err)
		}
		p.Tasks, p.Blocked, p.seqs = append(p.Tasks, t), append(p.Blocked, blocked), append(p.seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return p, translate(c.d, c.op, err)
	}
	if f.Limit == 0 || len(p.Tasks) < f.Limit {
		return p, nil
	}
	where, args = q.after(p.seqs[len(p.seqs)-1])
	_, err = c.scan(ctx, "SELECT COUNT(*) FROM tasks t"+where, args, &p.Remaining)
	return p, err
}

// extra is a scanner that reads further columns after scanTask's.
type extra struct {
	sc   scanner
	more []any
}

func (e extra) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.more...)...) }

// ListTasks returns the tasks that f selects, in creation order.
func (s *sqlStore) ListTasks(ctx context.Context, f Filter) ([]Task, error) {
	var p Page
	err := s.read(ctx, "list tasks", func(c *conn) error {
		var err error
		p, err = c.page(ctx, f, false)
		return err
	})
	return p.Tasks, err
}
