package lockcore

import (
	"bytes"
	"fmt"

	"golang.org/x/sys/unix"
)

// writeRecord writes li over the record in one pwrite at offset 0 while the
// lock is held. The file never becomes empty: the record is padded to the
// current file length, or, for an oversized file, written at RecordSize and
// the tail cut off afterwards.
func (h *handle) writeRecord(li LockInfo) error {
	var st unix.Stat_t
	if err := unix.Fstat(h.fd, &st); err != nil {
		return fmt.Errorf("lockcore: stat %s: %w", h.path, err)
	}
	size := max(RecordSize, int(st.Size))
	if size > maxRecordRead {
		size = RecordSize
	}
	rec := h.tmpl.render(li)
	if size != RecordSize {
		rec = li.encode(size)
	}
	if _, err := unix.Pwrite(h.fd, rec, 0); err != nil {
		return fmt.Errorf("lockcore: write record %s: %w", h.path, err)
	}
	if st.Size > int64(size) {
		if err := unix.Ftruncate(h.fd, int64(size)); err != nil {
			return fmt.Errorf("lockcore: trim record %s: %w", h.path, err)
		}
	}
	return nil
}

// readRecord reads at most maxRecordRead bytes of the lock file and parses
// them; an empty or cleared ("{}") file gives nil, nil. A torn read during a concurrent write is retried a few times.
func readRecord(fd int) (*LockInfo, error) {
	buf := make([]byte, maxRecordRead+1)
	var err error
	for range 3 {
		var n int
		n, err = unix.Pread(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("lockcore: read record: %w", err)
		}
		if n > maxRecordRead {
			return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadRecord, maxRecordRead)
		}
		if t := bytes.TrimSpace(buf[:n]); len(t) == 0 || string(t) == "{}" {
			return nil, nil // a new or cleared lock file
		}
		var li *LockInfo
		if li, err = ParseRecord(buf[:n]); err == nil {
			if li.State == StateFree {
				return nil, nil // given back normally
			}
			return li, nil
		}
	}
	return nil, err
}
