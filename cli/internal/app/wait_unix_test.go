//go:build unix

package app

import (
	"os"
	"testing"
)

// TestSIGINTWhileWaiting sends a real SIGINT to an astro process that is
// waiting for the lock.
func TestSIGINTWhileWaiting(t *testing.T) {
	interruptWaiting(t, nil, func(p *os.Process) error { return p.Signal(os.Interrupt) })
}
