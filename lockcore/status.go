package lockcore

import (
	"encoding/json"
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

// lockedError describes the current holder of h's lock for a busy error.
func (h *handle) lockedError(o Options) *LockedError {
	st := inspectFD(h.fd, h.path, o.withDefaults())
	le := &LockedError{Path: h.path, Verified: st.Verified, PossiblyHung: st.PossiblyHung, Mode: st.Mode}
	if st.Locked {
		le.Holder = st.Holder
	}
	return le
}
