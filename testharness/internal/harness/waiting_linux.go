//go:build linux

package harness

import "time"

// AwaitWaiting waits at most d until process pid waits for the lock file at
// path. On Linux that is any waiter, blocked in the kernel as /proc/locks
// shows it (AwaitBlocked).
func AwaitWaiting(path string, pid int, d time.Duration) error { return AwaitBlocked(path, pid, d) }
