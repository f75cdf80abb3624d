package lockcore

import (
	"errors"
	"io/fs"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Inspect reports the state of the lock on dbPath without taking it and
// without creating anything. On Linux the kernel's table of locks
// (/proc/locks) tells who holds it and how; the record only names them.
// A lock file that does not exist yet is reported free.
func Inspect(dbPath string, opts Options) (Status, error) {
	path := lockPath(dbPath)
	if h := peek(path); h != nil {
		return inspectFD(h.fd, path, opts.withDefaults()), nil
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return Status{Path: path}, nil
	}
	if err != nil {
		return Status{Path: path}, classify("open", path, err)
	}
	defer unix.Close(fd)
	if err := checkRegular(fd, path); err != nil {
		return Status{Path: path}, err
	}
	return inspectFD(fd, path, opts.withDefaults()), nil
}

func inspectFD(fd int, path string, o Options) Status {
	st := Status{Path: path}
	pids, known := holders(fd, &st)
	rec, err := readRecord(fd)
	if err != nil {
		st.RecordError = err.Error()
	}
	if rec == nil {
		return st
	}
	alive := verify(rec)
	current := st.Locked && (!known || slices.Contains(pids, rec.PID))
	switch {
	case st.Locked:
		st.Holder, st.Verified = rec, alive && current
	case !alive:
		st.Holder, st.Leftover = rec, true
	}
	if st.Holder != nil {
		st.Age = time.Since(rec.Time())
		st.PossiblyHung = st.Verified && st.Age > o.StaleTimeout
	}
	return st
}
