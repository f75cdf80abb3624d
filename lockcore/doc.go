// Package lockcore is the cooperative cross-process lock on an Astrotask
// database: the CLI and the MCP server take it, shared to read and
// exclusive to write, before they touch the embedded database.
//
// The lock is a kernel lock (flock(2); LockFileEx on Windows) on
// LockFileName in the database's directory, and the kernel alone decides
// who holds it. When a holder dies,
// however it dies, the lock is free at once; a holder that hangs is never
// robbed (StaleTimeout only marks it "possibly hung"). The file also holds
// a record of the holder (LockInfo) that decorates errors and Inspect and
// never decides whether the lock is free. The file is never deleted.
// Errors and Inspect name a holder only when it is verified: same host and
// boot, pid alive, start time unchanged and, on Linux, listed by the kernel
// as holding the lock. Otherwise they say "another process".
//
// Readers share the lock; a writer excludes everyone. A waiting writer goes
// before readers that arrive after it, in this process or another, and a
// reader defers only to a writer it found waiting, not to writers that
// come after it, so neither starves the other. Waiters are woken by the
// release; they do not poll for it.
//
// An acquisition waits at most its budget: Options.Timeout when set (NoWait
// makes one attempt), else Options.MaxRetries x Options.RetryDelay. A
// context deadline or cancellation that comes sooner wins. A lock that
// stays busy gives a *LockedError, and errors.Is(err, ErrLocked) holds; on
// any error nothing is held.
//
// To hold the lock:
//
//	l := lockcore.New(dbPath, lockcore.Options{ProcessType: "cli"})
//	if err := l.Acquire(ctx); err != nil { // AcquireShared to read
//		return err
//	}
//	defer l.Release()
//
// WithLock and WithSharedLock run a function under the lock and hand it a
// context that carries the hold: WithLock or WithSharedLock called with
// that context runs at once instead of acquiring again, and WithLock under
// a shared hold fails with ErrUpgrade rather than deadlock. Other
// goroutines, even of this process, wait their turn.
//
// Inspect reports who holds the lock without taking it or creating
// anything. ClearStale overwrites a record left by a process that died.
//
// lockcore builds on Unix systems and Windows. Start times and the boot are
// known on Linux, macOS and Windows, stopped waiters on Linux and macOS;
// only Linux lists who holds the lock (/proc/locks), so elsewhere Inspect
// counts no readers and a record naming a live process of the right start
// time is believed. On Windows, whose byte-range locks are mandatory, the
// lock is the byte at offset 1<<39, far past the record, so that the
// record stays readable; every process taking the lock must lock that
// byte. DESIGN.md in this directory explains how and why the lock is built
// as it is.
package lockcore
