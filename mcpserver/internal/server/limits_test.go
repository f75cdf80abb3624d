package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// serve runs server.Serve for a fresh database on 127.0.0.1:0 until the
// end of the test, and returns its address and MCP server.
func serve(t *testing.T, opts server.HTTPOptions) (string, *mcp.Server) {
	t.Helper()
	return serveEnv(t, newEnv(t), opts)
}

// serveEnv is serve for e's database.
func serveEnv(t *testing.T, e *env, opts server.HTTPOptions) (string, *mcp.Server) {
	t.Helper()
	srv := server.New(e.store, server.Options{Location: e.loc, LockOptions: lockOpts})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, ln, srv, opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), srv
}

// dial opens a raw connection to addr, closed at the end of the test.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reads c until the server closes it, within a minute; it
// returns what was read, and fails the test if the server keeps it open.
func closedByServer(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	var b strings.Builder
	_, err := io.Copy(&b, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("server kept the connection open for a minute (read so far: %q)", b.String())
	}
	return b.String()
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`

// TestServeSlowClients: a client that sends its headers or its body too
// slowly loses the connection, with a token or without; a request refused
// with 401 is answered before its body arrives.
func TestServeSlowClients(t *testing.T) {
	addr, _ := serve(t, server.HTTPOptions{Token: "tok", ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond})
	head := "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\n"

	t.Run("headers never end", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprint(c, head)
		closedByServer(t, c)
	})
	t.Run("no token, body never ends", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprint(c, head+"\r\n{")
		c.SetReadDeadline(time.Now().Add(time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("answer before the body = %v, %v; want 401", resp, err)
		}
		closedByServer(t, c)
	})
	t.Run("token, body never ends", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprint(c, head+"Authorization: Bearer tok\r\n\r\n{")
		closedByServer(t, c)
	})
	t.Run("a prompt client is served", func(t *testing.T) {
		req, _ := http.NewRequest("POST", "http://"+addr+"/mcp", strings.NewReader(initializeBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("initialize = %v, %v; want 200", resp, err)
		}
		resp.Body.Close()
	})
}

// TestServeLongCall: the read timeout bounds reading a request, not
// answering it: a tool call that waits for the database lock longer than
// ReadTimeout is answered once the lock is free.
func TestServeLongCall(t *testing.T) {
	e := newEnv(t)
	addr, _ := serveEnv(t, e, server.HTTPOptions{ReadTimeout: 100 * time.Millisecond})
	cs := connectHTTP(t, "http://"+addr+"/mcp", "")
	holder := lockcore.New(e.loc.Path, lockcore.Options{ProcessType: "test-holder"})
	if err := holder.Acquire(t.Context()); err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "addTasks", Arguments: map[string]any{"tasks": []any{task("slow")}}})
		if err == nil && res.IsError {
			err = fmt.Errorf("tool error %s", text(res))
		}
		got <- err
	}()
	mustWait(t, got, "addTasks while the lock is held")
	if err := holder.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("addTasks that outlasted the read timeout: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("addTasks not answered a minute after the lock was released")
	}
}

// TestServeConnectionLimit: with MaxConnections open, the next client waits
// until one closes.
func TestServeConnectionLimit(t *testing.T) {
	addr, _ := serve(t, server.HTTPOptions{MaxConnections: 2, ReadHeaderTimeout: time.Hour})
	first := dial(t, addr)
	fmt.Fprint(first, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
	second := dial(t, addr)
	fmt.Fprint(second, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")

	got := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: &http.Transport{}}).Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	mustWait(t, got, "GET /health with two connections open")
	t.Logf("a third client waits while two connections are open; closing one")
	first.Close()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("GET /health after a connection closed: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("GET /health still waiting a minute after a connection closed")
	}
}

// mustWait fails the test if ch delivers within a short while: what it
// waits for must be held up.
func mustWait[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s finished (%v), want it to wait", what, v)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestHTTPSessionLimit: once MaxSessions sessions are open, a new session
// is refused with 503 while the open ones go on; deleting one makes room.
func TestHTTPSessionLimit(t *testing.T) {
	addr, _ := serve(t, server.HTTPOptions{MaxSessions: 2})
	endpoint := "http://" + addr + "/mcp"
	a := connectHTTP(t, endpoint, "")
	b := connectHTTP(t, endpoint, "")

	resp := do(t, mustRequest(t, "POST", endpoint, initializeBody))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third initialize = %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if _, err := b.ListTools(t.Context(), nil); err != nil {
		t.Errorf("ListTools in an open session at the limit: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("close a session: %v", err)
	}
	c := connectHTTP(t, endpoint, "")
	if _, err := c.ListTools(t.Context(), nil); err != nil {
		t.Errorf("ListTools in the session opened after one closed: %v", err)
	}
}

// TestHTTPSessionTimeout: an idle session is closed after SessionTimeout;
// its client's next request is refused.
func TestHTTPSessionTimeout(t *testing.T) {
	addr, srv := serve(t, server.HTTPOptions{SessionTimeout: time.Second})
	cs := connectHTTP(t, "http://"+addr+"/mcp", "")
	deadline := time.Now().Add(time.Minute)
	for sessions(srv) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still open a minute after a 1s session timeout", sessions(srv))
		}
		time.Sleep(20 * time.Millisecond) // polling the server's state, with a deadline
	}
	if _, err := cs.ListTools(t.Context(), nil); err == nil {
		t.Error("ListTools in an expired session succeeded, want an error")
	}
}

func sessions(srv *mcp.Server) int {
	n := 0
	for range srv.Sessions() {
		n++
	}
	return n
}

// TestHTTPBodyLimit: a body over MaxBodyBytes is refused with 413.
func TestHTTPBodyLimit(t *testing.T) {
	_, hs := newHTTP(t, server.HTTPOptions{MaxBodyBytes: 1 << 10})
	big := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"pad":"` + strings.Repeat("x", 2<<10) + `"}}`
	if got := do(t, mustRequest(t, "POST", hs.URL+"/mcp", big)).StatusCode; got != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /mcp with a 2 KiB body and a 1 KiB limit = %d, want 413", got)
	}
	if got := do(t, mustRequest(t, "POST", hs.URL+"/mcp", initializeBody)).StatusCode; got != http.StatusOK {
		t.Errorf("POST /mcp with a small body = %d, want 200", got)
	}
}
