package app

import (
	"fmt"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

// whereCommand is `astro where`: which database a command run here uses,
// and the rule that found it. It opens and creates nothing.
func whereCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "where",
		Usage:     "show which database a command run here uses, and why",
		UsageText: "astro where [--json]",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			s, err := e.settings(c)
			if err != nil {
				return err
			}
			loc, err := s.locate()
			if err != nil {
				return err
			}
			if s.json {
				return writeJSON(e.stdout, newWhereResult(loc))
			}
			fmt.Fprintln(e.stdout, whereLine(loc))
			return nil
		},
	}
}

// whereResult is the JSON shape of `where`.
type whereResult struct {
	Backend string `json:"backend"`
	// Path is the SQLite database file.
	Path string `json:"path,omitempty"`
	// URL is the PostgreSQL URL with its password redacted.
	URL string `json:"url,omitempty"`
	// Rule is one of taskstore's Rule constants.
	Rule       string `json:"rule"`
	Repository string `json:"repository,omitempty"`
	Worktree   string `json:"worktree,omitempty"`
}

func newWhereResult(loc taskstore.Location) whereResult {
	r := whereResult{Backend: loc.Backend, Rule: loc.Rule, Repository: loc.Repository, Worktree: loc.Worktree}
	if loc.Backend == taskstore.BackendPostgres {
		r.URL = loc.String()
	} else {
		r.Path = loc.Path
	}
	return r
}

// whereLine is the one line that `where` and `task lock-status --verbose`
// print: the backend, the path or redacted URL, and the rule, e.g.
// "sqlite /src/app/data/astrotask.db (worktree of a repository: /src/app-fix of /src/app)".
// Paths and URLs go through clean: a directory name can hold anything.
func whereLine(loc taskstore.Location) string {
	return clean(whereText(loc))
}

func whereText(loc taskstore.Location) string {
	var why string
	switch loc.Rule {
	case taskstore.RuleFlag:
		why = "flag: --db"
	case taskstore.RuleEnv:
		why = "environment: " + taskstore.EnvDatabaseURI
	case taskstore.RuleRepository:
		why = "repository: " + loc.Repository
	case taskstore.RuleWorktree:
		why = "worktree of a repository: " + loc.Worktree + " of " + loc.Repository
	case taskstore.RuleWorkingDir:
		why = "working directory: no git repository here"
	default:
		return loc.Backend + " " + loc.String()
	}
	return loc.Backend + " " + loc.String() + " (" + why + ")"
}
