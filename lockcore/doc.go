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
// cannot be interrupted once in the kernel, so after a give-up it lingers
// (one per lock file) until the holder releases or dies; it drops its
// writer-preference gate (below) at once, so it holds nobody back.
//
// # Writer preference and fairness
//
// Readers could starve a writer: while any reader holds the shared lock,
// the next reader gets in, and the kernel does not queue them behind a
// blocked writer. So a writer about to block first takes a gate: a classic
// fcntl write lock on one byte of its process's own slot, far past the
// record (from offset 1<<40, 16 bytes per pid), of the same file,
// independent of the flock. It holds
// the gate for its whole wait, until it is granted the lock or everyone
// waiting for it gives up; a later waiter that joins an abandoned wait
// takes the gate again. Every non-blocking attempt and every shared join
// first checks the gate range (one F_GETLK); if a writer of another
// process holds any gate, the caller queues instead: a writer blocks in
// the kernel holding its own gate; a reader notes the writer that has
// waited longest, looks at that writer's gate again after a short jittered
// pause (250us doubling to 10ms) until it is through, then blocks in the
// kernel and takes its turn with the writers waiting there. So readers
// arriving while a writer waits go after it, a process that has just
// released cannot barge back in ahead of a waiting writer, and a stream of
// writers cannot starve readers either: a reader waits for the writer it
// found, not for those that come after it. Each wait of a process takes
// the next of the 16 bytes of its slot, so a reader can tell that the
// writer it waits for was served even when that process is already waiting
// again.
//
// The gates used to be a single byte that the first waiting writer took.
// A second writer that found it taken waited in flock without it, and once
// the first was granted the lock and dropped the gate, looping readers kept
// overtaking the second until its budget ran out. With a slot per process,
// writers never compete for a gate and no writer waits without one. Live
// processes have distinct pids (below 2^22 on Linux); a process in another
// pid namespace that owns the same slot makes the writer try the next few
// slots, and if all are taken it waits without preference. Once every
// waiting writer held a gate, readers that waited for all gates to clear
// starved behind two writers taking turns; hence a reader waits only for
// the writer it found.
//
// A gate is ignored when its holder is stopped (SIGSTOP, Ctrl-Z): a stopped
// waiter keeps nobody out of a free lock. F_GETLK reports one holder; when
// it is stopped, the bytes on either side of its gate are searched in turn,
// so a stopped writer never hides a live one. That needs the holder's pid,
// which F_GETLK reports for classic fcntl locks, and is why the gates are
// not open file description (OFD) locks, whose holders are anonymous.
// Classic fcntl locks belong to the process and are dropped when the
// process closes any descriptor of the file; losing the gate that way costs
// only the preference, never exclusion.
//
// Rejected designs: a blocking OFD-lock gate queued waiters in the kernel,
// but one stopped waiter then blocked everybody even with the lock free; a
// second file (.astrotask.lock.gate) adds a file that tools and users must
// know never to delete; polling at RetryDelay costs half a delay of dead
// time per handover and lets a fast loop starve others; the original
// exclusive-create-and-unlink file broke mutual exclusion under contention
// and could not tell a dead holder from a slow one. To keep every waiting
// writer gated, retrying the single gate with a jittered pause while
// blocked in flock still leaves a window after each handover in which
// readers get in, and adds polling to every waiting writer; waiting for the
// single gate in the kernel (F_SETLKW) from a second goroutine cannot be
// interrupted, so it outlives a cancel, and behind a stopped gate holder it
// never returns; passing the gate from the writer that is granted the lock
// to the next one is impossible, as a POSIX lock cannot change owner; and
// having readers look for blocked writers in /proc/locks is Linux-only and
// reads the whole system's lock table on every attempt.
//
// # Platforms
//
// lockcore builds on Unix systems only. The full design needs Linux
// (/proc). Other Unix systems get the same
// flock lock, record and gates, without start-time and /proc/locks
// verification and without the stopped-waiter check.
package lockcore
