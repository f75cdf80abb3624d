package pgtest

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"
)

// guardCommand is a PowerShell that waits for process pid to end, then
// runs stop and removes dir. It has a console process group of its own, so
// that a Ctrl-C to the tests does not end it too.
func guardCommand(pid int, stop []string, dir string) *exec.Cmd {
	quoted := make([]string, len(stop))
	for i, a := range stop {
		quoted[i] = psQuote(a)
	}
	script := fmt.Sprintf("Wait-Process -Id %d -ErrorAction SilentlyContinue; & %s *> $null; Remove-Item -LiteralPath %s -Recurse -Force -ErrorAction SilentlyContinue",
		pid, strings.Join(quoted, " "), psQuote(dir))
	cmd := exec.Command("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	return cmd
}

// psQuote quotes s as a PowerShell literal string.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// socketDirOption is empty: PostgreSQL on Windows listens on TCP alone by
// default, and a socket path would need quoting through pg_ctl's cmd.exe.
func socketDirOption(string) string { return "" }

// localeArgs are initdb's locale arguments: the C locale, since a Windows
// locale (English_United States.1252, say) has an encoding of its own that
// initdb refuses to pair with UTF8.
var localeArgs = []string{"--locale=C"}
