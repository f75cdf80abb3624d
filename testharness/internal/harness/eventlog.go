package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// An event log is one file per process incarnation, one line per event,
// each line written with a single write(2) so a SIGKILL can cut the log only
// between lines:
//
//	E <mono> <x|s> <wait ns>   the lock was acquired (exclusive or shared) after waiting
//	L <mono>                   about to release
//	A <seq>                    write seq is committed (acknowledged)
//	F <wait ns>                an acquisition failed after waiting
//
// A log that ends inside a hold belongs to a killed process; the parent
// closes that interval at the moment it sent the SIGKILL, which is before
// the kernel released the lock, so the interval stays inside the real hold.

// EventLog appends events to a log file.
type EventLog struct {
	f   *os.File
	buf []byte
}

// CreateEventLog creates (or truncates) the log at path. An empty path
// gives a log that discards everything.
func CreateEventLog(path string) (*EventLog, error) {
	if path == "" {
		return &EventLog{}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create event log: %w", err)
	}
	return &EventLog{f: f}, nil
}

// Enter records an acquisition at mono after waiting wait nanoseconds.
func (l *EventLog) Enter(mono int64, shared bool, wait int64) {
	m := byte('x')
	if shared {
		m = 's'
	}
	l.line('E', mono, int64(m), wait)
}

// Leave records that the holder is about to release.
func (l *EventLog) Leave(mono int64) { l.line('L', mono) }

// Ack records that write seq is committed.
func (l *EventLog) Ack(seq int64) { l.line('A', seq) }

// Fail records an acquisition that gave up after wait nanoseconds.
func (l *EventLog) Fail(wait int64) { l.line('F', wait) }

// Close closes the file.
func (l *EventLog) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

func (l *EventLog) line(kind byte, fields ...int64) {
	if l.f == nil {
		return
	}
	b := append(l.buf[:0], kind)
	for i, v := range fields {
		b = append(b, ' ')
		if kind == 'E' && i == 1 {
			b = append(b, byte(v))
			continue
		}
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, '\n')
	l.buf = b
	if _, err := l.f.Write(b); err != nil {
		panic("harness: write event log: " + err.Error())
	}
}

// Log is a parsed event log.
type Log struct {
	Proc      string
	Intervals []Interval
	Waits     []int64 // wait of every successful acquisition, ns
	Acks      []int64
	Fails     int
	// KilledInHold is true when the log ended inside a hold of a killed process.
	KilledInHold bool
}

// ReadLog parses the log at path written by process proc. killedAt is the
// Mono reading taken just before the process was sent SIGKILL, or 0 if it
// was not killed; a log that ends inside a hold is an error unless killed.
func ReadLog(path, proc string, killedAt int64) (Log, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Log{}, fmt.Errorf("read event log: %w", err)
	}
	lg := Log{Proc: proc}
	var open *Interval
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 0 {
			continue
		}
		bad := func() error { return fmt.Errorf("%s:%d: bad event %q", path, n, sc.Text()) }
		switch {
		case string(f[0]) == "E" && len(f) == 4 && open == nil:
			enter, e1 := strconv.ParseInt(string(f[1]), 10, 64)
			wait, e2 := strconv.ParseInt(string(f[3]), 10, 64)
			if e1 != nil || e2 != nil {
				return lg, bad()
			}
			open = &Interval{Proc: proc, Enter: enter, Shared: string(f[2]) == "s"}
			lg.Waits = append(lg.Waits, wait)
		case string(f[0]) == "L" && len(f) == 2 && open != nil:
			leave, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil || leave < open.Enter {
				return lg, bad()
			}
			open.Leave = leave
			lg.Intervals = append(lg.Intervals, *open)
			open = nil
		case string(f[0]) == "A" && len(f) == 2:
			seq, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				return lg, bad()
			}
			lg.Acks = append(lg.Acks, seq)
		case string(f[0]) == "F" && len(f) == 2:
			lg.Fails++
		default:
			return lg, bad()
		}
	}
	if open != nil {
		if killedAt == 0 {
			return lg, fmt.Errorf("%s: ends inside a hold but %s was not killed", path, proc)
		}
		lg.KilledInHold = true
		if killedAt > open.Enter {
			open.Leave = killedAt
			lg.Intervals = append(lg.Intervals, *open)
		}
	}
	return lg, nil
}
