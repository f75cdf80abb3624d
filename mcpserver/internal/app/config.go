// Package app is the astrotask-mcp command: flag and environment parsing,
// opening the database, and running the server over stdio or HTTP. The
// binary's main only calls Main.
package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
)

// LockTimeoutEnv names the environment variable that sets the lock wait
// budget when --lock-timeout is not given.
const LockTimeoutEnv = "ASTROTASK_LOCK_TIMEOUT"

// Config is what the command line and environment ask for.
type Config struct {
	// DB is the database path or URL; "" means taskstore.Locate's defaults
	// (DATABASE_URI, then the git root, then ./data/astrotask.db).
	DB string
	// HTTPAddr, when not empty, serves Streamable HTTP on this address
	// instead of stdio.
	HTTPAddr string
	// AllowedHosts are extra host names accepted in Host and Origin headers.
	AllowedHosts []string
	// Token is the bearer token HTTP clients must present ("" means none).
	Token string
	// Verbose turns on debug logging to stderr.
	Verbose bool
	// Version asks for the version line instead of serving.
	Version bool
	// LockTimeout is how long one operation waits for the database lock;
	// nil means lockcore's default budget, 0 means one attempt without
	// waiting (as in the CLI).
	LockTimeout *time.Duration
	// Agent names the agent whose claims this server records; "" means
	// the MCP client's name plus a suffix unique to the session.
	Agent string
}

// AgentEnv names the environment variable that sets the agent name when
// --agent is not given.
const AgentEnv = "ASTROTASK_AGENT"

// usageError is a bad command line; Main exits 2 for it.
type usageError struct{ msg string }

// Error returns the message.
func (e *usageError) Error() string { return e.msg }

// httpFlag is --http: a boolean flag that also takes a value, so that
// `--http` serves on server.DefaultAddr and `--http=ADDR` on ADDR.
type httpFlag struct{ addr *string }

// String returns the address, "" when HTTP is off.
func (f httpFlag) String() string {
	if f.addr == nil {
		return ""
	}
	return *f.addr
}

// IsBoolFlag lets --http stand alone.
func (f httpFlag) IsBoolFlag() bool { return true }

// Set takes "true" (the default address), "false" (stdio) or an address.
func (f httpFlag) Set(s string) error {
	switch s {
	case "true":
		*f.addr = server.DefaultAddr
	case "false":
		*f.addr = ""
	default:
		if !strings.Contains(s, ":") {
			return fmt.Errorf("%q is not host:port", s)
		}
		*f.addr = s
	}
	return nil
}

// Parse reads the command line (without the program name) and the
// environment through getenv. Flags win over the environment.
func Parse(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var cfg Config
	var lockTimeout, allowed string
	fs := flag.NewFlagSet("astrotask-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database `path or URL` (default: $DATABASE_URI, else data/astrotask.db at the git root or here)")
	fs.Var(httpFlag{&cfg.HTTPAddr}, "http", "serve Streamable HTTP instead of stdio; --http uses "+server.DefaultAddr+", --http=`ADDR` another address")
	fs.StringVar(&allowed, "allowed-hosts", "", "comma-separated extra `hosts` accepted in Host/Origin headers (HTTP only)")
	fs.BoolVar(&cfg.Verbose, "verbose", false, "log debug messages to stderr")
	fs.BoolVar(&cfg.Version, "version", false, "print the version and exit")
	fs.StringVar(&cfg.Agent, "agent", "", "the `name` claims are recorded under (default $"+AgentEnv+", else the MCP client's name and a per-session suffix)")
	fs.StringVar(&lockTimeout, "lock-timeout", "", "how long one operation waits for the database lock, a Go `duration` (default $"+LockTimeoutEnv+", else 5s)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: astrotask-mcp [flags]\n\n"+
			"Serves the Astrotask task database to MCP clients over stdio (default) or Streamable HTTP.\n"+
			"The HTTP transport requires the bearer token in $%s when it is set, and refuses to\n"+
			"listen beyond loopback without one.\n\nFlags:\n", server.TokenEnv)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return cfg, &usageError{fmt.Sprintf("unexpected argument %q (flags take values with '=', e.g. --http=127.0.0.1:3001)", fs.Arg(0))}
	}
	if lockTimeout == "" {
		lockTimeout = getenv(LockTimeoutEnv)
	}
	if lockTimeout != "" {
		d, err := parseTimeout(lockTimeout)
		if err != nil {
			return cfg, &usageError{err.Error()}
		}
		cfg.LockTimeout = &d
	}
	for _, h := range strings.Split(allowed, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.AllowedHosts = append(cfg.AllowedHosts, h)
		}
	}
	if cfg.Agent == "" {
		cfg.Agent = strings.TrimSpace(getenv(AgentEnv))
	}
	cfg.Token = getenv(server.TokenEnv)
	if cfg.HTTPAddr != "" && cfg.Token == "" && !loopbackAddr(cfg.HTTPAddr) {
		return cfg, &usageError{fmt.Sprintf("listening on %q (beyond loopback) needs a token: set %s, or use --http=127.0.0.1:PORT", cfg.HTTPAddr, server.TokenEnv)}
	}
	return cfg, nil
}

// loopbackAddr reports whether a listen address is on loopback only: its
// host is "localhost" or a loopback IP. An empty host (every interface) and
// any other name are not: a name may resolve anywhere, and the Host header
// checks cannot stop a remote client, which chooses its Host header.
func loopbackAddr(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("invalid lock timeout %q: want a Go duration such as 500ms or 10s", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid lock timeout %q: must not be negative", s)
	}
	return d, nil
}

// LockOptions returns the lock options for the server's operations: the
// mcp-server process type and a wait budget of *timeout (nil means the
// default budget; zero means do not wait), as in the CLI.
func LockOptions(timeout *time.Duration) lockcore.Options {
	o := lockcore.Options{ProcessType: server.ProcessType}
	if timeout != nil {
		o.Timeout = lockcore.NoWait
		if *timeout > 0 {
			o.Timeout = *timeout
		}
	}
	return o
}
