package lockcore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"
)

// RecordSize is the size of the holder record as written: JSON padded with
// spaces and ended by a newline, so the whole file is always valid JSON.
const RecordSize = 512

// maxRecordRead bounds how much of a lock file is ever read.
const maxRecordRead = 4096

// LockInfo is the holder record kept in the lock file. It decorates errors and
// status output; it never decides whether the lock is free.
type LockInfo struct {
	// State is "held" while the lock is held and "free" once the holder has
	// given it back; a holder that dies leaves "held". It comes first in the
	// record, at a fixed offset, so a release rewrites just those four
	// bytes: a reader racing the write still sees valid JSON.
	State     string `json:"state,omitempty"`
	PID       int    `json:"pid"`
	Timestamp int64  `json:"timestamp"` // Unix milliseconds when the lock was acquired
	Host      string `json:"host"`
	Process   string `json:"process"`
	Mode      Mode   `json:"mode,omitempty"`
	// Start is the holder's start time, so a reused pid is not mistaken for
	// the holder: in clock ticks since boot on Linux, in microseconds since
	// the Unix epoch on macOS, in 100 ns units since 1601 (the creation
	// time) on Windows, 0 (unknown) elsewhere. It is only ever compared on
	// the host that wrote it.
	Start uint64 `json:"start,omitempty"`
	// Boot identifies the kernel's boot (the boot id on Linux, the boot
	// session UUID on macOS, the boot time in 100 ns units since 1601 on
	// Windows, "" elsewhere), so a record from before a reboot is not
	// mistaken for a live holder.
	Boot string `json:"boot,omitempty"`
}

// The values of LockInfo.State.
const (
	StateHeld = "held"
	StateFree = "free"
)

// statePrefix is how every record written by this package begins; the
// state value follows it.
const statePrefix = `{"state":"`

// Time returns the acquisition time recorded in Timestamp.
func (li *LockInfo) Time() time.Time { return time.UnixMilli(li.Timestamp) }

func (li *LockInfo) age() time.Duration { return time.Since(li.Time()) }

// ParseRecord parses the content of a lock file. It accepts the record
// followed by padding, and rejects anything else: empty or truncated input,
// non-JSON, wrong types, trailing data, and absurd pids (below 1 or above
// 1<<22, the Linux limit). Errors wrap ErrBadRecord.
func ParseRecord(b []byte) (*LockInfo, error) {
	b = bytes.TrimRight(b, " \t\r\n")
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadRecord)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var li LockInfo
	if err := dec.Decode(&li); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	if dec.InputOffset() != int64(len(b)) {
		return nil, fmt.Errorf("%w: trailing data", ErrBadRecord)
	}
	if li.PID < 1 || li.PID > 1<<22 {
		return nil, fmt.Errorf("%w: pid %d out of range", ErrBadRecord, li.PID)
	}
	return &li, nil
}

