package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
	"github.com/astrotask/astrotask-go/testharness/peer"
)

// measurePeer runs the cycle, W1 and crash workloads against the reference
// lock. Without node, or without the package installed, it says so in the
// report and returns nil: the rest of the report stands.
func measurePeer(c config, rep *Report, say func(string, ...any)) error {
	node, err := exec.LookPath("node")
	if err != nil {
		rep.Notes = append(rep.Notes, "Reference not measured: node is not installed.")
		say("node not found: skipping the reference implementation")
		return nil
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return fmt.Errorf("node --version: %w", err)
	}
	rep.Node = strings.TrimSpace(string(out))
	pkg := filepath.Join(c.peerDir, "node_modules", "@astrotask", "core", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		rep.Notes = append(rep.Notes, "Reference not measured: @astrotask/core is not installed in "+c.peerDir+" (scripts/bench.sh installs it).")
		say("@astrotask/core not installed in %s: skipping the reference implementation", c.peerDir)
		return nil
	}
	if err := os.WriteFile(filepath.Join(c.peerDir, "worker.mjs"), peer.Worker, 0o644); err != nil {
		return err
	}
	r := nodeRunner(node, c.peerDir)

	say("reference: uncontended cycle")
	if rep.Cycle.PeerNs, err = peerCycle(r, c.cycles/5); err != nil {
		return err
	}
	say("reference: W1")
	if rep.W1.Peer, err = runW1(r, c); err != nil {
		return fmt.Errorf("W1: %w", err)
	}
	say("reference: crash recovery, %d kills at once (about 30 s)", c.peerKills)
	if rep.Crash.Peer, err = runCrashParallel(r, c.peerKills, c.peerKills); err != nil {
		return fmt.Errorf("crash: %w", err)
	}
	return nil
}

// peerCycle is the median of three rounds of n uncontended cycles.
func peerCycle(r *runner, n int) (float64, error) {
	dir, cleanup, err := tempDir("peer-cycle")
	if err != nil {
		return 0, err
	}
	defer cleanup()
	var rounds []float64
	for i := range 3 {
		ch, err := r.start(fmt.Sprintf("reference-cycle%d", i), "cycle", harness.Args{DB: filepath.Join(dir, "cycle.db"), Count: n})
		if err != nil {
			return 0, err
		}
		line, err := ch.Expect("cycle ", within)
		if err == nil {
			err = ch.Wait(within)
		}
		ch.Stop()
		if err != nil {
			return 0, err
		}
		ns, err := strconv.ParseFloat(strings.TrimPrefix(line, "cycle "), 64)
		if err != nil {
			return 0, fmt.Errorf("bad cycle line %q", line)
		}
		rounds = append(rounds, ns)
	}
	return median(rounds), nil
}
