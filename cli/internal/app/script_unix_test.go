//go:build unix

package app

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// umaskMain is `umask MASK astro ARGS...`: astro with the process umask
// set to MASK (octal), as a shell's umask would set it.
func umaskMain() {
	if len(os.Args) < 3 || os.Args[2] != "astro" {
		fmt.Fprintln(os.Stderr, "usage: umask MASK astro [ARGS...]")
		os.Exit(2)
	}
	mask, err := strconv.ParseUint(os.Args[1], 8, 32)
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: umask MASK astro [ARGS...]")
		os.Exit(2)
	}
	syscall.Umask(int(mask))
	os.Exit(Main(os.Args[2:]))
}

// stopProcess stops p with SIGSTOP; continueProcess continues it.
func stopProcess(p *os.Process) error { return p.Signal(syscall.SIGSTOP) }

func continueProcess(p *os.Process) error { return p.Signal(syscall.SIGCONT) }
