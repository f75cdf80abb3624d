package taskstore

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Export returns every task (except the project root), context slice and
// dependency as a Document, read from one snapshot. The document depends on
// the data alone: the same data exports the same document, in the order
// Document describes (sorted here rather than in SQL, so that the order is
// bytewise on every backend whatever the server's collation), with empty
// lists rather than nil ones.
func (s *sqlStore) Export(ctx context.Context) (Document, error) {
	doc := Document{Version: ExportVersion}
	err := s.read(ctx, "export", func(c *conn) error {
		var err error
		if doc.Tasks, err = c.tasks(ctx, "SELECT "+taskCols+" FROM tasks t WHERE t.id <> ?", ProjectRootID); err != nil {
			return err
		}
		if doc.ContextSlices, err = c.slices(ctx, "SELECT "+sliceCols+" FROM context_slices c"); err != nil {
			return err
		}
		doc.Dependencies, err = c.allDependencies(ctx)
		return err
	})
	if err != nil {
		return Document{}, err
	}
	sortDocument(&doc)
	return doc, nil
}

// sortDocument puts a document's lists in the order Document describes.
func sortDocument(doc *Document) {
	doc.Tasks = append([]Task{}, doc.Tasks...)
	doc.ContextSlices = append([]ContextSlice{}, doc.ContextSlices...)
	doc.Dependencies = append([]Dependency{}, doc.Dependencies...)
	slices.SortFunc(doc.Tasks, func(a, b Task) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(doc.ContextSlices, func(a, b ContextSlice) int {
		return cmp.Or(strings.Compare(a.TaskID, b.TaskID), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(doc.Dependencies, func(a, b Dependency) int {
		return cmp.Or(strings.Compare(a.DependentTaskID, b.DependentTaskID), strings.Compare(a.DependencyTaskID, b.DependencyTaskID))
	})
}

func (c *conn) allDependencies(ctx context.Context) ([]Dependency, error) {
	rows, err := c.query(ctx, `SELECT dependent_task_id, dependency_task_id, created_at FROM task_dependencies
		ORDER BY created_at, dependent_task_id, dependency_task_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Dependency{}
	for rows.Next() {
		var d Dependency
		if err := rows.Scan(&d.DependentTaskID, &d.DependencyTaskID, dbTime{&d.CreatedAt}); err != nil {
			return nil, translate(c.d, c.op, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(c.d, c.op, err)
	}
	return out, nil
}

// UnmarshalJSON decodes a document as Export writes it. A task without
// "priorityScore" (or with null) gets DefaultPriority, as AddTask gives a
// task without one; an explicit score, 0 included, stays as written. Import
// validates the rest.
func (d *Document) UnmarshalJSON(b []byte) error {
	// plain has Document's fields without this method; documentTask
	// shadows Task's score with one that can be missing.
	type plain Document
	type documentTask struct {
		Task
		PriorityScore *int `json:"priorityScore"`
	}
	var raw struct {
		plain
		Tasks []documentTask `json:"tasks"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	doc := Document(raw.plain)
	doc.Tasks = nil
	if raw.Tasks != nil {
		doc.Tasks = make([]Task, len(raw.Tasks))
	}
	for i, t := range raw.Tasks {
		doc.Tasks[i] = t.Task
		doc.Tasks[i].PriorityScore = DefaultPriority
		if t.PriorityScore != nil {
			doc.Tasks[i].PriorityScore = *t.PriorityScore
		}
	}
	*d = doc
	return nil
}

// Import writes a Document atomically. Every record is validated first.
// Without o.Replace, any task, slice or dependency that already exists
// refuses the whole import with ErrConflict; with it, they are overwritten.
// Parents, slice tasks and dependency ends must exist in the document or
// the database (ErrNotFound), and the result must have no parent loop
// (ErrInvalid), no dependency cycle (ErrCycle), and no task of the document
// (nor any below one) more than MaxDepth levels below the project root
// (ErrInvalid). A project root entry in the document is skipped: every
// database has its own.
func (s *sqlStore) Import(ctx context.Context, doc Document, o ImportOptions) (ImportResult, error) {
	doc, err := checkDocument(doc)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err = s.write(ctx, "import", func(c *conn) error {
		if !o.Replace {
			if err := c.importConflicts(ctx, doc); err != nil {
				return err
			}
		}
		if err := c.importReferences(ctx, doc); err != nil {
			return err
		}
		if err := c.writeDocument(ctx, doc, o.Replace); err != nil {
			return err
		}
		if err := c.checkGraphs(ctx, doc); err != nil {
			return err
		}
		res = ImportResult{Tasks: len(doc.Tasks), ContextSlices: len(doc.ContextSlices), Dependencies: len(doc.Dependencies)}
		return nil
	})
	return res, err
}

// checkDocument validates a document and fills its defaults.
func checkDocument(doc Document) (Document, error) {
	if doc.Version != ExportVersion {
		return doc, invalid("version", "document version %d is not supported (want %d)", doc.Version, ExportVersion)
	}
	at := func(kind string, i int, err error) error {
		ie := err.(*InvalidError)
		return &InvalidError{Field: kind + "[" + strconv.Itoa(i) + "]." + ie.Field, Reason: ie.Reason}
	}
	stamp := now()
	// Never write through to the caller's slices.
	doc.ContextSlices = append([]ContextSlice(nil), doc.ContextSlices...)
	doc.Dependencies = append([]Dependency(nil), doc.Dependencies...)
	var tasks []Task
	ids := map[string]bool{}
	for i, t := range doc.Tasks {
		if t.ID == ProjectRootID {
			continue
		}
		if err := ValidateTaskID(t.ID); err != nil {
			return doc, at("tasks", i, err)
		}
		if ids[t.ID] {
			return doc, at("tasks", i, invalid("id", "task %s appears twice", t.ID))
		}
		ids[t.ID] = true
		if t.ParentID == "" {
			t.ParentID = ProjectRootID
		}
		if t.ParentID == t.ID {
			return doc, at("tasks", i, invalid("parentId", "task %s cannot be its own parent", t.ID))
		}
		p := t.PriorityScore
		nt, err := NewTask{ParentID: t.ParentID, Title: t.Title, Description: t.Description, Status: t.Status,
			PriorityScore: &p, PRD: t.PRD, ContextDigest: t.ContextDigest}.normalize()
		if err != nil {
			return doc, at("tasks", i, err)
		}
		t.Status = nt.Status
		t.CreatedAt, t.UpdatedAt = fillTimes(t.CreatedAt, t.UpdatedAt, stamp)
		tasks = append(tasks, t)
	}
	doc.Tasks = tasks
	parents := make(map[string]string, len(tasks))
	for _, t := range tasks {
		parents[t.ID] = t.ParentID
	}
	if loop := parentLoop(parents); loop != nil {
		return doc, invalid("parentId", "tasks would form a parent loop: %s", pathText(loop))
	}
	sliceIDs := map[string]bool{}
	for i, sl := range doc.ContextSlices {
		if err := ValidateTaskID(sl.ID); err != nil {
			return doc, at("contextSlices", i, err)
		}
		if sliceIDs[sl.ID] {
			return doc, at("contextSlices", i, invalid("id", "context slice %s appears twice", sl.ID))
		}
		sliceIDs[sl.ID] = true
		n, err := NewContextSlice{TaskID: sl.TaskID, Title: sl.Title, Description: sl.Description, ContextType: sl.ContextType}.normalize()
		if err != nil {
			return doc, at("contextSlices", i, err)
		}
		doc.ContextSlices[i].ContextType = n.ContextType
		doc.ContextSlices[i].CreatedAt, doc.ContextSlices[i].UpdatedAt = fillTimes(sl.CreatedAt, sl.UpdatedAt, stamp)
	}
	pairs := map[[2]string]bool{}
	for i, d := range doc.Dependencies {
		if err := checkDependencyIDs(d.DependentTaskID, d.DependencyTaskID); err != nil {
			return doc, at("dependencies", i, err)
		}
		k := [2]string{d.DependentTaskID, d.DependencyTaskID}
		if pairs[k] {
			return doc, at("dependencies", i, invalid("dependency", "%s -> %s appears twice", k[0], k[1]))
		}
		pairs[k] = true
		if d.CreatedAt.IsZero() {
			doc.Dependencies[i].CreatedAt = stamp
		}
	}
	return doc, nil
}

func fillTimes(created, updated, stamp time.Time) (time.Time, time.Time) {
	if created.IsZero() {
		created = stamp
	}
	if updated.IsZero() {
		updated = created
	}
	return created.UTC(), updated.UTC()
}

// importConflicts refuses records that already exist.
func (c *conn) importConflicts(ctx context.Context, doc Document) error {
	var taken []string
	for _, t := range doc.Tasks {
		ok, err := c.taskExists(ctx, t.ID)
		if err != nil {
			return err
		}
		if ok {
			taken = append(taken, "task "+t.ID)
		}
	}
	for _, sl := range doc.ContextSlices {
		var one int
		ok, err := c.scan(ctx, "SELECT 1 FROM context_slices WHERE id = ?", []any{sl.ID}, &one)
		if err != nil {
			return err
		}
		if ok {
			taken = append(taken, "context slice "+sl.ID)
		}
	}
	for _, d := range doc.Dependencies {
		var one int
		ok, err := c.scan(ctx, "SELECT 1 FROM task_dependencies WHERE dependent_task_id = ? AND dependency_task_id = ?",
			[]any{d.DependentTaskID, d.DependencyTaskID}, &one)
		if err != nil {
			return err
		}
		if ok {
			taken = append(taken, "dependency "+d.DependentTaskID+" -> "+d.DependencyTaskID)
		}
	}
	if len(taken) == 0 {
		return nil
	}
	more := ""
	if len(taken) > 5 {
		more = " and " + strconv.Itoa(len(taken)-5) + " more"
		taken = taken[:5]
	}
	return &ConflictError{Reason: "import would overwrite existing records (" + strings.Join(taken, ", ") + more + "); import with replace to overwrite them"}
}

// importReferences checks that everything the document points at exists.
func (c *conn) importReferences(ctx context.Context, doc Document) error {
	inDoc := make(map[string]bool, len(doc.Tasks))
	for _, t := range doc.Tasks {
		inDoc[t.ID] = true
	}
	check := func(kind, id string) error {
		if inDoc[id] {
			return nil
		}
		return c.mustExist(ctx, kind, id)
	}
	for _, t := range doc.Tasks {
		if err := check("parent task", t.ParentID); err != nil {
			return err
		}
	}
	for _, sl := range doc.ContextSlices {
		if err := check("task", sl.TaskID); err != nil {
			return err
		}
	}
	for _, d := range doc.Dependencies {
		if err := check("task", d.DependentTaskID); err != nil {
			return err
		}
		if err := check("task", d.DependencyTaskID); err != nil {
			return err
		}
	}
	return nil
}

var (
	taskColumns = []string{"id", "parent_id", "title", "description", "status", "priority_score", "prd", "context_digest", "created_at", "updated_at",
		"assignee", "claimed_at", "lease_expires_at", "forced_by", "forced_at"}
	sliceColumns = []string{"id", "task_id", "title", "description", "context_type", "created_at", "updated_at"}
	depColumns   = []string{"dependent_task_id", "dependency_task_id", "created_at"}
)

// writeDocument inserts (or with replace, upserts) every record, parents
// before children.
func (c *conn) writeDocument(ctx context.Context, doc Document, replace bool) error {
	ins := func(table string, cols []string, key ...string) string {
		if replace {
			return c.d.Upsert(table, cols, key...)
		}
		return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + placeholders(len(cols)) + ")"
	}
	q := ins("tasks", taskColumns, "id")
	for _, t := range parentsFirst(doc.Tasks) {
		if _, err := c.exec(ctx, q, t.ID, t.ParentID, t.Title, t.Description, string(t.Status), t.PriorityScore,
			t.PRD, t.ContextDigest, c.arg(t.CreatedAt), c.arg(t.UpdatedAt),
			t.Assignee, c.optArg(t.ClaimedAt), c.optArg(t.LeaseExpiresAt), t.ForcedBy, c.optArg(t.ForcedAt)); err != nil {
			return err
		}
	}
	q = ins("context_slices", sliceColumns, "id")
	for _, sl := range doc.ContextSlices {
		if _, err := c.exec(ctx, q, sl.ID, sl.TaskID, sl.Title, sl.Description, sl.ContextType,
			c.arg(sl.CreatedAt), c.arg(sl.UpdatedAt)); err != nil {
			return err
		}
	}
	q = ins("task_dependencies", depColumns, "dependent_task_id", "dependency_task_id")
	for _, d := range doc.Dependencies {
		if _, err := c.exec(ctx, q, d.DependentTaskID, d.DependencyTaskID, c.arg(d.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// parentsFirst orders tasks so that a parent in the list precedes its
// children, keeping the document's order otherwise. A parent loop inside
// the document leaves the looping tasks at the end, for checkGraphs.
func parentsFirst(ts []Task) []Task {
	index := make(map[string]int, len(ts))
	for i, t := range ts {
		index[t.ID] = i
	}
	placed := make([]bool, len(ts))
	visiting := make([]bool, len(ts))
	out := make([]Task, 0, len(ts))
	var place func(i int)
	place = func(i int) {
		if placed[i] || visiting[i] {
			return
		}
		visiting[i] = true
		if p, ok := index[ts[i].ParentID]; ok {
			place(p)
		}
		placed[i] = true
		out = append(out, ts[i])
	}
	for i := range ts {
		place(i)
	}
	return out
}

// checkGraphs verifies that the whole database has no parent loop and no
// dependency cycle, and that no task of doc, nor any below one, lies more
// than MaxDepth levels below the project root.
func (c *conn) checkGraphs(ctx context.Context, doc Document) error {
	rows, err := c.query(ctx, "SELECT id, parent_id FROM tasks WHERE parent_id IS NOT NULL")
	if err != nil {
		return err
	}
	parent := map[string]string{}
	for rows.Next() {
		var id, p string
		if err := rows.Scan(&id, &p); err != nil {
			rows.Close()
			return translate(c.d, c.op, err)
		}
		parent[id] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(c.d, c.op, err)
	}
	if loop := parentLoop(parent); loop != nil {
		return invalid("parentId", "tasks would form a parent loop: %s", pathText(loop))
	}
	imported := make(map[string]bool, len(doc.Tasks))
	for _, t := range doc.Tasks {
		imported[t.ID] = true
	}
	if id, depth := deepestImported(parent, imported); id != "" {
		return tooDeep("task "+id, depth)
	}
	deps, err := c.allDependencies(ctx)
	if err != nil {
		return err
	}
	edges := map[string][]string{}
	for _, d := range deps {
		edges[d.DependentTaskID] = append(edges[d.DependentTaskID], d.DependencyTaskID)
	}
	for _, e := range edges {
		sort.Strings(e)
	}
	if cycle := findCycle(edges); cycle != nil {
		return &CycleError{Path: cycle}
	}
	return nil
}

// parentLoop returns a loop in the parent map, or nil.
func parentLoop(parent map[string]string) []string {
	done := map[string]bool{}
	ids := make([]string, 0, len(parent))
	for id := range parent {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, start := range ids {
		seen := map[string]int{}
		var path []string
		for at := start; at != "" && !done[at]; at = parent[at] {
			if i, ok := seen[at]; ok {
				return append(path[i:], at)
			}
			seen[at] = len(path)
			path = append(path, at)
		}
		for _, id := range path {
			done[id] = true
		}
	}
	return nil
}
