package app

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

func taskTreeCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "tree",
		Usage:     "show tasks as a tree with status, effective status and priority",
		UsageText: "astro task tree [--root ID] [--depth N]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Usage: "start at this task (default: every top-level task)"},
			&cli.IntFlag{Name: "depth", Usage: "levels below the root to show (0 means all)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			depth := c.Int("depth")
			if depth < 0 {
				return usagef("--depth must be 0 (all) or more, not %d", depth)
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				root, err := st.TaskTree(ctx, c.String("root"), depth)
				if err != nil {
					return fmt.Errorf("task tree: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, root)
				}
				e.printTree(e.stdout, root)
				return nil
			})
		},
	}
}

// printTree draws the tree. The hidden project root is not drawn: its
// children are the top-level lines.
func (e *env) printTree(w io.Writer, root *taskstore.TreeNode) {
	if root.Task.ID != taskstore.ProjectRootID {
		fmt.Fprintln(w, e.treeLabel(root))
		e.printChildren(w, root.Children, "")
		return
	}
	if len(root.Children) == 0 {
		fmt.Fprintln(w, "No tasks")
		return
	}
	for _, n := range root.Children {
		fmt.Fprintln(w, e.treeLabel(n))
		e.printChildren(w, n.Children, "")
	}
}

func (e *env) printChildren(w io.Writer, nodes []*taskstore.TreeNode, prefix string) {
	for i, n := range nodes {
		branch, indent := "|-- ", "|   "
		if i == len(nodes)-1 {
			branch, indent = "`-- ", "    "
		}
		fmt.Fprintln(w, prefix+branch+e.treeLabel(n))
		e.printChildren(w, n.Children, prefix+indent)
	}
}

// treeLabel is one node: "[x] ABCD Write the parser (done, high 80)". The
// glyph and the first status are the effective status; the task's own
// status follows when an ancestor overrides it. Stored values go through
// clean.
func (e *env) treeLabel(n *taskstore.TreeNode) string {
	t := n.Task
	eff := n.EffectiveStatus
	if eff == "" {
		eff = t.Status
	}
	status := clean(string(eff))
	if eff != t.Status {
		status += ", own status " + clean(string(t.Status))
	}
	label := fmt.Sprintf("%s %s %s (%s, %s %d)",
		e.paint(statusColor(eff), glyph(eff)),
		e.paint(ansiBold, clean(t.ID)),
		clean(t.Title),
		e.paint(statusColor(eff), status),
		taskstore.PriorityLevel(t.PriorityScore), t.PriorityScore)
	if n.Blocked {
		label += e.paint(ansiRed, " blocked by "+clean(strings.Join(n.BlockedBy, ", ")))
	}
	return label
}
