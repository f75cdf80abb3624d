package app

import (
	"context"
	"fmt"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

func dependencyCommand(e *env) *cli.Command {
	pair := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "dependent", Usage: "the task that waits"},
			&cli.StringFlag{Name: "dependency", Usage: "the task it waits for"},
		}
	}
	return &cli.Command{
		Name:  "dependency",
		Usage: "say which tasks wait for which",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "record that --dependent cannot start until --dependency is done",
				UsageText: "astro dependency add --dependent A --dependency B",
				Flags:     pair(),
				Action:    e.dependencyAdd,
			},
			{
				Name:      "remove",
				Usage:     "remove a dependency",
				UsageText: "astro dependency remove --dependent A --dependency B",
				Flags:     pair(),
				Action:    e.dependencyRemove,
			},
			{
				Name:      "list",
				Usage:     "show what a task depends on and what depends on it",
				UsageText: "astro dependency list --id ID",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "id", Usage: "the task's ID"}},
				Action:    idAction("id", e.dependencyList),
			},
		},
	}
}

func requiredPair(c *cli.Context) (dependent, dependency string, err error) {
	if err := noArgs(c); err != nil {
		return "", "", err
	}
	if dependent, err = required(c, "dependent"); err != nil {
		return "", "", err
	}
	if dependency, err = required(c, "dependency"); err != nil {
		return "", "", err
	}
	return dependent, dependency, nil
}

func (e *env) dependencyAdd(c *cli.Context) error {
	a, b, err := requiredPair(c)
	if err != nil {
		return err
	}
	return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
		d, err := st.AddTaskDependency(ctx, a, b)
		if err != nil {
			return fmt.Errorf("add dependency: %w", err)
		}
		if s.json {
			return writeJSON(e.stdout, d)
		}
		fmt.Fprintf(e.stdout, "%s now depends on %s\n", clean(d.DependentTaskID), clean(d.DependencyTaskID))
		return nil
	})
}

// dependencyRemoval is the JSON shape of `dependency remove`.
type dependencyRemoval struct {
	Removed struct {
		DependentTaskID  string `json:"dependentTaskId"`
		DependencyTaskID string `json:"dependencyTaskId"`
	} `json:"removed"`
}

func (e *env) dependencyRemove(c *cli.Context) error {
	a, b, err := requiredPair(c)
	if err != nil {
		return err
	}
	return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
		if err := st.RemoveTaskDependency(ctx, a, b); err != nil {
			return fmt.Errorf("remove dependency: %w", err)
		}
		if s.json {
			var r dependencyRemoval
			r.Removed.DependentTaskID, r.Removed.DependencyTaskID = a, b
			return writeJSON(e.stdout, r)
		}
		fmt.Fprintf(e.stdout, "%s no longer depends on %s\n", clean(a), clean(b))
		return nil
	})
}

// dependencyListing is the JSON shape of `dependency list`.
type dependencyListing struct {
	ID           string           `json:"id"`
	Dependencies []taskstore.Task `json:"dependencies"`
	Dependents   []taskstore.Task `json:"dependents"`
}

func (e *env) dependencyList(c *cli.Context, id string) error {
	return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
		var l dependencyListing
		err := s.readTogether(ctx, func(ctx context.Context) error {
			var err error
			if l.Dependencies, err = st.GetTaskDependencies(ctx, id); err != nil {
				return err
			}
			l.Dependents, err = st.GetTaskDependents(ctx, id)
			return err
		})
		if err != nil {
			return fmt.Errorf("list dependencies: %w", err)
		}
		l.ID, l.Dependencies, l.Dependents = id, nonNil(l.Dependencies), nonNil(l.Dependents)
		if s.json {
			return writeJSON(e.stdout, l)
		}
		fmt.Fprintf(e.stdout, "%s depends on:\n", clean(id))
		e.printIndented(l.Dependencies)
		fmt.Fprintf(e.stdout, "Depending on %s:\n", clean(id))
		e.printIndented(l.Dependents)
		return nil
	})
}

func (e *env) printIndented(tasks []taskstore.Task) {
	if len(tasks) == 0 {
		fmt.Fprintln(e.stdout, "  (none)")
	}
	for _, t := range tasks {
		fmt.Fprintln(e.stdout, "  "+e.taskLine(t))
	}
}
