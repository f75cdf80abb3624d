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
	key       string
	pre, post []byte
	buf       [RecordSize]byte
}

// render returns li encoded as RecordSize bytes, like li.encode.
func (t *recordTemplate) render(li LockInfo) []byte {
	if key := li.Process + "\x00" + string(li.Mode) + "\x00" + strconv.Itoa(li.PID); key != t.key {
		t.build(li, key)
	}
	b := append(append(append(t.buf[:0], t.pre...), strconv.AppendInt(nil, li.Timestamp, 10)...), t.post...)
	if t.pre == nil || len(b) >= RecordSize {
		return li.encode(RecordSize)
	}
	for len(b) < RecordSize-1 {
		b = append(b, ' ')
	}
	return append(b, '\n')
}

func (t *recordTemplate) build(li LockInfo, key string) {
	t.key, t.pre, t.post = key, nil, nil
	li.Timestamp = 0
	b, _ := json.Marshal(li)
	const field = `"timestamp":0`
	if i := bytes.Index(b, []byte(field)); i >= 0 {
		t.pre, t.post = b[:i+len(field)-1], b[i+len(field):]
	}
}
