package lockcore

import "testing"

// waitStopped polls, with a deadline, until the kernel reports pid stopped
// (p_stat SSTOP), which is what lockcore checks.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	if !waitFor(func() bool { return stopped(pid) }) {
		t.Fatalf("pid %d never stopped", pid)
	}
}
