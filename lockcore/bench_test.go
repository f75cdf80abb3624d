package lockcore

import (
	"context"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkExclusiveCycle is an uncontended Acquire+Release.
func BenchmarkExclusiveCycle(b *testing.B) {
	l := New(testDB(b), Options{ProcessType: "bench"})
	ctx := context.Background()
	for b.Loop() {
		if err := l.Acquire(ctx); err != nil {
			b.Fatal(err)
		}
		l.Release()
	}
}

// BenchmarkSharedCycle is an uncontended AcquireShared+Release.
func BenchmarkSharedCycle(b *testing.B) {
	l := New(testDB(b), Options{ProcessType: "bench"})
	ctx := context.Background()
	for b.Loop() {
		if err := l.AcquireShared(ctx); err != nil {
			b.Fatal(err)
		}
		l.Release()
	}
}

// BenchmarkRawBaseline is the floor: flock, one pwrite of a record, unlock,
// on a descriptor that is already open.
func BenchmarkRawBaseline(b *testing.B) {
	l := New(testDB(b), Options{})
	h, err := l.handle()
	if err != nil {
		b.Fatal(err)
	}
	rec := newRecord("bench", ModeExclusive).encode(RecordSize)
	for b.Loop() {
		if err := unix.Flock(h.fd, unix.LOCK_EX); err != nil {
			b.Fatal(err)
		}
		if _, err := unix.Pwrite(h.fd, rec, 0); err != nil {
			b.Fatal(err)
		}
		unix.Flock(h.fd, unix.LOCK_UN)
	}
}
