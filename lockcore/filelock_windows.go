package lockcore

import (
	"golang.org/x/sys/windows"
)

// lockOffset is the byte whose LockFileEx lock is the lock: exclusive for a
// writer, shared for readers. It is part of the lock protocol on Windows:
// every process that takes the lock must lock this byte. Windows
// byte-range locks are mandatory, so a lock over the record would keep
// waiters and Inspect from reading who holds it, and a shared holder from
// writing its record; the byte lies far past the record (and below the
// gates, gateOffset), where no I/O ever goes. A lock past the end of the
// file is allowed and does not grow it.
const lockOffset = 1 << 39

// kernelTry takes the lock in mode without waiting; false, nil when busy.
func kernelTry(lk sysFile, mode Mode) (bool, error) {
	return tryRange(lk, lockFlags(mode), lockOffset, 1)
}

// kernelWait waits in LockFileEx until it grants the lock in mode. It
// cannot be interrupted, and other I/O on lk waits for it meanwhile, which
// is why lk is a handle of its own.
func kernelWait(lk sysFile, mode Mode) error {
	return lockRange(lk, lockFlags(mode), lockOffset, 1)
}

// kernelUnlock drops the lock. Dropping a lock not held fails
// (ERROR_NOT_LOCKED), harmlessly.
func kernelUnlock(lk sysFile) { unlockRange(lk, lockOffset, 1) }

// kernelUpgrade makes a shared hold exclusive without waiting and reports
// whether it did. Windows cannot convert a lock in place: the shared lock
// is released first and is gone when the exclusive attempt fails. That is
// safe because holds change only under handle.mu, and only a hold that is
// being given back is upgraded.
func kernelUpgrade(lk sysFile) bool {
	kernelUnlock(lk)
	ok, err := kernelTry(lk, ModeExclusive)
	return ok && err == nil
}

func lockFlags(mode Mode) uint32 {
	if mode == ModeShared {
		return 0
	}
	return windows.LOCKFILE_EXCLUSIVE_LOCK
}

func lockRange(f sysFile, flags uint32, off, n int64) error {
	ov := at(off)
	return windows.LockFileEx(windows.Handle(f), flags, 0, uint32(n), uint32(n>>32), &ov)
}

func unlockRange(f sysFile, off, n int64) error {
	ov := at(off)
	return windows.UnlockFileEx(windows.Handle(f), 0, uint32(n), uint32(n>>32), &ov)
}

// tryRange locks [off, off+n) without waiting; false, nil when another
// handle holds a conflicting lock there.
func tryRange(f sysFile, flags uint32, off, n int64) (bool, error) {
	err := lockRange(f, flags|windows.LOCKFILE_FAIL_IMMEDIATELY, off, n)
	switch err {
	case nil:
		return true, nil
	case windows.ERROR_LOCK_VIOLATION, windows.ERROR_IO_PENDING:
		return false, nil
	}
	return false, err
}

// rangeFree reports whether no other handle holds an exclusive lock in
// [off, off+n): it takes a shared lock there without waiting and drops it
// at once. A shared lock conflicts with nothing but exclusive ones. (Whether
// f's own exclusive locks conflict is left unasked: callers never probe
// over them.) An error other than a conflict counts as free.
func rangeFree(f sysFile, off, n int64) bool {
	ok, err := tryRange(f, 0, off, n)
	if ok {
		unlockRange(f, off, n)
	}
	return ok || err != nil
}
