package taskstore

import (
	"context"
	"crypto/rand"
	mrand "math/rand/v2"
	"strconv"
)

// idAttempts is how many random IDs newTaskID tries before giving up.
// With 26^4 = 456,976 IDs per level, giving up means a level is nearly full.
const idAttempts = 64

// randomSegment returns four random capital letters.
func randomSegment() string {
	var b [4]byte
	for i := range b {
		b[i] = byte('A' + mrand.IntN(26))
	}
	return string(b[:])
}

// newTaskID returns an unused ID for a child of parent: "ABCD" under the
// project root, "PARENT-ABCD" under any other task. It retries on
// collision and fails with ErrConflict when it cannot find a free ID.
func (c *conn) newTaskID(ctx context.Context, parent string) (string, error) {
	prefix := ""
	if parent != ProjectRootID {
		prefix = parent + "-"
	}
	if len(prefix)+4 > MaxIDLen {
		return "", invalid("parentId", "task %s is nested too deeply for a generated subtask ID", parent)
	}
	for range idAttempts {
		id := prefix + randomSegment()
		exists, err := c.taskExists(ctx, id)
		if err != nil {
			return "", err
		}
		if !exists {
			return id, nil
		}
	}
	return "", &ConflictError{ID: parent, Reason: "could not generate a free task ID under " + parent + " after " + strconv.Itoa(idAttempts) + " attempts"}
}

// newSliceID returns a random context slice ID.
func newSliceID() string { return "CS-" + rand.Text() }
