package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// runner starts the child processes of one lock implementation.
type runner struct {
	name  string
	start func(name, role string, a harness.Args) (*harness.Child, error)
	// await, when not nil, waits until a waiter is seen waiting for the
	// lock file at path (see awaitFor); the reference polls instead, and
	// nothing can see it wait.
	await func(path string, pid int, d time.Duration) error
}

// goRunner re-executes lockbench itself with impl.
func goRunner(self, impl string) *runner {
	return &runner{name: impl, await: awaitFor(impl), start: func(name, role string, a harness.Args) (*harness.Child, error) {
		a.Impl = impl
		return harness.Start(self, name, role, a)
	}}
}

// nodeRunner runs the reference worker with node from dir.
func nodeRunner(node, dir string) *runner {
	return &runner{name: "reference", start: func(name, role string, a harness.Args) (*harness.Child, error) {
		cmd := exec.Command(node, filepath.Join(dir, "worker.mjs"))
		cmd.Dir = dir
		return harness.StartCmd(name, cmd, harness.Env(role, a))
	}}
}

// group is a set of children stopped together.
type group []*harness.Child

func (g group) stop() {
	for _, c := range g {
		c.Stop()
	}
}

const within = 2 * time.Minute

// awaitAll waits for every child to print a line starting with prefix.
func awaitAll(g []*harness.Child, prefix string) error {
	for _, c := range g {
		if _, err := c.Expect(prefix, within); err != nil {
			return err
		}
	}
	return nil
}

// sendAll sends line to every child.
func sendAll(g []*harness.Child, line string) error {
	for _, c := range g {
		if err := c.Send(line); err != nil {
			return childErr(c, err)
		}
	}
	return nil
}

func tempDir(prefix string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "lockbench-"+prefix+"-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// percentile returns the nearest-rank p-th percentile of xs (0 < p <= 100).
func percentile(xs []int64, p float64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func childErr(c *harness.Child, err error) error {
	return fmt.Errorf("%s: %w", c.Name, err)
}
