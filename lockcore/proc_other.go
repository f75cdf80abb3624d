//go:build unix && !linux

package lockcore

// startTime is unknown off Linux: verification then rests on host and pid.
func startTime(pid int) uint64 { return 0 }

// bootID is unknown off Linux.
func bootID() string { return "" }

// stopped is unknown off Linux: a gate holder is always respected.
func stopped(pid int) bool { return false }

// kernelHolders is unknown off Linux; callers fall back to probing.
func kernelHolders(dev, ino uint64) ([]flockHolder, bool) { return nil, false }
