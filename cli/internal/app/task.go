package app

import (
	"context"
	"fmt"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

func taskCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "task",
		Usage: "add, list, change and inspect tasks",
		Subcommands: []*cli.Command{
			taskAddCommand(e),
			taskListCommand(e),
			taskGetCommand(e),
			taskUpdateCommand(e),
			taskDoneCommand(e),
			taskRemoveCommand(e),
			taskNextCommand(e),
			taskClaimCommand(e),
			taskRenewCommand(e),
			taskReleaseCommand(e),
			taskTreeCommand(e),
			lockStatusCommand(e),
		},
	}
}

// required returns the value of a string flag that must be given. Giving it
// as an empty string is allowed here; the store decides whether "" is valid.
func required(c *cli.Context, name string) (string, error) {
	if !c.IsSet(name) {
		return "", usagef("missing --%s (see '%s --help')", name, c.Command.HelpName)
	}
	return c.String(name), nil
}

// noArgs rejects positional arguments for commands that take none.
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return usagef("unexpected argument %q (see '%s --help')", c.Args().First(), c.Command.HelpName)
	}
	return nil
}

// idAction is the Action of a command that takes no arguments and a
// required string flag naming a task: it checks both, then calls run with
// the flag's value.
func idAction(flag string, run func(c *cli.Context, id string) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		id, err := required(c, flag)
		if err != nil {
			return err
		}
		return run(c, id)
	}
}

func taskAddCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "add",
		Usage:     "add a task",
		UsageText: `astro task add --title "Write the parser" [--description D] [--parent ID] [--priority low|medium|high|0..100] [--status S]`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "title", Usage: "the task's title (1 to 200 characters)"},
			&cli.StringFlag{Name: "description", Usage: "what the task is about"},
			&cli.StringFlag{Name: "parent", Usage: "ID of the parent task (default: top level)"},
			&cli.StringFlag{Name: "priority", Usage: "low, medium, high or a score 0..100 (default medium)"},
			&cli.StringFlag{Name: "status", Usage: "initial status (default pending)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			title, err := required(c, "title")
			if err != nil {
				return err
			}
			nt := taskstore.NewTask{Title: title, Description: c.String("description"), ParentID: c.String("parent")}
			if c.IsSet("priority") {
				p, err := taskstore.ParsePriority(c.String("priority"))
				if err != nil {
					return err
				}
				nt.PriorityScore = &p
			}
			if c.IsSet("status") {
				if nt.Status, err = taskstore.ParseStatus(c.String("status")); err != nil {
					return err
				}
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				t, err := st.AddTask(ctx, nt)
				if err != nil {
					return fmt.Errorf("add task: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, t)
				}
				fmt.Fprintf(e.stdout, "Added task %s: %s\n", e.paint(ansiBold, clean(t.ID)), clean(t.Title))
				return nil
			})
		},
	}
}

// taskList is the JSON shape of `task list`.
type taskList struct {
	Tasks []taskstore.Task `json:"tasks"`
	// Remaining and NextCursor are set with --limit: how many matching
	// tasks follow, and the --cursor that lists them.
	Remaining  int    `json:"remaining,omitempty"`
	NextCursor string `json:"nextCursor,omitempty"`
}

func taskListCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list tasks (pending and in-progress unless told otherwise)",
		UsageText: "astro task list [--status S ...] [--all] [--parent ID] [--limit N [--cursor C]]",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "status", Usage: "only tasks with this status (repeatable)"},
			&cli.BoolFlag{Name: "all", Usage: "tasks of every status"},
			&cli.StringFlag{Name: "parent", Usage: "only the direct children of this task"},
			&cli.IntFlag{Name: "limit", Usage: "list at most `N` tasks, and say how many more there are (default: every task)"},
			&cli.StringFlag{Name: "cursor", Usage: "continue a listing where the `C` that the previous --limit page printed says"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			f := taskstore.Filter{ParentID: c.String("parent"), Limit: c.Int("limit"), Cursor: c.String("cursor")}
			if c.IsSet("limit") && f.Limit < 1 {
				return usagef("--limit must be at least 1, not %d", f.Limit)
			}
			if c.Bool("all") && c.IsSet("status") {
				return usagef("--all and --status exclude each other")
			}
			if c.Bool("all") {
				f.Statuses = []taskstore.Status{}
			}
			for _, v := range c.StringSlice("status") {
				s, err := taskstore.ParseStatus(v)
				if err != nil {
					return err
				}
				f.Statuses = append(f.Statuses, s)
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				p, err := st.ListPage(ctx, f)
				if err != nil {
					return fmt.Errorf("list tasks: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, taskList{Tasks: nonNil(p.Tasks), Remaining: p.Remaining, NextCursor: p.NextCursor()})
				}
				e.printTaskLines(p.Tasks, "No tasks")
				if p.Remaining > 0 {
					fmt.Fprintf(e.stdout, "%d more: astro task list --limit %d --cursor %s (with the same filters)\n", p.Remaining, f.Limit, p.NextCursor())
				}
				return nil
			})
		},
	}
}

// nonNil makes an empty result print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func taskGetCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "show one task",
		UsageText: "astro task get --id ID",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "id", Usage: "the task's ID"}},
		Action: idAction("id", func(c *cli.Context, id string) error {
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				t, err := st.GetTask(ctx, id)
				if err != nil {
					return fmt.Errorf("get task: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, t)
				}
				e.printTask(t)
				return nil
			})
		}),
	}
}

func taskUpdateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "update",
		Usage:     "change a task's fields (only the flags given change)",
		UsageText: "astro task update --id ID [--title T] [--description D] [--status S [--force]] [--priority P] [--parent ID]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "the task's ID"},
			&cli.StringFlag{Name: "title", Usage: "new title"},
			&cli.StringFlag{Name: "description", Usage: "new description"},
			&cli.StringFlag{Name: "status", Usage: "new status"},
			&cli.StringFlag{Name: "priority", Usage: "low, medium, high or a score 0..100"},
			&cli.StringFlag{Name: "parent", Usage: `move under this task ("" for top level)`},
			&cli.BoolFlag{Name: "force", Usage: "change the status even while another agent's claim runs (recorded on the task)"},
		},
		Action: idAction("id", func(c *cli.Context, id string) error {
			p, err := patchFromFlags(c)
			if err != nil {
				return err
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				p.Agent, p.Force = s.agent, c.Bool("force")
				t, err := st.UpdateTask(ctx, id, p)
				if err != nil {
					return fmt.Errorf("update task: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, t)
				}
				fmt.Fprintf(e.stdout, "Updated task %s\n", e.paint(ansiBold, clean(t.ID)))
				e.printTask(t)
				return nil
			})
		}),
	}
}

func patchFromFlags(c *cli.Context) (taskstore.TaskPatch, error) {
	var p taskstore.TaskPatch
	str := func(name string) *string {
		if !c.IsSet(name) {
			return nil
		}
		v := c.String(name)
		return &v
	}
	p.Title, p.Description, p.ParentID = str("title"), str("description"), str("parent")
	if v := str("status"); v != nil {
		s, err := taskstore.ParseStatus(*v)
		if err != nil {
			return p, err
		}
		p.Status = &s
	}
	if v := str("priority"); v != nil {
		n, err := taskstore.ParsePriority(*v)
		if err != nil {
			return p, err
		}
		p.PriorityScore = &n
	}
	if p == (taskstore.TaskPatch{}) {
		return p, usagef("nothing to update: give at least one of --title, --description, --status, --priority, --parent")
	}
	return p, nil
}

// taskChanges is the JSON shape of `task done`.
type taskChanges struct {
	Updated []taskstore.Task `json:"updated"`
}

func taskDoneCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "done",
		Usage:     "mark a task done",
		UsageText: "astro task done --id ID [--cascade] [--force]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "the task's ID"},
			&cli.BoolFlag{Name: "cascade", Usage: "mark its descendants done too (cancelled and archived ones stay as they are)"},
			&cli.BoolFlag{Name: "force", Usage: "mark it done even while another agent's claim runs (recorded on the task)"},
		},
		Action: idAction("id", func(c *cli.Context, id string) error {
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				changed, err := st.UpdateTaskStatus(ctx, id, taskstore.StatusDone,
					taskstore.StatusOptions{Cascade: c.Bool("cascade"), Agent: s.agent, Force: c.Bool("force")})
				if err != nil {
					return fmt.Errorf("mark task done: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, taskChanges{Updated: nonNil(changed)})
				}
				fmt.Fprintf(e.stdout, "Marked %d task(s) done\n", len(changed))
				e.printTaskLines(changed, "")
				return nil
			})
		}),
	}
}

// taskRemoval is the JSON shape of `task remove`.
type taskRemoval struct {
	ID      string `json:"id"`
	Deleted int    `json:"deleted"`
}

func taskRemoveCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "remove",
		Usage:     "delete a task with its context and dependencies",
		UsageText: "astro task remove --id ID [--cascade] [--force]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "the task's ID"},
			&cli.BoolFlag{Name: "cascade", Usage: "delete its descendants too (without it a task with children is refused)"},
			&cli.BoolFlag{Name: "force", Usage: "delete it even though other tasks depend on it, dropping those dependencies (without it that is refused)"},
		},
		Action: idAction("id", func(c *cli.Context, id string) error {
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				n, err := st.DeleteTask(ctx, id, taskstore.DeleteOptions{Cascade: c.Bool("cascade"), Force: c.Bool("force")})
				if err != nil {
					return fmt.Errorf("remove task: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, taskRemoval{ID: id, Deleted: n})
				}
				fmt.Fprintf(e.stdout, "Removed task %s (%d task(s) deleted)\n", e.paint(ansiBold, clean(id)), n)
				return nil
			})
		}),
	}
}

// nextTask is the JSON shape of `task next`; Task is null when nothing is
// available.
type nextTask struct {
	Task *taskstore.Task `json:"task"`
}

func taskNextCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "next",
		Usage:     "show the highest-priority task that can be started now",
		UsageText: "astro task next [--parent ID]",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "parent", Usage: "only look below this task"}},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				t, err := st.NextTask(ctx, c.String("parent"))
				if err != nil {
					return fmt.Errorf("next task: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, nextTask{Task: t})
				}
				if t == nil {
					fmt.Fprintln(e.stdout, "No task is available")
					return nil
				}
				fmt.Fprintln(e.stdout, e.taskLine(*t))
				return nil
			})
		},
	}
}
