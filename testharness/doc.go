// Package testharness proves the lock with real competing processes.
//
// Its tests start copies of the test binary itself (and the real astro and
// astrotask-mcp binaries, built once by TestMain) as separate processes that
// contend for the lock, are SIGKILLed in the middle of holds and write
// transactions, and are SIGSTOPped while holding. Each process logs the
// monotonic time it entered and left every hold; the test sweeps all the
// intervals for overlap and checks a SQLite counter for lost updates:
//
//   - TestExclusion: 8 processes x 500 exclusive holds, zero overlaps, no
//     lost update.
//   - TestSharedAndExclusive: readers overlap each other, never a writer;
//     writers get in within their budget while readers loop.
//   - TestCrashMidHold, TestCrashMidWrite: a SIGKILLed holder frees the lock
//     at once, its record is replaced, acknowledged writes survive, the
//     database stays intact.
//   - TestChaos, TestChaosTaskstore: random SIGKILLs (100 and 50) of
//     processes writing under the lock, through raw SQL and through
//     taskstore's LockingStore.
//   - TestHungHolder: a SIGSTOPped holder is named and marked possibly hung,
//     never robbed; the waiters get in once it resumes and releases.
//   - TestFairness: four processes looping with no gap; none starves.
//   - TestCLIAgainstMCPServer: the real CLI and MCP server side by side;
//     lock-status names only real holders; claims never collide.
//   - TestCorruptRecordFree, TestCorruptRecordHeld: every kind of bad lock
//     file content, with the lock free and held.
//   - TestControlWithoutLock: the same checks catch a missing lock.
//   - TestPostgres: exclusion, the control, crashes and claim races against
//     a real PostgreSQL server, each process posing as its own machine.
//
// The tests run on Linux and macOS. Where a test needs a waiter to be
// waiting before it kills or resumes a holder, Linux shows the waiter
// blocked in the kernel (/proc/locks, harness.AwaitBlocked, in files
// built for Linux only); elsewhere a lockcore writer is seen at its
// writer-preference gate (harness.AwaitGated, TestWriterSeenAtItsGate).
//
// cmd/lockbench measures the lock against raw flock and against the
// reference TypeScript implementation; scripts/bench.sh runs it.
package testharness
