//go:build unix

package pgtest

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"
)

// guardCommand is a shell that waits for process pid to end, then runs
// stop and removes dir. It has a process group of its own, so that a
// signal to the tests' group does not end it too.
func guardCommand(pid int, stop []string, dir string) *exec.Cmd {
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 1; done; %s >/dev/null 2>&1; rm -rf %s", pid, strings.Join(stop, " "), dir)
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// socketDirOption puts the server's Unix socket in dir, away from the
// system's socket directory and any server already there.
func socketDirOption(dir string) string { return " -k " + dir }

// localeArgs are initdb's locale arguments: none, the environment's
// locale serves.
var localeArgs []string
