package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

// watchLock prints one status line on stderr when the command is still
// waiting for another process's lock after e.waitDelay, and only when stderr
// is a terminal: scripts and pipes never see it. The returned function ends
// the watch; it returns once the watcher has stopped writing.
func (e *env) watchLock(ctx context.Context, loc taskstore.Location, lo lockcore.Options) (stop func()) {
	if !e.errTerminal {
		return func() {}
	}
	inspect := func(ctx context.Context) (lockcore.Status, error) {
		return taskstore.InspectLock(ctx, loc, lo)
	}
	return watch(ctx, e.waitDelay, inspect, e.stderr)
}

// watch runs inspect once after delay and prints the waiting line on w if
// another process holds the lock then.
func watch(ctx context.Context, delay time.Duration, inspect func(context.Context) (lockcore.Status, error), w io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := inspect(ctx)
		if err != nil || !st.Locked || ctx.Err() != nil {
			return
		}
		if st.Holder != nil && st.Holder.PID == os.Getpid() {
			return // the lock is ours: we are working, not waiting
		}
		fmt.Fprintln(w, waitingLine(st))
	}()
	return func() {
		cancel()
		<-done
	}
}

// waitingLine is the status line: "Waiting for the database: held by
// mcp-server (PID 123) for 1.2s...".
func waitingLine(st lockcore.Status) string {
	return fmt.Sprintf("Waiting for the database: held by %s for %s...", holderName(st), roundAge(st.Age))
}

// holderName names the holder the way lockcore's errors do: by process and
// PID only when the holder was verified alive. The process name, which
// another process wrote, goes through clean.
func holderName(st lockcore.Status) string {
	if st.Holder == nil || !st.Verified {
		return "another process"
	}
	return fmt.Sprintf("%s (PID %d)", clean(st.Holder.Process), st.Holder.PID)
}

func roundAge(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
