// Package harness runs real competing processes against the lock and
// checks what they did.
//
// A child is any binary that calls RunChild when IsChild reports true: the
// testharness test binary (the os/exec test pattern) and lockbench both
// re-execute themselves that way. The parent picks a role (RoleContend,
// RoleHolder, RoleWaiter, RoleTaskWriter) and its Args through the
// environment (Env), and talks to the child through Child: commands as
// lines on stdin, reports as lines on stdout, waited for with deadlines.
//
// Every hold is written to an event log with CLOCK_MONOTONIC readings
// (Mono), which are comparable between processes on one machine. The
// parent reads the logs back (ReadLog), closing the hold of a process it
// SIGKILLed at the moment it sent the signal, and sweeps all intervals for
// overlap (Sweep). Lost updates are caught by a SQLite counter that is read
// and written in separate statements (Increment), so only the lock keeps
// two increments apart.
package harness
