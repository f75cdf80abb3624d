package lockcore

import (
	"log/slog"
	"strconv"
)

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
