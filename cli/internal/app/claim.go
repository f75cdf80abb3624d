package app

import (
	"context"
	"fmt"
	"time"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

// leaseFlag is --lease, a Go duration of at least a second.
func leaseFlag() cli.Flag {
	return &cli.StringFlag{Name: "lease", Usage: "how long the claim lasts, a Go duration such as 90s or 1h (default 30m)"}
}

// lease reads --lease; 0 means the store's default.
func lease(c *cli.Context) (time.Duration, error) {
	v := c.String("lease")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, usagef("invalid --lease %q: want a Go duration of at least 1s, such as 90s or 1h", v)
	}
	return d, nil
}

// until is the time t's lease runs out, as "14:05:10 UTC", or "".
func until(t taskstore.Task) string {
	if t.LeaseExpiresAt == nil {
		return ""
	}
	return t.LeaseExpiresAt.UTC().Format("15:04:05 UTC")
}

func taskClaimCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "claim",
		Usage: "start a task for you with a lease: by ID, or the next ready one in one step",
		UsageText: "astro task claim --id ID [--lease D]\n" +
			"astro task claim --next [--parent ID] [--min-priority P] [--lease D]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "the task's ID"},
			&cli.BoolFlag{Name: "next", Usage: "pick and claim the highest-priority ready task at once"},
			&cli.StringFlag{Name: "parent", Usage: "with --next: only below this task"},
			&cli.StringFlag{Name: "min-priority", Usage: "with --next: low, medium, high or a score 0..100"},
			leaseFlag(),
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			next := c.Bool("next")
			if next == c.IsSet("id") {
				return usagef("give exactly one of --id and --next (see '%s --help')", c.Command.HelpName)
			}
			if !next && (c.IsSet("parent") || c.IsSet("min-priority")) {
				return usagef("--parent and --min-priority go with --next")
			}
			d, err := lease(c)
			if err != nil {
				return err
			}
			minScore := 0
			if v := c.String("min-priority"); v != "" {
				if minScore, err = taskstore.ParsePriority(v); err != nil {
					return err
				}
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				r := taskstore.ClaimRequest{ID: c.String("id"), ParentID: c.String("parent"), MinPriority: minScore, Agent: s.agent, Lease: d}
				if !next && r.ID == "" {
					return usagef("--id must not be empty")
				}
				t, err := st.Claim(ctx, r)
				if err != nil {
					return fmt.Errorf("claim task: %w", err)
				}
				switch {
				case s.json && next:
					return writeJSON(e.stdout, nextTask{Task: t})
				case s.json:
					return writeJSON(e.stdout, t)
				case t == nil:
					fmt.Fprintln(e.stdout, "No task is free")
					return nil
				}
				fmt.Fprintf(e.stdout, "Claimed task %s: %s (now in-progress for %s until %s)\n",
					e.paint(ansiBold, clean(t.ID)), clean(t.Title), clean(t.Assignee), until(*t))
				return nil
			})
		},
	}
}

func taskRenewCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "renew",
		Usage:     "extend your claim's lease on a task",
		UsageText: "astro task renew --id ID [--lease D]",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "id", Usage: "the task's ID"}, leaseFlag()},
		Action: idAction("id", func(c *cli.Context, id string) error {
			d, err := lease(c)
			if err != nil {
				return err
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				t, err := st.RenewClaim(ctx, id, s.agent, d)
				if err != nil {
					return fmt.Errorf("renew claim: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, t)
				}
				fmt.Fprintf(e.stdout, "Renewed the claim on %s for %s until %s\n", e.paint(ansiBold, clean(t.ID)), clean(t.Assignee), until(t))
				return nil
			})
		}),
	}
}

func taskReleaseCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "release",
		Usage:     "give a claimed task back: it is pending again at once",
		UsageText: "astro task release --id ID [--force]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "the task's ID"},
			&cli.BoolFlag{Name: "force", Usage: "release another agent's running claim (recorded on the task)"},
		},
		Action: idAction("id", func(c *cli.Context, id string) error {
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				t, err := st.ReleaseClaim(ctx, id, taskstore.StatusOptions{Agent: s.agent, Force: c.Bool("force")})
				if err != nil {
					return fmt.Errorf("release claim: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, t)
				}
				fmt.Fprintf(e.stdout, "Released task %s: it is pending\n", e.paint(ansiBold, clean(t.ID)))
				return nil
			})
		}),
	}
}
