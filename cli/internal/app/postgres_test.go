package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// pgLockholderMain is `pglockholder URL READYFILE HOST`: it holds the
// cooperative lock of the PostgreSQL database at URL exclusively, as
// process mcp-server on machine HOST, writes its PID to READYFILE (by
// rename), and holds the lock until READYFILE is removed or SIGINT or
// SIGTERM arrives (see untilReleased).
func pgLockholderMain() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: pglockholder URL READYFILE HOST")
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "pglockholder:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := taskstore.Open(ctx, taskstore.Options{DataDir: os.Args[1], HostName: os.Args[3],
		LockOptions: lockcore.Options{ProcessType: holderProcessType, MaxRetries: 600}})
	if err != nil {
		fail(err)
	}
	defer st.Close()
	err = st.Transaction(ctx, func(ctx context.Context, _ taskstore.Store) error {
		ready := os.Args[2]
		if err := os.WriteFile(ready+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
		if err := os.Rename(ready+".tmp", ready); err != nil {
			return err
		}
		untilReleased(ctx, ready)
		return nil
	})
	if err != nil {
		fail(err)
	}
}

// TestPostgresScripts runs the scripts in testdata/postgres against a real
// PostgreSQL server, each with a fresh database named by $PGURL (with a
// password the server does not need, so that the scripts can check it is
// never printed).
func TestPostgresScripts(t *testing.T) {
	base := pgtest.Own(t)
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "postgres"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			dbURL, drop, err := pgtest.CreateDatabase(base, filepath.Base(env.WorkDir))
			if err != nil {
				return err
			}
			env.Defer(func() {
				if err := drop(); err != nil {
					env.T().Log(err)
				}
			})
			u, err := url.Parse(dbURL)
			if err != nil {
				return err
			}
			u.User = url.UserPassword(u.User.Username(), "pw-never-printed")
			env.Setenv("PGURL", u.String())
			env.Setenv("PGURL_SHOWN", taskstore.Location{Backend: taskstore.BackendPostgres, URL: u.String()}.String())
			env.Setenv("DATABASE_URI", "")
			env.Setenv(LockTimeoutEnv, "")
			env.Setenv(ClaudeDesktopConfigEnv, "")
			env.Setenv("NO_COLOR", "")
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"waitfile": cmdWaitFile,
			"signal":   cmdSignal,
		},
	})
}
