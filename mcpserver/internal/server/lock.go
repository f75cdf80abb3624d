package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// lockStatus reports the database lock in the JSON form of lockcore.Status,
// the same document `astro task lock-status --json` prints.
func (t *tools) lockStatus(ctx context.Context, _ LockStatusInput) (map[string]any, error) {
	st, err := t.inspectLock(ctx)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode lock status: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decode lock status: %w", err)
	}
	return out, nil
}
