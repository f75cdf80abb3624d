package lockcore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Status describes a lock file as Inspect found it.
type Status struct {
	Path         string        // lock file path
	Locked       bool          // some process holds the kernel lock
	Mode         Mode          // "" when free
	Holder       *LockInfo     // the record; when free and Leftover, the dead process's record
	Verified     bool          // holder verified alive (same host, pid alive, start time unchanged)
	Age          time.Duration // since Holder.Timestamp
	PossiblyHung bool          // held longer than StaleTimeout
	Readers      int           // number of processes holding it shared, when known
	Leftover     bool          // lock free but the record names a process that is no longer running
	RecordError  string        // why the record could not be read/parsed, "" if fine
}

type statusJSON struct {
	Locked       bool      `json:"locked"`
	Mode         Mode      `json:"mode"`
	Path         string    `json:"path"`
	Holder       *LockInfo `json:"holder"`
	Verified     bool      `json:"verified"`
	AgeMs        int64     `json:"ageMs"`
	PossiblyHung bool      `json:"possiblyHung"`
	Readers      int       `json:"readers"`
	Leftover     bool      `json:"leftover"`
	RecordError  string    `json:"recordError"`
}

// MarshalJSON encodes s with stable camelCase keys: locked, mode, path,
// holder (the record or null), verified, ageMs, possiblyHung, readers,
// leftover, recordError.
func (s Status) MarshalJSON() ([]byte, error) {
	return json.Marshal(statusJSON{
		Locked: s.Locked, Mode: s.Mode, Path: s.Path, Holder: s.Holder,
		Verified: s.Verified, AgeMs: s.Age.Milliseconds(), PossiblyHung: s.PossiblyHung,
		Readers: s.Readers, Leftover: s.Leftover, RecordError: s.RecordError,
	})
}

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
	if ok, _ := flockOp(fd, unix.LOCK_SH|unix.LOCK_NB); !ok {
		st.Locked, st.Mode = true, ModeExclusive
		return
	}
	defer flockOp(fd, unix.LOCK_UN)
	if ok, _ := flockOp(fd, unix.LOCK_EX|unix.LOCK_NB); !ok {
		st.Locked, st.Mode = true, ModeShared
	}
}

// verify reports whether li names a live process: same host and boot, pid
// alive, start time unchanged when both are known.
func verify(li *LockInfo) bool {
	me := self()
	if li == nil || li.Host != me.Host || !pidAlive(li.PID) {
		return false
	}
	if li.Boot != "" && me.Boot != "" && li.Boot != me.Boot {
		return false
	}
	return li.Start == 0 || startTime(li.PID) == li.Start
}

// pidAlive reports whether pid names a running process. EPERM means the
// process exists but belongs to someone else, so it counts as alive.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// lockedError describes the current holder of h's lock for a busy error.
func (h *handle) lockedError(o Options) *LockedError {
	st := inspectFD(h.fd, h.path, o.withDefaults())
	le := &LockedError{Path: h.path, Verified: st.Verified, PossiblyHung: st.PossiblyHung, Mode: st.Mode}
	if st.Locked {
		le.Holder = st.Holder
	}
	return le
}

// ClearStale overwrites a leftover record: one that names a process that is
// no longer running, or that cannot be parsed. It takes the lock without
// waiting to do so, and reports whether it overwrote anything. When the lock
// is held it changes nothing and returns a *LockedError naming the holder if
// verified. The lock file is never deleted.
func ClearStale(dbPath string) (cleared bool, err error) {
	l := New(dbPath, Options{})
	h, err := l.handle()
	if err != nil {
		return false, err
	}
	if !h.sem.TryAcquire(writerWeight) {
		return false, h.lockedError(l.opts)
	}
	defer h.sem.Release(writerWeight)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.flight != nil || h.kmode != "" {
		return false, h.lockedError(l.opts)
	}
	if ok, err := flockOp(h.fd, unix.LOCK_EX|unix.LOCK_NB); !ok || err != nil {
		if err != nil {
			return false, fmt.Errorf("lockcore: clear %s: %w", h.path, err)
		}
		return false, h.lockedError(l.opts)
	}
	defer flockOp(h.fd, unix.LOCK_UN)
	return h.clearLeftover()
}

// clearedRecord is what ClearStale leaves in the file: valid JSON that names
// nobody.
var clearedRecord = append(append([]byte("{}"), bytes.Repeat([]byte{' '}, RecordSize-3)...), '\n')

// clearLeftover overwrites the record if it is a leftover. The kernel lock
// must be held.
func (h *handle) clearLeftover() (bool, error) {
	rec, err := readRecord(h.fd)
	if err == nil && (rec == nil || verify(rec)) {
		return false, nil
	}
	if _, err := unix.Pwrite(h.fd, clearedRecord, 0); err != nil {
		return false, fmt.Errorf("lockcore: clear %s: %w", h.path, err)
	}
	if err := unix.Ftruncate(h.fd, RecordSize); err != nil {
		return false, fmt.Errorf("lockcore: clear %s: %w", h.path, err)
	}
	return true, nil
}
