package taskstore

import (
	"context"
	"testing"

	"github.com/astrotask/astrotask-go/taskstore/pgtest"
)

// BenchmarkPostgresAddTask is BenchmarkAddTask on PostgreSQL: one-task
// writes with and without the advisory lock (one round trip to take it,
// one to give it back).
func BenchmarkPostgresAddTask(b *testing.B) {
	forEachPostgresStore(b, func(b *testing.B, s Store) {
		ctx := context.Background()
		for b.Loop() {
			if _, err := s.AddTask(ctx, NewTask{Title: "benchmark task"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPostgresGetTask measures a read with and without the shared
// advisory lock.
func BenchmarkPostgresGetTask(b *testing.B) {
	forEachPostgresStore(b, func(b *testing.B, s Store) {
		ctx := context.Background()
		t, err := s.AddTask(ctx, NewTask{Title: "benchmark task"})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.GetTask(ctx, t.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// forEachPostgresStore runs f as sub-benchmarks "local" and "locking", on
// a store of a fresh PostgreSQL database opened without and with the
// advisory lock.
func forEachPostgresStore(b *testing.B, f func(b *testing.B, s Store)) {
	for _, locking := range []bool{false, true} {
		name := "local"
		if locking {
			name = "locking"
		}
		b.Run(name, func(b *testing.B) {
			url := pgtest.NewDatabase(b)
			var s Store
			var err error
			if locking {
				s, err = OpenLocked(context.Background(), url, lockOpts("bench"))
			} else {
				s, err = OpenLocal(context.Background(), url)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			f(b, s)
		})
	}
}
