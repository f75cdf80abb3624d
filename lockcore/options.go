package lockcore

import (
	"log/slog"
	"math"
	"time"
)

// LockFileName is the name of the lock file, kept in the directory of the
// database it guards.
const LockFileName = ".astrotask.lock"

// DefaultMaxRetries is the MaxRetries used when Options.MaxRetries is zero.
const DefaultMaxRetries = 50

// DefaultRetryDelay is the RetryDelay used when Options.RetryDelay is zero.
const DefaultRetryDelay = 100 * time.Millisecond

// DefaultStaleTimeout is the StaleTimeout used when Options.StaleTimeout is
// zero.
const DefaultStaleTimeout = 30 * time.Second

// DefaultProcessType is the process name recorded when Options.ProcessType is
// empty.
const DefaultProcessType = "unknown"

// Options tune a Lock. The zero value is ready to use: every zero field takes
// its Default* value.
//
// Timeout, or else MaxRetries and RetryDelay, only size the waiting budget
// (see Budget); a waiter is woken by the kernel when the lock is released,
// it does not poll.
type Options struct {
	// Timeout, when positive, is the whole wait budget; NoWait (any
	// negative value) means one attempt without waiting; 0 means
	// MaxRetries x RetryDelay.
	Timeout      time.Duration
	MaxRetries   int           // 0 means DefaultMaxRetries
	RetryDelay   time.Duration // 0 means DefaultRetryDelay
	StaleTimeout time.Duration // 0 means DefaultStaleTimeout; never steals, only marks "possibly hung"
	ProcessType  string        // "" means DefaultProcessType; recorded as "process"
	Logger       *slog.Logger  // nil means silent; debug level gets attempts, waits, recoveries
}

// NoWait as Options.Timeout makes an acquisition try once and give up at
// once if the lock is busy.
const NoWait time.Duration = -1

// Budget returns how long an acquisition waits at most: Timeout when it is
// positive, nothing when it is negative, else MaxRetries times RetryDelay
// after defaults. A context deadline that comes sooner wins.
func (o Options) Budget() time.Duration {
	switch {
	case o.Timeout > 0:
		return o.Timeout
	case o.Timeout < 0:
		return 0
	}
	o = o.withDefaults()
	if time.Duration(o.MaxRetries) > math.MaxInt64/o.RetryDelay {
		return math.MaxInt64 // no overflow into a negative budget
	}
	return time.Duration(o.MaxRetries) * o.RetryDelay
}

func (o Options) withDefaults() Options {
	if o.MaxRetries <= 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = DefaultRetryDelay
	}
	if o.StaleTimeout <= 0 {
		o.StaleTimeout = DefaultStaleTimeout
	}
	if o.ProcessType == "" {
		o.ProcessType = DefaultProcessType
	}
	if o.Logger == nil {
		o.Logger = silent
	}
	return o
}

var silent = slog.New(slog.DiscardHandler)
