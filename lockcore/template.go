package lockcore

import (
	"bytes"
	"encoding/json"
	"strconv"
)

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
