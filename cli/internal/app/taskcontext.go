package app

import (
	"context"
	"fmt"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

func contextCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "context",
		Usage: "attach notes and background (context slices) to tasks",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "attach a context slice to a task",
				UsageText: "astro context add --task ID --title T --description D [--type TYPE]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "task", Usage: "the task's ID"},
					&cli.StringFlag{Name: "title", Usage: "the slice's title"},
					&cli.StringFlag{Name: "description", Usage: "the slice's text"},
					&cli.StringFlag{Name: "type", Usage: "a kind such as general, research, decision (default general)"},
				},
				Action: e.contextAdd,
			},
			{
				Name:      "list",
				Usage:     "list a task's context slices",
				UsageText: "astro context list --task ID",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "task", Usage: "the task's ID"}},
				Action:    idAction("task", e.contextList),
			},
		},
	}
}

func (e *env) contextAdd(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	var n taskstore.NewContextSlice
	var err error
	if n.TaskID, err = required(c, "task"); err != nil {
		return err
	}
	if n.Title, err = required(c, "title"); err != nil {
		return err
	}
	if n.Description, err = required(c, "description"); err != nil {
		return err
	}
	n.ContextType = c.String("type")
	return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
		cs, err := st.AddContextSlice(ctx, n)
		if err != nil {
			return fmt.Errorf("add context: %w", err)
		}
		if s.json {
			return writeJSON(e.stdout, cs)
		}
		fmt.Fprintf(e.stdout, "Added context %s to task %s: %s\n", clean(cs.ID), clean(cs.TaskID), clean(cs.Title))
		return nil
	})
}

// contextListing is the JSON shape of `context list`.
type contextListing struct {
	TaskID        string                   `json:"taskId"`
	ContextSlices []taskstore.ContextSlice `json:"contextSlices"`
}

func (e *env) contextList(c *cli.Context, id string) error {
	return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
		slices, err := st.ListContextSlices(ctx, id)
		if err != nil {
			return fmt.Errorf("list context: %w", err)
		}
		if s.json {
			return writeJSON(e.stdout, contextListing{TaskID: id, ContextSlices: nonNil(slices)})
		}
		if len(slices) == 0 {
			fmt.Fprintf(e.stdout, "Task %s has no context\n", clean(id))
		}
		for _, cs := range slices {
			fmt.Fprintf(e.stdout, "%s [%s] %s\n", e.paint(ansiBold, clean(cs.ID)), clean(cs.ContextType), clean(cs.Title))
			fmt.Fprintf(e.stdout, "    %s\n", cleanBlock(cs.Description, "    "))
		}
		return nil
	})
}
