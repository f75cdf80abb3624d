//go:build unix && !linux

package harness

import "time"

// AwaitWaiting waits at most d until process pid waits for the lock file at
// path. No kernel but Linux lists lock waiters, so here pid must be a
// lockcore writer, seen waiting by its gate (AwaitGated), which it takes
// just before it blocks in flock.
func AwaitWaiting(path string, pid int, d time.Duration) error { return AwaitGated(path, pid, d) }
