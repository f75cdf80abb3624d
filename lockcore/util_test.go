package lockcore

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
)

// logBuffer collects debug logs; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) count(s string) int { return strings.Count(b.String(), s) }

func debugLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// readLockFile returns the lock file and checks it is one valid JSON value.
func readLockFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		t.Fatalf("lock file is not valid JSON: %q", b)
	}
	return b
}

const anotherProcess = "Database is currently in use by another process. Please try again in a moment."

func (l *Lock) dirForTest() string { return strings.TrimSuffix(l.Path(), "/"+LockFileName) }
