//go:build unix && !linux

package lockcore

import "testing"

// What the kernel tells off Linux, for the wanted values of shared tests:
// nothing lists the processes holding the lock (so Inspect counts no
// readers and believes a record naming a live process of the right start
// time), and F_GETLK reports some gate, not necessarily the oldest.
const (
	kernelListsHolders = false
	getlkReportsOldest = false
)

// waitQueued waits, with a deadline, until the writer pid waits for the
// lock at path. No kernel here lists lock waiters, so the writer is seen
// by its gate, which it takes just before it blocks in flock.
func waitQueued(t *testing.T, path string, pid int) {
	t.Helper()
	if !waitFor(func() bool { return holdsGate(t, path, pid) }) {
		t.Fatalf("writer %d never took its gate", pid)
	}
}
