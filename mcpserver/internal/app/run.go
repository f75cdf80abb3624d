package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Streams are the process's standard streams. Out carries MCP protocol
// messages only; everything else goes to Err.
type Streams struct {
	In  io.ReadCloser
	Out io.WriteCloser
	Err io.Writer
}

// Main runs the command with args (without the program name) and returns
// the exit code: 0 on success, 1 when serving fails, 2 for a bad command
// line.
func Main(ctx context.Context, args []string, getenv func(string) string, std Streams) int {
	cfg, err := Parse(args, getenv, std.Err)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(std.Err, "astrotask-mcp: %v\n", err)
		return 2
	}
	if cfg.Version {
		fmt.Fprintln(std.Out, versionLine())
		return 0
	}
	if err := Run(ctx, cfg, std); err != nil {
		fmt.Fprintf(std.Err, "astrotask-mcp: %v\n", err)
		return 1
	}
	return 0
}

// OneThread reports whether the command line asks to serve over stdio
// and GOMAXPROCS is not set: then main runs the server's Go code on one
// thread. An editor starts a server for each session, so a machine often
// runs several, each serving one client whose calls come one at a time.
// With a thread per core each, they spend much of their time waking idle
// threads of their own: 8 agents sharing a database over stdio drained
// ready tasks at 2.2 times one agent's rate on 2 cores, and at 2.8 times
// with one thread each. Over HTTP the server uses every core.
func OneThread(args []string, getenv func(string) string) bool {
	if getenv("GOMAXPROCS") != "" {
		return false
	}
	cfg, err := Parse(args, getenv, io.Discard)
	return err == nil && !cfg.Version && cfg.HTTPAddr == ""
}

// Run opens the database and serves it until ctx is done or, on stdio, the
// client closes the connection. The database is opened (and migrated, under
// the exclusive lock) before the first message is read; no lock is held
// while the server waits for requests.
func Run(ctx context.Context, cfg Config, std Streams) error {
	log := newLogger(std.Err, cfg.Verbose)
	loc, err := taskstore.Locate(cfg.DB)
	if err != nil {
		return err
	}
	lockOpts := LockOptions(cfg.LockTimeout)
	lockOpts.Logger = log.With("component", "lock")
	store, err := taskstore.Open(ctx, taskstore.Options{
		Location:    loc,
		LockOptions: lockOpts,
		Verbose:     cfg.Verbose,
		Logger:      log,
	})
	if err != nil {
		return err // taskstore's errors name the location, without a password
	}
	defer store.Close()
	log.Debug("database open", "location", loc.String(), "lockBudget", lockOpts.Budget(), "threads", runtime.GOMAXPROCS(0))

	srv := server.New(store, server.Options{Location: loc, LockOptions: lockOpts, Logger: log, Version: Version(), Agent: cfg.Agent})
	if cfg.HTTPAddr == "" {
		return serveStdio(ctx, srv, std, log)
	}
	return serveHTTP(ctx, srv, cfg, std.Err, log)
}

// serveStdio serves srv on the standard streams until the client closes
// stdin, or ctx is done: then it reads no further request, answers every
// request already read, and returns nil. A line that is not a valid
// JSON-RPC message is answered with an error and serving goes on.
func serveStdio(ctx context.Context, srv *mcp.Server, std Streams, log *slog.Logger) error {
	ss, err := srv.Connect(ctx, &server.StdioTransport{Reader: std.In, Writer: std.Out, Logger: log}, nil)
	if err != nil {
		return fmt.Errorf("serve stdio: %w", err)
	}
	if err := ss.Wait(); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, mcp.ErrConnectionClosed) {
		return fmt.Errorf("serve stdio: %w", err)
	}
	return nil
}

// serveHTTP listens on cfg.HTTPAddr and serves srv until ctx is done. It
// refuses to serve beyond loopback without a token (Parse refuses such an
// address already; this catches a name that resolved elsewhere).
func serveHTTP(ctx context.Context, srv *mcp.Server, cfg Config, stderr io.Writer, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() && cfg.Token == "" {
		ln.Close()
		return fmt.Errorf("%q resolved to %s, beyond loopback, and needs a token: set %s", cfg.HTTPAddr, addr, server.TokenEnv)
	}
	fmt.Fprintf(stderr, "astrotask-mcp: serving MCP on http://%s/mcp\n", addr)
	return server.Serve(ctx, ln, srv, server.HTTPOptions{Token: cfg.Token, AllowedHosts: cfg.AllowedHosts, Logger: log})
}

// newLogger logs to stderr: errors only, or everything from debug up when
// verbose.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelError
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
