package lockcore

import (
	"context"
	"testing"
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

// BenchmarkRawBaseline is the floor: the kernel lock (flock, or LockFileEx
// on Windows), one positional write of a record, unlock, on a file that is
// already open.
func BenchmarkRawBaseline(b *testing.B) {
	l := New(testDB(b), Options{})
	h, err := l.handle()
	if err != nil {
		b.Fatal(err)
	}
	rec := newRecord("bench", ModeExclusive).encode(RecordSize)
	for b.Loop() {
		if err := kernelWait(h.lk, ModeExclusive); err != nil {
			b.Fatal(err)
		}
		if err := h.fd.writeAt(rec, 0); err != nil {
			b.Fatal(err)
		}
		kernelUnlock(h.lk)
	}
}
