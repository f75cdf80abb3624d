//go:build linux

package main

import (
	"time"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// awaitFor returns how to see a waiter of impl wait before its holder is
// killed: on Linux, blocked in flock in /proc/locks, whatever the impl.
func awaitFor(impl string) func(path string, pid int, d time.Duration) error {
	return harness.AwaitBlocked
}
