package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// shutdownGrace is how long Serve waits, once its context is done, for
// requests in progress to finish before it closes their connections.
const shutdownGrace = 5 * time.Second

// Serve serves Handler(s, opts) on ln until ctx is done, then stops
// accepting, lets requests in progress finish (for up to 5 seconds) and
// returns nil. It returns the error that stops it otherwise.
//
// Besides Handler's checks it bounds what a client can hold: the headers
// must arrive within ReadHeaderTimeout and the whole request within
// ReadTimeout (a request refused with 401 or 403 too, whose body is never
// read), a kept-alive connection closes after IdleTimeout without a
// request, and at most MaxConnections connections are served at once;
// further ones wait in the listen queue until one closes. There is no write
// timeout: a response stream (server-sent events) may last as long as its
// session.
func Serve(ctx context.Context, ln net.Listener, s *mcp.Server, opts HTTPOptions) error {
	opts = opts.withDefaults()
	hs := &http.Server{
		Handler:           Handler(s, opts),
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(limitListener(ln, opts.MaxConnections)) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		hs.Close()
	}
	return nil
}

// limitListener returns a listener that holds at most n accepted
// connections open at once: Accept waits while n are open. Connections
// waiting meanwhile stay in the kernel's listen queue.
//
// golang.org/x/net/netutil.LimitListener does the same; this avoids the
// module for twenty lines.
func limitListener(ln net.Listener, n int) net.Listener {
	return &limitedListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limitedListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Accept waits for a free slot, then for a connection.
func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

// Close closes the listener and ends an Accept waiting for a slot.
func (l *limitedListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn gives its slot back when first closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot.
func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// sessionLimit refuses a request that would open a session once max are
// open. A session is opened by any POST without an Mcp-Session-Id header;
// it counts from then until it is closed (deleted by its client or timed
// out). The SDK closes a session that was not initialized at the end of
// the request that opened it: such a session counts only until the request
// starts its answer.
type sessionLimit struct {
	next   http.Handler
	server *mcp.Server
	max    int
	log    *slog.Logger

	mu      sync.Mutex
	opening int // admitted requests that have not answered yet
}

// errTooManySessions is the 503 answer's text.
var errTooManySessions = errors.New("too many sessions: close one (DELETE /mcp) or retry when an idle one has expired")

// ServeHTTP admits or refuses the request.
func (l *sessionLimit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Mcp-Session-Id") != "" {
		l.next.ServeHTTP(w, r)
		return
	}
	if !l.admit() {
		l.log.Debug("refused request", "reason", "sessions", "max", l.max)
		w.Header().Set("Retry-After", "10")
		refuse(w, http.StatusServiceUnavailable, errTooManySessions.Error())
		return
	}
	aw := &answering{ResponseWriter: w, done: sync.OnceFunc(l.done)}
	defer aw.done()
	l.next.ServeHTTP(aw, r)
}

// admit counts the request among those opening a session if open plus
// opening sessions stay within max.
func (l *sessionLimit) admit() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	open := 0
	for ss := range l.server.Sessions() {
		if ss.InitializeParams() != nil {
			open++
		}
	}
	if open+l.opening >= l.max {
		return false
	}
	l.opening++
	return true
}

// done ends an admitted request's opening: its session, if any, is open
// and counted by the server.
func (l *sessionLimit) done() {
	l.mu.Lock()
	l.opening--
	l.mu.Unlock()
}

// answering calls done when the answer starts. The SDK connects a
// request's session before it answers, so from then on the server counts
// the session, and the request must not count it again: a client that has
// its answer and opens another session at once is not refused.
type answering struct {
	http.ResponseWriter
	done func()
}

// WriteHeader calls done, then writes the header.
func (w *answering) WriteHeader(code int) {
	w.done()
	w.ResponseWriter.WriteHeader(code)
}

// Write calls done, then writes b.
func (w *answering) Write(b []byte) (int, error) {
	w.done()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *answering) Unwrap() http.ResponseWriter { return w.ResponseWriter }
