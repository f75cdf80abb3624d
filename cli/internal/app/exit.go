package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

// Exit codes. They are the only ones astro uses.
const (
	ExitOK          = 0   // success
	ExitError       = 1   // any other failure: invalid input, conflict, cycle, I/O
	ExitUsage       = 2   // unknown command or flag, missing required flag
	ExitNotFound    = 3   // a task, dependency or file named on the command line does not exist
	ExitLocked      = 75  // the database stayed locked past the wait budget (EX_TEMPFAIL)
	ExitInterrupted = 130 // SIGINT or SIGTERM: the command was cancelled and rolled back
)

// UsageError is a mistake in how a command was called. It maps to ExitUsage.
type UsageError struct {
	Err error
}

// Error returns the underlying error's message.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// onUsageError turns urfave's flag parsing errors into UsageErrors.
func onUsageError(c *cli.Context, err error, _ bool) error {
	name := c.App.Name
	if c.Command != nil && c.Command.HelpName != "" {
		name = c.Command.HelpName
	}
	return usagef("%v (see '%s --help')", err, name)
}

// ExitCode maps an error returned by the application to the process exit
// code. It is the one place where that mapping lives.
func ExitCode(err error) int {
	var usage *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, lockcore.ErrLocked):
		return ExitLocked
	case errors.Is(err, taskstore.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return ExitNotFound
	default:
		return ExitError
	}
}

// report prints err on w, one line, and returns the exit code. A lock error
// is printed as the lock's own message and nothing else, so the user sees
// exactly who holds the database. The message goes through clean, so the
// values it echoes cannot act on the terminal or break the line, and is cut
// to maxErrorBytes (its start and end kept).
func report(w io.Writer, err error) int {
	code := ExitCode(err)
	var locked *lockcore.LockedError
	switch {
	case err == nil:
	case code == ExitInterrupted:
		fmt.Fprintln(w, "Interrupted; nothing was changed.")
	case errors.As(err, &locked):
		fmt.Fprintln(w, errorLine(locked))
	default:
		fmt.Fprintf(w, "Error: %s\n", errorLine(err))
	}
	return code
}

// errorLine is err's message as report prints it.
func errorLine(err error) string {
	return taskstore.CutMiddle(clean(err.Error()), maxErrorBytes)
}
