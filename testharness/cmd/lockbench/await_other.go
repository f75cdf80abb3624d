//go:build unix && !linux

package main

import (
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// awaitFor returns how to see a waiter of impl wait before its holder is
// killed. No kernel but Linux lists lock waiters: a lockcore writer is seen
// by its gate, taken just before it blocks in flock; a raw flock waiter
// not at all (nil), so its samples may include its last steps before it
// blocks.
func awaitFor(impl string) func(path string, pid int, d time.Duration) error {
	if impl == harness.ImplLockcore {
		return harness.AwaitGated
	}
	return nil
}
