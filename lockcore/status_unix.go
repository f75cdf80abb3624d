//go:build unix

package lockcore

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// holders fills st.Locked, st.Mode and st.Readers from the kernel and
// returns the holding pids; known is false when they could only be probed.
func holders(fd sysFile, st *Status) (pids []int, known bool) {
	var s unix.Stat_t
	if err := unix.Fstat(int(fd), &s); err == nil {
		if hs, ok := kernelHolders(uint64(s.Dev), uint64(s.Ino)); ok {
			fromKernel(hs, st)
			for _, h := range hs {
				pids = append(pids, h.PID)
			}
			return pids, true
		}
	}
	probe(st.Path, st)
	return nil, false
}

func fromKernel(hs []flockHolder, st *Status) {
	st.Locked = len(hs) > 0
	for _, h := range hs {
		if h.Write {
			st.Mode = ModeExclusive
			return
		}
	}
	if st.Locked {
		st.Mode, st.Readers = ModeShared, len(hs)
	}
}

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

// probe finds the lock state by trying the lock without waiting, when the
// kernel's lock table cannot be read. It opens its own descriptor, so a hold
// by this very process is seen too, and it releases what it got at once.
func probe(path string, st *Status) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if ok, _ := flockOp(sysFile(fd), unix.LOCK_SH|unix.LOCK_NB); !ok {
		st.Locked, st.Mode = true, ModeExclusive
		return
	}
	defer flockOp(sysFile(fd), unix.LOCK_UN)
	if ok, _ := flockOp(sysFile(fd), unix.LOCK_EX|unix.LOCK_NB); !ok {
		st.Locked, st.Mode = true, ModeShared
	}
}
