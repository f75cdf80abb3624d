package lockcore

import "os"

// kernelHolders lists the processes holding a flock on the file identified by
// dev and ino, as the kernel reports them in /proc/locks. ok is false when
// /proc/locks cannot be read.
func kernelHolders(dev, ino uint64) (hs []flockHolder, ok bool) {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil, false
	}
	defer f.Close()
	return parseProcLocks(f, devKey(dev, ino)), true
}