// encode returns li as exactly size bytes (at least RecordSize): JSON, then
// spaces, then a newline. Over-long names are shortened to fit.
func (li LockInfo) encode(size int) []byte {
	for _, limit := range []int{64, 16, 0} {
		b, _ := json.Marshal(li)
		if len(b) < size {
			out := bytes.Repeat([]byte{' '}, size)
			copy(out, b)
			out[size-1] = '\n'
			return out
		}
		li.Host, li.Process, li.Boot = clip(li.Host, limit), clip(li.Process, limit), ""
	}
	panic("lockcore: record does not fit")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// self describes this process as it is written into holder records.
var self = sync.OnceValue(func() LockInfo {
	host, _ := os.Hostname()
	return LockInfo{PID: os.Getpid(), Host: host, Start: startTime(os.Getpid()), Boot: bootID()}
})

// newRecord returns this process's holder record for mode, stamped now.
func newRecord(process string, mode Mode) LockInfo {
	li := self()
	li.State, li.Process, li.Mode, li.Timestamp = StateHeld, process, mode, time.Now().UnixMilli()
	return li
}

// record writes this holder's record. When debug logging is on it first
// reads the record it replaces, to report recoveries: a record left by a
// process that is no longer running, or one that could not be parsed.
func (h *handle) record(c claim) error {
	if c.verbose() {
		h.logReplaced(c.log)
	}
	return h.writeRecord(newRecord(c.proc, c.mode))
}

func (h *handle) logReplaced(log *slog.Logger) {
	old, err := readRecord(h.fd)
	switch {
	case err == nil && old == nil:
	case err != nil:
		log.Debug("lockcore: replaced an unreadable record", "path", h.path, "reason", err.Error())
	case old.PID != self().PID && !verify(old):
		log.Debug("lockcore: replaced a record left by pid "+strconv.Itoa(old.PID), "path", h.path, "pid", old.PID, "process", old.Process)
	}
}

// writeRecord writes li over the record in one pwrite at offset 0 while the
// lock is held. The file never becomes empty: the record is padded to the
// current file length, or, for an oversized file, written at RecordSize and
// the tail cut off afterwards.
func (h *handle) writeRecord(li LockInfo) error {
	cur, err := h.fd.size()
	if err != nil {
		return fmt.Errorf("lockcore: stat %s: %w", h.path, err)
	}
	size := max(RecordSize, int(cur))
	if size > maxRecordRead {
		size = RecordSize
	}
	rec := h.tmpl.render(li)
	if size != RecordSize {
		rec = li.encode(size)
	}
	if err := h.fd.writeAt(rec, 0); err != nil {
		return fmt.Errorf("lockcore: write record %s: %w", h.path, err)
	}
	if cur > int64(size) {
		if err := h.fd.truncate(int64(size)); err != nil {
			return fmt.Errorf("lockcore: trim record %s: %w", h.path, err)
		}
	}
	return nil
}

// markFree marks the record given back as the last hold goes, so a lock
// released normally reads as free and only a holder that died leaves a
// "held" record behind. It rewrites the four bytes of the state in place
// (see LockInfo.State). After a shared hold the record is marked only if no
// other process still reads: the kernel lock is made exclusive without
// waiting (kernelUpgrade), which fails while another reader holds on (it
// may drop the shared lock first; it is being given back anyway). A failed
// write is ignored: the record only decorates. h.mu must be held.
func (h *handle) markFree() {
	if h.kmode == ModeShared && !kernelUpgrade(h.lk) {
		return
	}
	h.fd.writeAt(freeState, int64(len(statePrefix)))
}

var freeState = []byte(StateFree)

// readRecord reads at most maxRecordRead bytes of the lock file and parses
// them; an empty, cleared ("{}") or freed record gives nil, nil. A read
// torn by a concurrent write is retried a few times.
func readRecord(f sysFile) (*LockInfo, error) {
	buf := make([]byte, maxRecordRead+1)
	var err error
	for range 3 {
		var n int
		n, err = f.readAt(buf, 0)
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

// recordTemplate caches this process's encoded record around the
// timestamp, so an uncontended lock cycle does not run the JSON encoder.
// It is used under handle.mu.
type recordTemplate struct {
	proc      string
	mode      Mode
	pid       int
	pre, post []byte
	buf       [RecordSize]byte
}

// render returns li encoded as RecordSize bytes, like li.encode.
func (t *recordTemplate) render(li LockInfo) []byte {
	if li.Process != t.proc || li.Mode != t.mode || li.PID != t.pid || t.pre == nil {
		t.build(li)
	}
	b := strconv.AppendInt(append(t.buf[:0], t.pre...), li.Timestamp, 10)
	b = append(b, t.post...)
	if t.pre == nil || len(b) >= RecordSize {
		return li.encode(RecordSize)
	}
	for len(b) < RecordSize-1 {
		b = append(b, ' ')
	}
	return append(b, '\n')
}

func (t *recordTemplate) build(li LockInfo) {
	t.proc, t.mode, t.pid, t.pre, t.post = li.Process, li.Mode, li.PID, nil, nil
	li.Timestamp = 0
	b, _ := json.Marshal(li)
	const field = `"timestamp":0`
	if i := bytes.Index(b, []byte(field)); i >= 0 {
		t.pre, t.post = b[:i+len(field)-1], b[i+len(field):]
	}
}
