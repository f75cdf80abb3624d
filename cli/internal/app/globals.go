package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

// DefaultProcessType is what the lock record shows for a command run without
// --process-type.
const DefaultProcessType = "cli"

// LockTimeoutEnv is the environment variable read when --lock-timeout is not
// given.
const LockTimeoutEnv = "ASTROTASK_LOCK_TIMEOUT"

// AgentEnv is the environment variable read when --agent is not given.
const AgentEnv = "ASTROTASK_AGENT"

// globalFlags returns fresh copies of the flags every command accepts. Each
// command needs its own copies: urfave records "was set" on the flag value.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "db", Usage: "database path or URL (default: $DATABASE_URI, else the git repository's data/astrotask.db from any of its worktrees, else ./data/astrotask.db; see astro where)"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON instead of text"},
		&cli.BoolFlag{Name: "verbose", Usage: "log lock and database activity to stderr"},
		&cli.StringFlag{Name: "process-type", Usage: "process name recorded in the lock file", Value: DefaultProcessType},
		&cli.StringFlag{Name: "agent", Usage: "the name your claims and changes are made under (default $" + AgentEnv + ", else user@host)"},
		&cli.StringFlag{Name: "lock-timeout", Usage: "how long to wait for the database lock, a Go duration such as 300ms or 10s (default 5s, or $" + LockTimeoutEnv + ")"}, // the environment is read in settings, below any flag
	}
}

// settings are the global flags of one invocation, resolved.
type settings struct {
	db          string
	json        bool
	verbose     bool
	processType string
	// agent is who claims and changes tasks: --agent, $ASTROTASK_AGENT or
	// user@host.
	agent string
	// lockTimeout is the lock wait budget when lockTimeoutSet; otherwise
	// lockcore's default budget applies.
	lockTimeout    time.Duration
	lockTimeoutSet bool
	logger         *slog.Logger
	// loc and lockOpts are set once the database is located (withStore).
	loc      taskstore.Location
	lockOpts lockcore.Options
}

// lookup returns the value of a global flag wherever on the command line it
// was given: after the leaf command (`astro task list --json`) or before it
// (`astro --json task list`). The innermost setting wins.
func lookup[T any](c *cli.Context, name string, get func(*cli.Context, string) T) T {
	for _, cc := range c.Lineage() {
		if cc.Command != nil && cc.IsSet(name) {
			return get(cc, name)
		}
	}
	return get(c, name)
}

func (e *env) settings(c *cli.Context) (*settings, error) {
	s := &settings{
		db:          lookup(c, "db", (*cli.Context).String),
		json:        lookup(c, "json", (*cli.Context).Bool),
		verbose:     lookup(c, "verbose", (*cli.Context).Bool),
		processType: lookup(c, "process-type", (*cli.Context).String),
	}
	if s.processType == "" {
		return nil, usagef("--process-type must not be empty")
	}
	s.agent = strings.TrimSpace(lookup(c, "agent", (*cli.Context).String))
	if s.agent == "" {
		s.agent = strings.TrimSpace(e.getenv(AgentEnv))
	}
	if s.agent == "" {
		s.agent = e.defaultAgent()
	}
	v, from := lookup(c, "lock-timeout", (*cli.Context).String), "--lock-timeout"
	if v == "" {
		v, from = e.getenv(LockTimeoutEnv), LockTimeoutEnv
	}
	if v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, usagef("invalid %s %q: want a Go duration such as 300ms or 10s", from, v)
		}
		s.lockTimeout, s.lockTimeoutSet = d, true
	}
	if s.verbose {
		s.logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return s, nil
}

// defaultAgent is user@host, from $USER (or $USERNAME) and the host name.
func (e *env) defaultAgent() string {
	u := e.getenv("USER")
	if u == "" {
		u = e.getenv("USERNAME")
	}
	if u == "" {
		u = "user"
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return u + "@" + h
}

// lockOptions translates the settings into lockcore options: a timeout is
// the whole wait budget, and a timeout of zero means "do not wait".
func (s *settings) lockOptions() lockcore.Options {
	o := lockcore.Options{ProcessType: s.processType, Logger: s.logger}
	if s.lockTimeoutSet {
		o.Timeout = lockcore.NoWait
		if s.lockTimeout > 0 {
			o.Timeout = s.lockTimeout
		}
	}
	return o
}

// locate resolves the database location from --db and the environment.
func (s *settings) locate() (taskstore.Location, error) {
	loc, err := taskstore.Locate(s.db)
	if err != nil {
		return taskstore.Location{}, fmt.Errorf("locate database: %w", err)
	}
	return loc, nil
}

// withStore opens the database, runs fn, and closes the database again.
// While fn (or the opening) waits for the lock on a terminal, one status line
// says who holds it.
func (e *env) withStore(c *cli.Context, fn func(ctx context.Context, s *settings, st taskstore.Store) error) error {
	s, err := e.settings(c)
	if err != nil {
		return err
	}
	loc, err := s.locate()
	if err != nil {
		return err
	}
	ctx := c.Context
	lo := s.lockOptions()
	s.loc, s.lockOpts = loc, lo
	stop := e.watchLock(ctx, loc, lo)
	defer stop()
	st, err := taskstore.Open(ctx, taskstore.Options{
		Location:    loc,
		LockOptions: lo,
		Verbose:     s.verbose,
		Logger:      s.logger,
	})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	err = fn(ctx, s, st)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close database: %w", cerr)
	}
	return err
}

// readTogether runs several reads under one shared hold of the lock, so the
// command waits for the lock once (the budget is the budget for the whole
// command) and sees one consistent state. The store calls inside fn must
// use the ctx fn is given: they then do not acquire again.
func (s *settings) readTogether(ctx context.Context, fn func(ctx context.Context) error) error {
	return taskstore.HoldLock(ctx, s.loc, lockcore.ModeShared, s.lockOpts, fn)
}
