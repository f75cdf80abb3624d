package lockcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// Start is the holder's start time in clock ticks since boot (Linux), so
	// a reused pid is not mistaken for the holder.
	Start uint64 `json:"start,omitempty"`
	// Boot is the kernel boot id (Linux), so a record from before a reboot
	// is not mistaken for a live holder.
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

// ErrBadRecord reports a lock file whose content is not a holder record.
var ErrBadRecord = errors.New("bad lock record")

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
