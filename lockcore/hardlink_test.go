package lockcore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestHardLinkedLockFileRefused: a lock file that is another name of some
// file is refused, by Acquire and by Inspect, and that file keeps its
// content; once the other name is gone the lock works again.
func TestHardLinkedLockFileRefused(t *testing.T) {
	db := testDB(t)
	l := New(db, quick)
	if err := os.MkdirAll(filepath.Dir(l.Path()), 0o755); err != nil {
		t.Fatal(err)
	}
	precious := filepath.Join(t.TempDir(), "precious")
	content := bytes.Repeat([]byte("keep me "), 128)
	if err := os.WriteFile(precious, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(precious, l.Path()); err != nil {
		t.Fatal(err)
	}
	err := l.Acquire(t.Context())
	var pe *PathError
	if !errors.Is(err, ErrHardLinked) || errors.Is(err, ErrLocked) || !errors.As(err, &pe) || pe.Path != l.Path() {
		t.Fatalf("Acquire = %v, want ErrHardLinked naming %s", err, l.Path())
	}
	t.Log(err)
	if st, err := Inspect(db, quick); !errors.Is(err, ErrHardLinked) {
		t.Fatalf("Inspect = %+v, %v; want ErrHardLinked", st, err)
	}
	if got, err := os.ReadFile(precious); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the other name's content changed: %q, %v", got, err)
	}

	if err := os.Remove(precious); err != nil {
		t.Fatal(err)
	}
	mustAcquire(t, l, ModeExclusive)
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}
