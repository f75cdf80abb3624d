package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

// lockStatusCommand is `astro task lock-status`. It never opens the
// database, so it answers while another process holds the lock.
func lockStatusCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "lock-status",
		Usage:     "show who holds the database lock; --force clears a record left by a dead process",
		UsageText: "astro task lock-status [--verbose] [--force] [--json] [--stale-timeout 30s]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Usage: "clear a lock record left by a process that is gone (never touches a live holder)"},
			&cli.DurationFlag{Name: "stale-timeout", Usage: "call a holder possibly hung after holding this long", Value: lockcore.DefaultStaleTimeout},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			s, err := e.settings(c)
			if err != nil {
				return err
			}
			if c.Duration("stale-timeout") <= 0 {
				return usagef("--stale-timeout must be positive")
			}
			loc, err := s.locate()
			if err != nil {
				return err
			}
			lo := s.lockOptions()
			lo.StaleTimeout = c.Duration("stale-timeout")
			if c.Bool("force") {
				return e.forceClear(c, s, loc, lo)
			}
			st, err := taskstore.InspectLock(c.Context, loc, lo)
			if err != nil {
				return fmt.Errorf("inspect lock: %w", err)
			}
			if s.json {
				return writeJSON(e.stdout, st)
			}
			e.printLockStatus(st, loc, s.verbose)
			return nil
		},
	}
}

// forceClear is lock-status --force: it clears a leftover or unreadable
// record when the lock is free, and refuses, changing nothing, when a
// process holds the lock.
func (e *env) forceClear(c *cli.Context, s *settings, loc taskstore.Location, lo lockcore.Options) error {
	r, err := taskstore.ClearStaleLock(c.Context, loc, lo)
	if errors.Is(err, lockcore.ErrLocked) && r.After.Locked {
		return refuseForce(r.After)
	}
	if err != nil {
		return fmt.Errorf("clear lock record: %w", err)
	}
	if s.json {
		return writeJSON(e.stdout, forceResult{Status: r.After, Cleared: r.Cleared})
	}
	switch {
	case !r.Cleared:
		fmt.Fprintln(e.stdout, "Database is not locked; there was nothing to clear.")
	case r.Before.Leftover && r.Before.Holder != nil:
		fmt.Fprintf(e.stdout, "Cleared the lock record left by pid %d, which is no longer running. The lock is free.\n", r.Before.Holder.PID)
	default:
		fmt.Fprintln(e.stdout, "Cleared an unreadable lock record. The lock is free.")
	}
	if s.verbose {
		fmt.Fprintf(e.stdout, "Location: %s\n", whereLine(loc))
		fmt.Fprintf(e.stdout, "%s: %s\n", lockPlace(r.After.Path), clean(r.After.Path))
	}
	return nil
}

// refuseForce is the error of --force against a live holder: it names the
// process to stop.
func refuseForce(st lockcore.Status) error {
	return &ForceRefusedError{Holder: holderName(st)}
}

// ForceRefusedError is lock-status --force refusing to touch a live holder.
// Its message is the sentence the user reads after "Error: ", capitalised
// and punctuated as one. It maps to ExitError.
type ForceRefusedError struct {
	// Holder names the process to stop, as the waiting line does.
	Holder string
}

// Error returns the sentence that names the process to stop.
func (e *ForceRefusedError) Error() string {
	return "Database is locked by " + e.Holder + "; stop that process to release it. Nothing was changed."
}

// forceResult is the JSON shape of lock-status --force: the status after
// the clear plus whether a record was cleared.
type forceResult struct {
	Status  lockcore.Status
	Cleared bool
}

// MarshalJSON adds "cleared" to the lock status object.
func (r forceResult) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(r.Status)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["cleared"] = r.Cleared
	return json.Marshal(m)
}

// printLockStatus prints st; verbose adds the database's location (the line
// `astro where` prints) and the lock's place. What the lock record holds
// (written by another process) and paths go through clean.
func (e *env) printLockStatus(st lockcore.Status, loc taskstore.Location, verbose bool) {
	w := e.stdout
	if !st.Locked {
		switch {
		case st.Leftover && st.Holder != nil:
			fmt.Fprintf(w, "Database is not locked (a lock record was left by pid %d, which is no longer running; the lock is free)\n", st.Holder.PID)
		case st.RecordError != "":
			fmt.Fprintf(w, "Database is not locked (the lock record is unreadable: %s; the lock is free)\n", clean(st.RecordError))
		default:
			fmt.Fprintln(w, "Database is not locked")
		}
		if verbose {
			fmt.Fprintf(w, "  Location: %s\n", whereLine(loc))
			fmt.Fprintf(w, "  %s: %s\n", lockPlace(st.Path), clean(st.Path))
		}
		return
	}
	fmt.Fprintln(w, e.paint(ansiYellow, "Database is locked"))
	row := func(k, v string) { fmt.Fprintf(w, "  %-10s %s\n", k+":", v) }
	if h := st.Holder; h != nil {
		row("Process", clean(h.Process))
		row("PID", fmt.Sprint(h.PID))
		row("Host", clean(h.Host))
	} else if st.RecordError != "" {
		row("Holder", "another process (the lock record is unreadable: "+clean(st.RecordError)+")")
	} else {
		row("Holder", "another process (it has written no lock record)")
	}
	row("Mode", clean(string(st.Mode)))
	if st.Readers > 1 {
		row("Readers", fmt.Sprint(st.Readers))
	}
	if st.Holder != nil {
		row("Held for", roundAge(st.Age).String())
	}
	if st.Verified {
		row("Verified", "yes, the holder is alive")
	} else {
		row("Verified", "no, the holder could not be confirmed alive on this host")
	}
	if st.PossiblyHung {
		row("Warning", e.paint(ansiRed, "possibly hung: held longer than the stale timeout"))
	}
	if verbose {
		if st.Holder != nil {
			row("Since", time.UnixMilli(st.Holder.Timestamp).UTC().Format(time.RFC3339Nano))
		}
		row("Location", whereLine(loc))
		row(lockPlace(st.Path), clean(st.Path))
	}
}

// lockPlace labels where the lock lives: a lock file for SQLite, the
// database server (its URL, password redacted) for PostgreSQL.
func lockPlace(path string) string {
	if strings.Contains(path, "://") {
		return "Database"
	}
	return "Lock file"
}
