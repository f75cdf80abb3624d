package lockcore

// holders fills st.Locked and st.Mode by probing: Windows lists no
// byte-range locks, so the holders and the number of readers are unknown.
func holders(_ sysFile, st *Status) (pids []int, known bool) {
	probe(st.Path, st)
	return nil, false
}

// probe finds the lock state by trying the lock byte without waiting,
// exclusive first, then shared. It opens a handle of its own, so a hold by
// this very process is seen too, and it releases what it got at once.
// Windows cannot convert a shared lock to exclusive in place, hence the
// order: exclusive refused and shared granted means readers hold it.
func probe(path string, st *Status) {
	f, err := openReadOnly(path)
	if err != nil {
		return
	}
	defer f.close()
	if ok, _ := kernelTry(f, ModeExclusive); ok {
		kernelUnlock(f)
		return
	}
	st.Locked, st.Mode = true, ModeExclusive
	if ok, _ := kernelTry(f, ModeShared); ok {
		kernelUnlock(f)
		st.Mode = ModeShared
	}
}
