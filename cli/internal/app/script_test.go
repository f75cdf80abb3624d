package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain turns the test binary into the commands the scripts run: astro
// and task-master (the real application), umask (astro run with a given
// umask, Unix only) and lockholder (a process that holds the database lock
// until it is told to let go).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"astro":        func() { os.Exit(Main(os.Args)) },
		"task-master":  func() { os.Exit(Main(os.Args)) },
		"umask":        umaskMain,
		"lockholder":   lockholderMain,
		"pglockholder": pgLockholderMain,
	})
}

// HolderProcessType is what lockholder records in the lock file, unless
// the environment variable holderProcessEnv names another process type.
const (
	holderProcessType = "mcp-server"
	holderProcessEnv  = "LOCKHOLDER_PROCESS"
)

// lockholderMain is `lockholder shared|exclusive DBPATH READYFILE`: it takes
// the lock on DBPATH through lockcore, writes its PID to READYFILE (by
// rename, so the file appears complete), and holds the lock until READYFILE
// is removed (the scripts' release command; it works on every system) or
// SIGINT or SIGTERM arrives, then releases it and exits 0.
func lockholderMain() {
	if len(os.Args) != 4 || (os.Args[1] != "shared" && os.Args[1] != "exclusive") {
		fmt.Fprintln(os.Stderr, "usage: lockholder shared|exclusive DBPATH READYFILE")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	process := holderProcessType
	if p := os.Getenv(holderProcessEnv); p != "" {
		process = p
	}
	l := lockcore.New(os.Args[2], lockcore.Options{ProcessType: process})
	acquire := l.Acquire
	if os.Args[1] == "shared" {
		acquire = l.AcquireShared
	}
	actx, cancel := context.WithTimeout(ctx, time.Minute)
	err := acquire(actx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lockholder:", err)
		os.Exit(1)
	}
	ready := os.Args[3]
	tmp := ready + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "lockholder:", err)
		os.Exit(1)
	}
	if err := os.Rename(tmp, ready); err != nil {
		fmt.Fprintln(os.Stderr, "lockholder:", err)
		os.Exit(1)
	}
	untilReleased(ctx, ready)
	if err := l.Release(); err != nil {
		fmt.Fprintln(os.Stderr, "lockholder:", err)
		os.Exit(1)
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// Every script starts outside any git repository with no
			// database configured, so ./data/astrotask.db is the default.
			env.Setenv("DATABASE_URI", "")
			env.Setenv(LockTimeoutEnv, "")
			env.Setenv(ClaudeDesktopConfigEnv, "")
			env.Setenv("NO_COLOR", "")
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			// Scripts that build repositories run the real git, with no
			// user or system configuration but this one.
			gitconfig := filepath.Join(env.WorkDir, ".gitconfig")
			if err := os.WriteFile(gitconfig, []byte(scriptGitConfig), 0o644); err != nil {
				return err
			}
			env.Setenv("GIT_CONFIG_GLOBAL", gitconfig)
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			// ASTROBIN is a directory holding astro and the other
			// commands of TestMain but no git: `env PATH=$ASTROBIN`.
			astro, err := exec.LookPath("astro")
			if err != nil {
				return err
			}
			env.Setenv("ASTROBIN", filepath.Dir(astro))
			// tasks.json is a fixture with known IDs for `astro import`.
			b, err := os.ReadFile(filepath.Join("testdata", "tasks.json"))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "tasks.json"), b, 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"cursor":   cmdCursor,
			"waitfile": cmdWaitFile,
			"signal":   cmdSignal,
			"release":  cmdRelease,
			"sparse":   cmdSparse,
			"mode":     cmdMode,
			"readlink": cmdReadlink,
		},
	})
}

// scriptGitConfig is the only git configuration the scripts' git reads.
const scriptGitConfig = `[user]
	name = Script
	email = script@example.com
[init]
	defaultBranch = main
[protocol "file"]
	allow = always
[advice]
	detachedHead = false
`

