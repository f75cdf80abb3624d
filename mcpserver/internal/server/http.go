package server

import (
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

// SessionTimeout is how long an HTTP session may stay idle before the
// server forgets it; the client then starts a new one.
const SessionTimeout = 30 * time.Minute

// TokenEnv names the environment variable that holds the bearer token.
const TokenEnv = "ASTROTASK_MCP_TOKEN"

// HTTPOptions configures Handler. The zero value serves local clients
// without a token.
type HTTPOptions struct {
	// Token, when not empty, must be presented as "Authorization: Bearer
	// <Token>" on every /mcp request. /health needs no token.
	Token string
	// AllowedHosts lists host names (without port) accepted in the Host and
	// Origin headers besides localhost, 127.0.0.1 and ::1. Needed only when
	// the server is reached under another name.
	AllowedHosts []string
	// Logger receives rejected requests at debug level; nil means silent.
	Logger *slog.Logger
}

// Handler serves s over the Streamable HTTP transport at /mcp and a health
// check at GET /health. Every request whose Host or Origin header names a
// host that is not local (or listed in AllowedHosts) is refused with 403, so
// a web page cannot reach the server through DNS rebinding; /mcp requests
// without the right bearer token are refused with 401.
func Handler(s *mcp.Server, opts HTTPOptions) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	allowed := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	for _, h := range opts.AllowedHosts {
		allowed[strings.ToLower(strings.Trim(h, "[]"))] = true
	}
	mux := http.NewServeMux()
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{
		Logger:         opts.Logger,
		SessionTimeout: SessionTimeout,
	})
	mux.Handle("/mcp", requireToken(opts.Token, mcpHandler))
	mux.HandleFunc("GET /health", health)
	return &guard{next: mux, allowed: allowed, log: log}
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
		http.Error(w, "forbidden: host not allowed", http.StatusForbidden)
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !g.allowed[strings.ToLower(u.Hostname())] {
			g.log.Debug("refused request", "reason", "origin", "origin", origin)
			http.Error(w, "forbidden: origin not allowed", http.StatusForbidden)
			return
		}
	}
	g.next.ServeHTTP(w, r)
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
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="astrotask-mcp"`)
			http.Error(w, "unauthorized: missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// health answers GET /health.
func health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"status": "ok", "name": Name, "version": Version})
}
