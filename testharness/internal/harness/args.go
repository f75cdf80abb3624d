package harness

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// Environment variables that turn a binary (the test binary, lockbench)
// into a child process playing a role.
const (
	EnvRole = "ASTROTASK_HARNESS_ROLE"
	EnvArgs = "ASTROTASK_HARNESS_ARGS"
)

// The roles a child can play.
const (
	// RoleContend acquires and releases in a loop, optionally holding for
	// Hold and incrementing the SQLite counter inside each hold.
	RoleContend = "contend"
	// RoleHolder acquires once, optionally commits Count counter writes and
	// leaves one write transaction open (InTx), prints "holding <pid>", and
	// releases when told "release" on stdin.
	RoleHolder = "holder"
	// RoleWaiter makes acquisition attempts and prints each outcome as a
	// "result <json>" line (see WaitResult).
	RoleWaiter = "waiter"
)

// Impls name the lock a child uses.
const (
	ImplLockcore = "lockcore" // lockcore through its public API (the default)
	ImplRaw      = "raw"      // bare flock on an open fd plus one pwrite: the floor
	ImplNone     = "none"     // no lock at all: the control that must fail the checks
)

// Args configures a child. It travels as JSON in EnvArgs.
type Args struct {
	DB    string `json:"db"`              // database path; the lock lives in its directory
	Log   string `json:"log,omitempty"`   // event log path
	Impl  string `json:"impl,omitempty"`  // ImplLockcore, ImplRaw or ImplNone
	Owner string `json:"owner,omitempty"` // names this incarnation's counter writes

	Count   int           `json:"count,omitempty"`   // holds (contend) or committed writes (holder)
	Loop    bool          `json:"loop,omitempty"`    // contend until "stop" or EOF on stdin
	Barrier bool          `json:"barrier,omitempty"` // contend, holder, waiter: print "ready" and wait for "go" first
	Hold    time.Duration `json:"hold,omitempty"`    // work inside each hold
	Shared  bool          `json:"shared,omitempty"`  // take the shared lock
	Counter bool          `json:"counter,omitempty"` // increment the SQLite counter inside each hold
	InTx    bool          `json:"inTx,omitempty"`    // holder: leave a write transaction open
	// Progress makes contend print "progress <n>" every Progress holds.
	Progress int `json:"progress,omitempty"`

	Attempts  int  `json:"attempts,omitempty"`  // waiter: attempts at most (0 means 1)
	UntilHung bool `json:"untilHung,omitempty"` // waiter: stop at the first possibly-hung report
	HoldAfter bool `json:"holdAfter,omitempty"` // waiter: after acquiring, hold until "release"

	MaxRetries   int           `json:"maxRetries,omitempty"`
	RetryDelay   time.Duration `json:"retryDelay,omitempty"`
	StaleTimeout time.Duration `json:"staleTimeout,omitempty"`
	ProcessType  string        `json:"processType,omitempty"`
	// Verbose sends lockcore's debug log to the child's stderr.
	Verbose bool `json:"verbose,omitempty"`
}

// LockOptions returns the lockcore options the args describe.
func (a Args) LockOptions() lockcore.Options {
	o := lockcore.Options{
		MaxRetries:   a.MaxRetries,
		RetryDelay:   a.RetryDelay,
		StaleTimeout: a.StaleTimeout,
		ProcessType:  a.ProcessType,
	}
	if a.Verbose {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return o
}

// Env returns the environment that makes a child play role with a.
func Env(role string, a Args) []string {
	b, err := json.Marshal(a)
	if err != nil {
		panic("harness: marshal args: " + err.Error())
	}
	// A binary built with -race sleeps a second at exit by default
	// (atexit_sleep_ms), which would dominate every short-lived child.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	return append(os.Environ(), EnvRole+"="+role, EnvArgs+"="+string(b), "GORACE="+gorace)
}

// IsChild reports whether this process was started to play a role.
func IsChild() bool { return os.Getenv(EnvRole) != "" }

// RunChild plays the role named in the environment and returns the exit
// code: 0 success, 2 bad arguments, 3 the role failed (reason on stderr).
func RunChild() int {
	role := os.Getenv(EnvRole)
	var a Args
	if err := json.Unmarshal([]byte(os.Getenv(EnvArgs)), &a); err != nil {
		fmt.Fprintf(os.Stderr, "harness child: bad %s: %v\n", EnvArgs, err)
		return 2
	}
	run, ok := roles[role]
	if !ok {
		fmt.Fprintf(os.Stderr, "harness child: unknown role %q\n", role)
		return 2
	}
	if err := run(newChildIO(), a); err != nil {
		fmt.Fprintf(os.Stderr, "harness child %s (pid %d): %v\n", role, os.Getpid(), err)
		return 3
	}
	return 0
}

var roles = map[string]func(*childIO, Args) error{
	RoleContend: contend,
	RoleHolder:  holder,
	RoleWaiter:  waiter,

	RoleTaskWriter: taskWriter,
}