// cmdExits is `exits CODE PROG ARGS...`: it runs PROG like exec and checks
// its exit code, leaving stdout and stderr for the next commands to match.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// cmdWaitFile is `waitfile FILE [VAR]`: it polls until FILE exists and is
// not empty, failing after a deadline, and sets VAR to its content.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [VAR]")
	}
	path := ts.MkAbs(args[0])
	var content []byte
	waitFor(ts, args[0]+" to appear", func() bool {
		b, err := os.ReadFile(path)
		content = b
		return err == nil && len(b) > 0
	})
	if len(args) == 2 {
		ts.Setenv(args[1], strings.TrimSpace(string(content)))
	}
}

// untilReleased returns when ready is gone or ctx is done. A holder
// checks every few milliseconds: Windows has no signal that a script can
// send to one process to let it end cleanly.
func untilReleased(ctx context.Context, ready string) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := os.Stat(ready); errors.Is(err, fs.ErrNotExist) {
				return
			}
		}
	}
}

// cmdRelease is `release READYFILE`: it removes the ready file of a
// lockholder or pglockholder, which then lets go of the lock and exits 0
// (see untilReleased); `wait` waits for it.
func cmdRelease(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: release READYFILE")
	}
	ts.Check(os.Remove(ts.MkAbs(args[0])))
}

// cmdSignal is `signal STOP|CONT|KILL READYFILE`: it stops, continues or
// kills the process whose PID a lockholder wrote to READYFILE, after
// checking that the process is one this script started in the background
// (SIGSTOP and SIGCONT on Unix; on Windows, which has no SIGSTOP, every
// thread of the process is suspended and resumed). A stopped process is
// killed when the script ends, whatever happens.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || (args[0] != "STOP" && args[0] != "CONT" && args[0] != "KILL") {
		ts.Fatalf("usage: signal STOP|CONT|KILL READYFILE")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(ts.ReadFile(args[1])))
	if err != nil {
		ts.Fatalf("signal: %s holds no PID: %v", args[1], err)
	}
	var p *os.Process
	for _, c := range ts.BackgroundCmds() {
		if c.Process != nil && c.Process.Pid == pid {
			p = c.Process
		}
	}
	if p == nil {
		ts.Fatalf("signal: PID %d is not a background process of this script", pid)
	}
	switch args[0] {
	case "STOP":
		ts.Defer(func() { p.Kill() })
		ts.Check(stopProcess(p))
	case "CONT":
		ts.Check(continueProcess(p))
	case "KILL":
		ts.Check(p.Kill())
	}
}

// cmdCursor sets the environment variable its argument names to the
// --cursor that the last command printed on stdout.
func cmdCursor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: cursor VAR")
	}
	m := regexp.MustCompile(`--cursor (\S+)`).FindStringSubmatch(ts.ReadFile("stdout"))
	if m == nil {
		ts.Fatalf("no --cursor in stdout")
	}
	ts.Setenv(args[0], m[1])
}

// cmdSparse is `sparse FILE SIZE`: it creates FILE holding SIZE zero bytes
// (sparse where the file system allows, so a large one costs nothing).
func cmdSparse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sparse FILE SIZE")
	}
	size, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(f.Truncate(size))
	ts.Check(f.Close())
}

// cmdMode is `mode FILE MODE`: it checks FILE's type and permissions, not
// following a symbolic link, as ls shows them (-rw-r--r--, prw-------).
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mode FILE MODE")
	}
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := fi.Mode().String(); (got == args[1]) == neg {
		ts.Fatalf("mode of %s is %s; want %s%s", args[0], got, map[bool]string{true: "not "}[neg], args[1])
	}
}

// cmdReadlink is `readlink LINK TARGET`: it checks that LINK is a symbolic
// link to TARGET, spelled as it was made.
func cmdReadlink(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: readlink LINK TARGET")
	}
	got, err := os.Readlink(ts.MkAbs(args[0]))
	ts.Check(err)
	if got != args[1] {
		ts.Fatalf("%s links to %s; want %s", args[0], got, args[1])
	}
}
