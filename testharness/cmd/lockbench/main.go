// Command lockbench measures the lock with real processes and prints a
// Markdown table, every figure next to a baseline measured in the same run:
//
//   - the uncontended exclusive cycle against raw flock + pwrite + unlock
//     on an open descriptor;
//   - W1, 8 processes x 200 acquisitions holding 1 ms with default options:
//     wall time, lock utilisation, waits, fairness, overlapping holds;
//   - crash recovery, from the SIGKILL of a holder to a waiter's acquisition;
//   - end to end: an `astro task add` process, an MCP listTasks round trip;
//   - W2, agents (each its own astrotask-mcp over stdio) draining ready
//     tasks with getNextTask+claimTask and with claimNextTask;
//   - with --peer, W1, crash recovery and the cycle again against the
//     reference TypeScript lock (DatabaseLock from @astrotask/core 0.4.0),
//     installed with npm into --peer-dir.
//
// The competing processes are lockbench itself, re-executed in a role
// (see internal/harness), and for the reference a Node worker. The report
// also goes to a JSON file (--json).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

func main() {
	if harness.IsChild() {
		os.Exit(harness.RunChild())
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	procs, perProc    int
	hold              time.Duration
	kills, peerKills  int
	cycles, rounds    int
	e2eRuns, pingRuns int
	jsonOut           string
	astro, mcp        string
	peer              bool
	peerDir           string
	w2Agents          []int
	w2Tasks           int
	w2Work            time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("lockbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.procs, "procs", 8, "W1: competing processes")
	fs.IntVar(&c.perProc, "acquisitions", 200, "W1: acquisitions per process")
	fs.DurationVar(&c.hold, "hold", time.Millisecond, "W1: hold time inside the lock")
	fs.IntVar(&c.kills, "kills", 20, "crash recovery: holders killed")
	fs.IntVar(&c.peerKills, "peer-kills", 20, "crash recovery of the reference: holders killed, all at once (each waits out a 30 s stale timeout)")
	fs.IntVar(&c.cycles, "cycles", 5000, "uncontended cycle: cycles per round")
	fs.IntVar(&c.rounds, "rounds", 7, "uncontended cycle: alternating rounds (the median is reported)")
	fs.IntVar(&c.e2eRuns, "e2e-runs", 30, "end to end: astro processes of each kind")
	fs.IntVar(&c.pingRuns, "mcp-calls", 200, "end to end: MCP calls of each kind")
	fs.StringVar(&c.jsonOut, "json", "lockbench.json", "write the report as JSON to this file")
	fs.StringVar(&c.astro, "astro", "", "the astro binary (end to end is skipped without it)")
	fs.StringVar(&c.mcp, "mcp", "", "the astrotask-mcp binary (end to end is skipped without it)")
	fs.Func("w2-agents", "W2: comma-separated numbers of agents to run (default 1,4,8)", func(v string) error {
		c.w2Agents = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("bad number of agents %q", f)
			}
			c.w2Agents = append(c.w2Agents, n)
		}
		return nil
	})
	fs.IntVar(&c.w2Tasks, "w2-tasks", 200, "W2: ready tasks to drain")
	fs.DurationVar(&c.w2Work, "w2-work", 5*time.Millisecond, "W2: simulated work per task")
	fs.BoolVar(&c.peer, "peer", false, "also measure the reference TypeScript lock")
	fs.StringVar(&c.peerDir, "peer-dir", defaultPeerDir(), "where @astrotask/core is installed (npm install from testharness/peer)")
	c.w2Agents = []int{1, 4, 8}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rep, err := measure(ctx, c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "lockbench: %v\n", err)
		return 1
	}
	writeMarkdown(stdout, rep)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = os.WriteFile(c.jsonOut, append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lockbench: write %s: %v\n", c.jsonOut, err)
		return 1
	}
	fmt.Fprintf(stderr, "lockbench: wrote %s\n", c.jsonOut)
	return 0
}

func defaultPeerDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "astrotask-lockbench")
	}
	return filepath.Join(os.TempDir(), "astrotask-lockbench")
}

func measure(ctx context.Context, c config, logw io.Writer) (*Report, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	say := func(format string, args ...any) { fmt.Fprintf(logw, "lockbench: "+format+"\n", args...) }
	rep := &Report{Machine: machine(), Go: goVersion(), Started: time.Now().UTC()}
	raw, ours := goRunner(self, harness.ImplRaw), goRunner(self, harness.ImplLockcore)

	say("uncontended cycle: %d rounds of %d cycles", c.rounds, c.cycles)
	if rep.Cycle, err = measureCycle(c.rounds, c.cycles); err != nil {
		return nil, err
	}
	say("W1: %d processes x %d acquisitions, %v hold", c.procs, c.perProc, c.hold)
	for _, r := range []struct {
		run *runner
		out **W1
	}{{raw, &rep.W1.Raw}, {ours, &rep.W1.Ours}} {
		if *r.out, err = runW1(r.run, c); err != nil {
			return nil, fmt.Errorf("W1 %s: %w", r.run.name, err)
		}
	}
	say("crash recovery: %d kills", c.kills)
	if rep.Crash.Raw, err = runCrash(raw, c.kills); err != nil {
		return nil, fmt.Errorf("crash %s: %w", raw.name, err)
	}
	if rep.Crash.Ours, err = runCrash(ours, c.kills); err != nil {
		return nil, fmt.Errorf("crash %s: %w", ours.name, err)
	}
	if c.astro != "" && c.mcp != "" {
		say("end to end: %d astro processes, %d MCP calls of each kind", c.e2eRuns, c.pingRuns)
		if rep.E2E, err = measureE2E(ctx, c.astro, c.mcp, c.e2eRuns, c.pingRuns); err != nil {
			return nil, fmt.Errorf("end to end: %w", err)
		}
	} else {
		rep.Notes = append(rep.Notes, "End to end not measured: pass --astro and --mcp.")
	}
	if c.mcp != "" && len(c.w2Agents) > 0 {
		if rep.W2, err = runW2(ctx, c.mcp, c.w2Agents, c.w2Tasks, c.w2Work, say); err != nil {
			return nil, err
		}
	} else {
		rep.Notes = append(rep.Notes, "W2 not measured: pass --mcp.")
	}
	if c.peer {
		if err := measurePeer(c, rep, say); err != nil {
			return nil, fmt.Errorf("peer: %w", err)
		}
	}
	rep.Finished = time.Now().UTC()
	return rep, nil
}
