package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/astrotask/astrotask-go/taskstore"
)

// Page sizes of listTasks.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// getTask returns one task with its context, read under one shared hold so
// the parts agree with each other.
func (t *tools) getTask(ctx context.Context, in GetTaskInput) (TaskOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return TaskOutput{}, err
	}
	if in.ContextSkip < 0 {
		return TaskOutput{}, invalid("contextSkip", "%d is negative", in.ContextSkip)
	}
	var out TaskOutput
	err := t.read(ctx, func(ctx context.Context, tx taskstore.Store) error {
		task, err := tx.GetTask(ctx, in.TaskID)
		if err != nil {
			return err
		}
		out.Task = viewTask(task)
		c, err := taskContext(ctx, tx, out.Task, in.ContextSkip)
		if err != nil {
			return err
		}
		out.Context = *c
		return nil
	})
	return out, err
}

// taskContext gathers what an agent needs to work on task, within what the
// answer budget leaves after the task itself: up to maxListed subtasks,
// dependencies and dependents, then the context slices newest first,
// skipping the skip newest.
func taskContext(ctx context.Context, tx taskstore.Store, task taskstore.Task, skip int) (*TaskContext, error) {
	id := task.ID
	subs, err := tx.ListPage(ctx, taskstore.Filter{Statuses: []taskstore.Status{}, ParentID: id, Limit: maxListed})
	if err != nil {
		return nil, err
	}
	deps, err := tx.GetTaskDependencies(ctx, id)
	if err != nil {
		return nil, err
	}
	dependents, err := tx.GetTaskDependents(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err := tx.ListContextSlices(ctx, id)
	if err != nil {
		return nil, err
	}
	var c TaskContext
	var o omitted
	c.IsBlocked = slices.ContainsFunc(deps, func(d taskstore.Task) bool { return d.Status != taskstore.StatusDone })

	budget := AnswerBudget - estimateJSON(task) - 300 // the rest of the answer and the note
	lists := min(listsBudget, budget-minSliceBudget)
	spent := lists
	c.Subtasks, o.subtasks = fit(subs.Tasks, func(i int) bool { return subs.Blocked[i] }, maxListed, &lists)
	o.subtasks += subs.Remaining
	var blockedErr error
	blocked := func(ts []taskstore.Task) func(int) bool {
		return func(i int) bool {
			b, err := isBlocked(ctx, tx, ts[i].ID)
			blockedErr = cmp.Or(blockedErr, err)
			return b
		}
	}
	c.Dependencies, o.dependencies = fit(deps, blocked(deps), maxListed, &lists)
	c.Dependents, o.dependents = fit(dependents, blocked(dependents), maxListed, &lists)
	if blockedErr != nil {
		return nil, blockedErr
	}
	budget -= spent - lists
	c.ContextSlices, o.slices = newestSlices(cs, skip, budget)
	c.Omitted = o.note(id, skip+len(c.ContextSlices))
	return &c, nil
}

// omitted counts what a task's context left out.
type omitted struct{ subtasks, dependencies, dependents, slices int }

// note says what a task's context left out and how to read it; shown is
// how many of the newest context slices it and earlier pages showed.
func (o omitted) note(id string, shown int) string {
	var h []string
	if o.subtasks > 0 {
		h = append(h, fmt.Sprintf("%d more %s: listTasks with parentId %q and statuses [] lists them",
			o.subtasks, plural(o.subtasks, "subtask"), id))
	}
	if o.slices > 0 {
		h = append(h, fmt.Sprintf("%d older context %s: getTask with contextSkip %d shows them",
			o.slices, plural(o.slices, "slice"), shown))
	}
	if n := o.dependencies + o.dependents; n > 0 {
		h = append(h, fmt.Sprintf("%d more dependency links, not listed", n))
	}
	return strings.Join(h, "; ")
}

// isBlocked reports whether a dependency of task id is not done.
func isBlocked(ctx context.Context, tx taskstore.Store, id string) (bool, error) {
	deps, err := tx.GetTaskDependencies(ctx, id)
	return slices.ContainsFunc(deps, func(d taskstore.Task) bool { return d.Status != taskstore.StatusDone }), err
}

// newestSlices returns the context slices newest first, after skipping
// skip, each cut to its budget, as many as fit budget (at least one), and
// how many older ones were left out.
func newestSlices(all []taskstore.ContextSlice, skip, budget int) ([]SliceView, int) {
	out := []SliceView{}
	rest := slices.Clone(all)
	slices.Reverse(rest)
	rest = rest[min(skip, len(rest)):]
	for i, s := range rest {
		v := SliceView{ID: s.ID, Title: s.Title, ContextType: s.ContextType, CreatedAt: s.CreatedAt}
		frame := estimateJSON(v) + 1
		v.Description = cutText(s.Description, min(sliceBudget, max(budget-frame, minSliceBudget)), s.TaskID, s.ID)
		cost := frame + estimateTokens(v.Description)
		if cost > budget && len(out) > 0 {
			return out, len(rest) - i
		}
		budget -= cost
		out = append(out, v)
	}
	return out, 0
}

// readText returns a page of one long text of a task, from offset (in
// characters): as much as fits ReadBudget.
func (t *tools) readText(ctx context.Context, in ReadTextInput) (TextOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return TextOutput{}, err
	}
	if in.Offset < 0 {
		return TextOutput{}, invalid("offset", "%d is negative", in.Offset)
	}
	var text string
	err := t.read(ctx, func(ctx context.Context, tx taskstore.Store) error {
		task, err := tx.GetTask(ctx, in.TaskID)
		if err != nil {
			return err
		}
		switch in.Part {
		case partDescription:
			text = task.Description
		case partPRD:
			text = task.PRD
		case partContextDigest:
			text = task.ContextDigest
		case "":
			return invalid("part", "is required: description, prd, contextDigest or a context slice ID")
		default:
			all, err := tx.ListContextSlices(ctx, task.ID)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(all, func(s taskstore.ContextSlice) bool { return s.ID == in.Part })
			if i < 0 {
				return invalid("part", "task %s has no context slice %q (want description, prd, contextDigest or a context slice ID)", task.ID, in.Part)
			}
			text = all[i].Description
		}
		return nil
	})
	if err != nil {
		return TextOutput{}, err
	}
	out := TextOutput{TaskID: in.TaskID, Part: in.Part, Offset: in.Offset, Length: utf8.RuneCountInString(text)}
	if in.Offset > out.Length {
		return TextOutput{}, invalid("offset", "%d is past the end of the text (%d characters)", in.Offset, out.Length)
	}
	start := byteOffset(text, in.Offset)
	end, n := prefix(text, start, ReadBudget)
	out.Text = text[start:end]
	if next := in.Offset + n; next < out.Length {
		out.NextOffset = &next
	}
	return out, nil
}

// byteOffset returns the byte offset of character n of s.
func byteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
