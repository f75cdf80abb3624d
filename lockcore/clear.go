package lockcore

import (
	"bytes"
	"fmt"

	"golang.org/x/sys/unix"
)

// clearedRecord is what ClearStale leaves in the file: valid JSON that names
// nobody.
var clearedRecord = append(append([]byte("{}"), bytes.Repeat([]byte{' '}, RecordSize-3)...), '\n')

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
