package lockcore

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// flockHolder is one granted flock on the lock file, from /proc/locks.
type flockHolder struct {
	PID   int
	Write bool
}

// parseProcLocks returns the granted FLOCK entries of r for key ("maj:min:ino"
// with hex device numbers). Waiters ("->" lines) are skipped.
func parseProcLocks(r io.Reader, key string) []flockHolder {
	var hs []flockHolder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != key {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		if err != nil {
			continue
		}
		hs = append(hs, flockHolder{PID: pid, Write: f[3] == "WRITE"})
	}
	return hs
}

func devKey(dev, ino uint64) string {
	return fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), ino)
}
