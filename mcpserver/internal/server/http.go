package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// DefaultAddr is the address the HTTP transport listens on by default.
const DefaultAddr = "127.0.0.1:3000"

// TokenEnv names the environment variable that holds the bearer token.
const TokenEnv = "ASTROTASK_MCP_TOKEN"

// The limits of the HTTP transport that HTTPOptions' zero fields stand for.
const (
	// DefaultSessionTimeout is how long a session may stay idle (no request
	// from its client) before the server closes it; the client then starts
	// a new one.
	DefaultSessionTimeout = 5 * time.Minute
	// DefaultMaxSessions is how many sessions may be open at once.
	DefaultMaxSessions = 64
	// DefaultMaxBodyBytes is the largest request body accepted.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultReadHeaderTimeout is how long a client has to send a request's
	// headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout is how long a client has to send a whole request,
	// headers and body.
	DefaultReadTimeout = 30 * time.Second
	// DefaultIdleTimeout is how long a kept-alive connection may wait for
	// its next request.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxConnections is how many connections are served at once.
	DefaultMaxConnections = 256
)

// HTTPOptions configures Handler and Serve. The zero value serves local
// clients without a token, with the Default* limits.
type HTTPOptions struct {
	// Token, when not empty, must be presented as "Authorization: Bearer
	// <Token>" (the scheme in any case) on every /mcp request. /health
	// needs no token.
	Token string
	// AllowedHosts lists host names (without port) accepted in the Host and
	// Origin headers besides localhost, 127.0.0.1 and ::1. Needed only when
	// the server is reached under another name.
	AllowedHosts []string
	// Logger receives rejected requests at debug level; nil means silent.
	Logger *slog.Logger

	// SessionTimeout closes a session after this long without a request
	// from its client; 0 means DefaultSessionTimeout.
	SessionTimeout time.Duration
	// MaxSessions caps the sessions open at once; a request that would
	// start one more is refused with 503 until one ends (its client deletes
	// it or it times out). 0 means DefaultMaxSessions.
	MaxSessions int
	// MaxBodyBytes caps a request body; a longer one is refused with 413.
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// ReadHeaderTimeout, ReadTimeout, IdleTimeout and MaxConnections are
	// used by Serve only; 0 means the Default* value of the same name.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	MaxConnections    int
}

// withDefaults returns o with every zero limit replaced by its default.
func (o HTTPOptions) withDefaults() HTTPOptions {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.SessionTimeout, DefaultSessionTimeout)
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Handler serves s over the Streamable HTTP transport at /mcp and a health
// check at GET /health. Every request whose Host or Origin header names a
// host that is not local (or listed in AllowedHosts) is refused with 403, so
// a web page cannot reach the server through DNS rebinding; /mcp requests
// without the right bearer token are refused with 401. Both answers come
// before the request body is read. A request that would open a session
// beyond MaxSessions is refused with 503, a body over MaxBodyBytes with 413.
//
// Handler bounds sessions and bodies; the timeouts and the connection cap
// that bound slow or idle clients are Serve's.
func Handler(s *mcp.Server, opts HTTPOptions) http.Handler {
	opts = opts.withDefaults()
	allowed := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	for _, h := range opts.AllowedHosts {
		allowed[strings.ToLower(strings.Trim(h, "[]"))] = true
	}
	mux := http.NewServeMux()
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{
		Logger:              opts.Logger,
		SessionTimeout:      opts.SessionTimeout,
		MaxRequestBodyBytes: opts.MaxBodyBytes,
		// guard checks Host and Origin against the allow-list, which the
		// SDK's own check (loopback names only) does not know.
		DisableLocalhostProtection: true,
	})
	limited := &sessionLimit{next: mcpHandler, server: s, max: opts.MaxSessions, log: opts.Logger}
	mux.Handle("/mcp", requireToken(opts.Token, limited))
	mux.HandleFunc("GET /health", health)
	return &guard{next: mux, allowed: allowed, log: opts.Logger}
}

// guard refuses requests from non-local hosts and origins.
type guard struct {
	next    http.Handler
	allowed map[string]bool
	log     *slog.Logger
}

// ServeHTTP checks Host and Origin, then passes the request on.
func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.allowed[hostname(r.Host)] {
		g.log.Debug("refused request", "reason", "host", "host", r.Host)
		refuse(w, http.StatusForbidden, "forbidden: host not allowed")
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !g.allowed[strings.ToLower(u.Hostname())] {
			g.log.Debug("refused request", "reason", "origin", "origin", origin)
			refuse(w, http.StatusForbidden, "forbidden: origin not allowed")
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// refuse answers a request whose body has not been read and closes the
// connection afterwards, so that the body is never waited for beyond the
// server's read timeout and the connection is not reused.
func refuse(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Connection", "close")
	http.Error(w, msg, code)
}

// hostname returns the lower-case host of a Host header, without port or
// brackets.
func hostname(hostport string) string {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return strings.ToLower(strings.Trim(host, "[]"))
}

// requireToken refuses requests without the bearer token; an empty token
// lets every request through.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !bearerMatches(r.Header.Get("Authorization"), want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="astrotask-mcp"`)
			refuse(w, http.StatusUnauthorized, "unauthorized: missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearerMatches reports whether an Authorization header value carries the
// Bearer scheme (in any case, RFC 7235) and a token whose SHA-256 is want.
// Comparing digests takes the same time whatever the token's length.
func bearerMatches(header string, want [sha256.Size]byte) bool {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.Trim(token, " ")))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// health answers GET /health.
func health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"status": "ok", "name": Name, "version": Version})
}
