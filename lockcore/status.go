package lockcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"
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
	f, err := openReadOnly(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Status{Path: path}, nil
	}
	if err != nil {
		return Status{Path: path}, err
	}
	defer f.close()
	return inspectFD(f, path, opts.withDefaults()), nil
}

func inspectFD(fd sysFile, path string, o Options) Status {
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
	if ok, err := kernelTry(h.lk, ModeExclusive); !ok || err != nil {
		if err != nil {
			return false, fmt.Errorf("lockcore: clear %s: %w", h.path, err)
		}
		return false, h.lockedError(l.opts)
	}
	defer kernelUnlock(h.lk)
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
	if err := h.fd.writeAt(clearedRecord, 0); err != nil {
		return false, fmt.Errorf("lockcore: clear %s: %w", h.path, err)
	}
	if err := h.fd.truncate(RecordSize); err != nil {
		return false, fmt.Errorf("lockcore: clear %s: %w", h.path, err)
	}
	return true, nil
}
