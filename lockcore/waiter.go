package lockcore

import (
	"context"
	"time"
)

// waiter carries one acquisition's budget. The budget context is created
// only when the call actually has to wait, so an uncontended cycle pays
// nothing for it.
type waiter struct {
	parent context.Context
	budget time.Duration
	start  time.Time
	ctx    context.Context
	cancel context.CancelFunc
}

func newWaiter(ctx context.Context, budget time.Duration) *waiter {
	return &waiter{parent: ctx, budget: budget, start: time.Now()}
}

func (w *waiter) context() context.Context {
	if w.ctx == nil {
		w.ctx, w.cancel = context.WithDeadline(w.parent, w.start.Add(w.budget))
	}
	return w.ctx
}

func (w *waiter) done() <-chan struct{} { return w.context().Done() }

func (w *waiter) err() error { return w.context().Err() }

func (w *waiter) stop() {
	if w.cancel != nil {
		w.cancel()
	}
}
