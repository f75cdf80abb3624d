// Package app is the astro command-line application: every command, its
// flags, its human and JSON output, and the mapping of errors to exit codes.
// The binaries in cli/cmd are thin wrappers around Main.
package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
)

// WaitNoticeDelay is how long a command waits for the database lock before
// it prints a status line naming the holder (on a terminal only).
const WaitNoticeDelay = 500 * time.Millisecond

// env is what the commands write to and how they decide about decoration.
// New fills it from the process; tests fill it themselves.
type env struct {
	stdout io.Writer
	stderr io.Writer
	// color enables ANSI colour in human output.
	color bool
	// errTerminal enables the waiting status line on stderr.
	errTerminal bool
	// waitDelay is WaitNoticeDelay unless a test shortens it.
	waitDelay time.Duration
	// getenv reads the environment (os.Getenv in production).
	getenv func(string) string
}

// Main runs the astro application with os-style args (args[0] is the program
// name) and returns the process exit code. SIGINT and SIGTERM cancel the
// command's context, so a command interrupted while it waits for or holds
// the database lock releases it and rolls its transaction back.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, processEnv(), args)
}

// New returns the astro application writing to os.Stdout and os.Stderr.
// Run returns every error (ExitErrHandler is set); ExitCode maps it to the
// process exit code.
func New() *cli.App {
	return newApp(processEnv())
}

func processEnv() *env {
	return &env{
		stdout:      os.Stdout,
		stderr:      os.Stderr,
		color:       colorEnabled(isTerminal(os.Stdout), os.Getenv("NO_COLOR")),
		errTerminal: isTerminal(os.Stderr),
		waitDelay:   WaitNoticeDelay,
		getenv:      os.Getenv,
	}
}

// colorEnabled reports whether human output is coloured: only on a
// terminal, and never when NO_COLOR is set to anything (https://no-color.org).
func colorEnabled(terminal bool, noColor string) bool {
	return terminal && noColor == ""
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// run executes args and reports any error on e.stderr. Standard output is
// buffered (a list of 10,000 tasks is one write, not 10,000) and flushed
// before the error is reported.
func run(ctx context.Context, e *env, args []string) int {
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	buffered := *e
	buffered.stdout = out
	a := newApp(&buffered)
	if len(args) > 0 && args[0] != "" {
		a.Name = filepath.Base(args[0])
	}
	err := a.RunContext(ctx, args)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return report(e.stderr, err)
}

func newApp(e *env) *cli.App {
	a := &cli.App{
		Name:                 "astro",
		Usage:                "a local task database shared by people and coding agents",
		Description:          "Exit codes: 0 success, 1 error, 2 usage, 3 not found, 75 database locked, 130 interrupted.",
		Flags:                globalFlags(),
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		Version:              readBuildInfo().String(),
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError:         onUsageError,
		Action:               rootAction,
		Commands: []*cli.Command{
			initCommand(e),
			taskCommand(e),
			dependencyCommand(e),
			contextCommand(e),
			exportCommand(e),
			importCommand(e),
			whereCommand(e),
			versionCommand(e),
			completionCommand(e),
		},
	}
	prepare(a.Commands)
	return a
}

// prepare gives every command the usage-error hook, every group an action
// that rejects unknown subcommands, and every leaf the global flags, so
// `astro task list --json` works as well as `astro --json task list`.
func prepare(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		if len(c.Subcommands) > 0 {
			c.Action = groupAction
			prepare(c.Subcommands)
			continue
		}
		c.Flags = append(c.Flags, globalFlags()...)
	}
}

// rootAction runs for astro called without a known command.
func rootAction(c *cli.Context) error {
	if c.Args().Present() {
		return usagef("unknown command %q (see '%s --help')", c.Args().First(), c.App.Name)
	}
	return cli.ShowAppHelp(c)
}

// groupAction runs for a command group called without a known subcommand.
func groupAction(c *cli.Context) error {
	if c.Args().Present() {
		return usagef("unknown command %q (see '%s --help')", c.Args().First(), c.Command.HelpName)
	}
	return cli.ShowSubcommandHelp(c)
}
