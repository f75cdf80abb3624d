//go:build unix

package app

import (
	"os"
	"syscall"
)

// stopProcess stops p with SIGSTOP; continueProcess continues it.
func stopProcess(p *os.Process) error { return p.Signal(syscall.SIGSTOP) }

func continueProcess(p *os.Process) error { return p.Signal(syscall.SIGCONT) }
