package lockcore

import "golang.org/x/sys/unix"

// holders fills st.Locked, st.Mode and st.Readers from the kernel and
// returns the holding pids; known is false when they could only be probed.
func holders(fd int, st *Status) (pids []int, known bool) {
	var s unix.Stat_t
	if err := unix.Fstat(fd, &s); err == nil {
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
