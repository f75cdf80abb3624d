//go:build unix && !linux && !darwin

package lockcore

// startTime is unknown here: verification then rests on host and pid.
func startTime(pid int) uint64 { return 0 }

// bootID is unknown here.
func bootID() string { return "" }

// stopped is unknown here: a gate holder is always respected.
func stopped(pid int) bool { return false }

// kernelHolders is unknown here; callers fall back to probing.
func kernelHolders(dev, ino uint64) ([]flockHolder, bool) { return nil, false }
