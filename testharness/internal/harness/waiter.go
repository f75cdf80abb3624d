package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// WaitResult is one acquisition attempt of a waiter, printed as
// "result <json>".
type WaitResult struct {
	OK         bool  `json:"ok"`
	AcquiredAt int64 `json:"acquiredAt,omitempty"` // Mono when the acquisition returned
	WaitNs     int64 `json:"waitNs"`
	RecordPID  int   `json:"recordPid,omitempty"` // on success: the pid in the lock file
	EndedAtMs  int64 `json:"endedAtMs"`           // wall clock, Unix ms, when the attempt returned

	Error           string `json:"error,omitempty"`
	IsErrLocked     bool   `json:"isErrLocked,omitempty"`   // errors.Is(err, lockcore.ErrLocked)
	IsLockedError   bool   `json:"isLockedError,omitempty"` // errors.As(err, **lockcore.LockedError)
	HolderPID       int    `json:"holderPid,omitempty"`
	HolderProcess   string `json:"holderProcess,omitempty"`
	HolderTimestamp int64  `json:"holderTimestamp,omitempty"`
	Verified        bool   `json:"verified,omitempty"`
	PossiblyHung    bool   `json:"possiblyHung,omitempty"`
	Attempts        int    `json:"attempts,omitempty"`
	WaitedNs        int64  `json:"waitedNs,omitempty"` // LockedError.Waited
}

// waiter makes up to Attempts acquisition attempts, printing each outcome.
// It stops at the first success (holding until "release" with HoldAfter)
// or, with UntilHung, at the first failure that reports a possibly hung
// holder.
func waiter(io *childIO, a Args) error {
	ctx := context.Background()
	l, log, err := startLockRole(io, a)
	if err != nil {
		return err
	}
	defer log.Close()
	io.say("waiting")
	for i := 0; i < max(a.Attempts, 1); i++ {
		r, err := attempt(ctx, l, a)
		if err != nil {
			return err
		}
		if r.OK {
			log.Enter(r.AcquiredAt, a.Shared, r.WaitNs)
			io.say("result %s", mustJSON(r))
			if a.HoldAfter {
				io.await("release")
			}
			log.Leave(Mono())
			if err := l.Release(); err != nil {
				return fmt.Errorf("release: %w", err)
			}
			io.say("released")
			return nil
		}
		io.say("result %s", mustJSON(r))
		if a.UntilHung && r.PossiblyHung {
			break
		}
	}
	return nil
}

func attempt(ctx context.Context, l locker, a Args) (WaitResult, error) {
	t0 := Mono()
	err := acquire(ctx, l, a.Shared)
	t1 := Mono()
	r := WaitResult{WaitNs: t1 - t0, EndedAtMs: time.Now().UnixMilli()}
	if err == nil {
		r.OK, r.AcquiredAt = true, t1
		pid, perr := RecordPID(a.DB)
		if perr != nil && a.Impl != ImplRaw {
			return r, perr
		}
		r.RecordPID = pid
		return r, nil
	}
	r.Error = err.Error()
	r.IsErrLocked = errors.Is(err, lockcore.ErrLocked)
	var le *lockcore.LockedError
	if errors.As(err, &le) {
		r.IsLockedError = true
		r.Verified, r.PossiblyHung, r.Attempts, r.WaitedNs = le.Verified, le.PossiblyHung, le.Attempts, int64(le.Waited)
		if le.Holder != nil {
			r.HolderPID, r.HolderProcess, r.HolderTimestamp = le.Holder.PID, le.Holder.Process, le.Holder.Timestamp
		}
	}
	if !r.IsErrLocked {
		return r, fmt.Errorf("acquire: %w", err)
	}
	return r, nil
}

// RecordPID reads the lock file of the database at dbPath whole, as JSON,
// and returns its pid: the file must be valid JSON at every moment.
func RecordPID(dbPath string) (int, error) {
	b, err := os.ReadFile(LockPath(dbPath))
	if err != nil {
		return 0, fmt.Errorf("read lock record: %w", err)
	}
	var rec struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return 0, fmt.Errorf("lock record is not JSON: %w (%q)", err, truncate(b, 80))
	}
	return rec.PID, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("harness: marshal: " + err.Error())
	}
	return string(b)
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
