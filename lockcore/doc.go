// Package lockcore is the cooperative cross-process lock on an Astrotask
// database: the CLI and the MCP server take it before touching the
// embedded database, in shared mode to read and exclusive mode to write.
//
// # Truth and decoration
//
// The lock is a kernel flock(2) on LockFileName in the database's
// directory. The kernel alone decides who holds it, and it frees the lock
// the moment the holding process dies, however it dies: there is nothing
// stale to break. The file also carries a holder record (LockInfo: pid,
// timestamp, host, process and more) that decorates errors and Inspect. It
// is written after the lock is held, in place, as one fixed-size JSON value
// padded with spaces and ended by a newline, in a single pwrite at offset 0;
// the file is never truncated to empty, never deleted, and never written by
// a process that merely waits. Whole, the file is always valid JSON.
//
// A record is believed only when verified: same host and boot, pid alive
// (EPERM counts as alive), process start time unchanged, and, on Linux,
// the pid listed in /proc/locks as holding the file. Otherwise errors say
// "another process". StaleTimeout never robs a holder; it only marks it
// "possibly hung".
//
// # In one process
//
// All Locks on one file share a handle from a per-process registry: one
// descriptor, opened once and kept open (so no lock cycle reopens the file
// and the garbage collector never closes a held lock), one kernel lock, a
// FIFO semaphore that queues goroutines (a waiting writer holds back later
// readers), and a sync.RWMutex beside the flock so the race detector sees
// the exclusion. Shared holders of one process share its kernel shared
// lock. Re-entrancy goes through the context handed out by WithLock and
// WithSharedLock.
//
// # Waiting
//
// A waiter first tries without blocking. If the lock is busy, one
// goroutine per handle (a flight) blocks in the kernel and is woken by the
// release; callers wait for it until their budget (Options.Budget) or
// context ends. A caller that gives up withdraws from the flight; if the
// flight wins with nobody left, it releases at once. The flight's goroutine
// cannot be interrupted, so after a give-up it lingers (one per lock file)
// until the holder releases or dies.
//
// # Writer preference and fairness
//
// Readers could starve a writer: while any reader holds the shared lock,
// the next reader gets in. A waiter therefore first takes a gate: an open
// file description (OFD) write lock, fcntl F_OFD_SETLKW, on one byte far
// past the record (offset 1<<40) of the same file. A waiter holds the gate
// while it blocks for the lock and drops it once granted; non-blocking
// attempts and shared joins first check the gate and queue behind anyone
// holding it. So readers that arrive while a writer waits queue behind it,
// and a process that has just released cannot barge back in ahead of
// waiters. On Linux, OFD locks and flock locks are independent, and both
// are released by the kernel when their holder dies.
//
// Rejected designs: a second file (.astrotask.lock.gate) would work the
// same but adds a file that tools and users must know never to delete;
// classic fcntl (POSIX) locks for the gate are per process, not per
// descriptor, and any close of the file by the process would drop them;
// polling at RetryDelay costs half a delay of dead time per handover and
// lets a fast loop starve others; the original exclusive-create-and-unlink
// file broke mutual exclusion under contention and could not tell a dead
// holder from a slow one.
//
// # Platforms
//
// The full design needs Linux (OFD locks, /proc). Other Unix systems get
// the same flock lock and record, without the gate and without start-time
// and /proc/locks verification.
package lockcore
