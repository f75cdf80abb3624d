package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// newHTTP serves a fresh database over HTTP on 127.0.0.1:0.
func newHTTP(t *testing.T, opts server.HTTPOptions) (*env, *httptest.Server) {
	t.Helper()
	e := newEnv(t)
	srv := server.New(e.store, server.Options{Location: e.loc, LockOptions: lockOpts})
	hs := httptest.NewServer(server.Handler(srv, opts))
	t.Cleanup(hs.Close)
	return e, hs
}

func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHTTPHealth(t *testing.T) {
	_, hs := newHTTP(t, server.HTTPOptions{Token: "s3cret"})
	resp := do(t, mustRequest(t, "GET", hs.URL+"/health", ""))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /health = %d, want 200", resp.StatusCode)
	}
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body["status"] != "ok" || body["name"] != server.Name {
		t.Errorf("GET /health body = %v (%v), want status ok", body, err)
	}
	post := do(t, mustRequest(t, "POST", hs.URL+"/health", ""))
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /health = %d, want 405", post.StatusCode)
	}
}

// TestHTTPRebinding sends requests that a web page could make through DNS
// rebinding: a foreign Host or Origin is refused before anything runs.
func TestHTTPRebinding(t *testing.T) {
	_, hs := newHTTP(t, server.HTTPOptions{AllowedHosts: []string{"tasks.internal"}})
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	tests := []struct {
		name, path, host, origin string
		want                     int
	}{
		{"local health", "/health", "", "", 200},
		{"localhost name", "/health", "localhost:3000", "", 200},
		{"ipv6 loopback", "/health", "[::1]:3000", "", 200},
		{"allowed host", "/health", "tasks.internal:3000", "", 200},
		{"allowed host mcp", "/mcp", "tasks.internal:3000", "", 200},
		{"allowed origin mcp", "/mcp", "", "https://tasks.internal", 200},
		{"local origin", "/health", "", "http://localhost:5173", 200},
		{"foreign host health", "/health", "evil.example.com", "", 403},
		{"foreign host mcp", "/mcp", "evil.example.com:3000", "", 403},
		{"rebound name", "/mcp", "attacker.127.0.0.1.nip.io", "", 403},
		{"foreign origin", "/mcp", "", "http://evil.example.com", 403},
		{"null origin", "/mcp", "", "null", 403},
		{"file origin", "/mcp", "", "file://", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, body := "GET", ""
			if tt.path == "/mcp" {
				method, body = "POST", initialize
			}
			req := mustRequest(t, method, hs.URL+tt.path, body)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if resp := do(t, req); resp.StatusCode != tt.want {
				t.Errorf("%s %s Host=%q Origin=%q = %d, want %d", method, tt.path, tt.host, tt.origin, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestHTTPToken(t *testing.T) {
	e, hs := newHTTP(t, server.HTTPOptions{Token: "s3cret"})
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	for _, auth := range []string{"", "Bearer wrong", "s3cret", "Bearer s3cret2", "Basic czNjcmV0"} {
		req := mustRequest(t, "POST", hs.URL+"/mcp", initialize)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp := do(t, req)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST /mcp Authorization=%q = %d, want 401", auth, resp.StatusCode)
		}
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without a Bearer challenge: %q", resp.Header.Get("WWW-Authenticate"))
		}
	}
	// With the token, a real client works end to end.
	cs := connectHTTP(t, hs.URL+"/mcp", "s3cret")
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "addTasks", Arguments: map[string]any{"tasks": []any{task("over http")}}})
	if err != nil || res.IsError {
		t.Fatalf("addTasks over HTTP: %v %v", err, res)
	}
	got, err := e.store.ListTasks(t.Context(), taskstore.Filter{Statuses: []taskstore.Status{}})
	if err != nil || len(got) != 1 || got[0].Title != "over http" {
		t.Errorf("store after HTTP addTasks = %v, %v; want the task", taskIDs(got), err)
	}
}

// TestHTTPBearerScheme: the scheme is case-insensitive (RFC 7235) and may
// be followed by more than one space; anything else is refused.
func TestHTTPBearerScheme(t *testing.T) {
	_, hs := newHTTP(t, server.HTTPOptions{Token: "s3cret"})
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	for _, tt := range []struct {
		auth string
		want int
	}{
		{"Bearer s3cret", 200},
		{"bearer s3cret", 200},
		{"BEARER s3cret", 200},
		{"bEaReR s3cret", 200},
		{"Bearer   s3cret", 200},
		{"bearer S3CRET", 401},
		{"Bearers3cret", 401},
		{"bearer", 401},
		{"Bearer ", 401},
		{"Bearer s3cret s3cret", 401},
		{"Bear s3cret", 401},
		{"Basic s3cret", 401},
	} {
		req := mustRequest(t, "POST", hs.URL+"/mcp", initialize)
		req.Header.Set("Authorization", tt.auth)
		if got := do(t, req).StatusCode; got != tt.want {
			t.Errorf("POST /mcp Authorization=%q = %d, want %d", tt.auth, got, tt.want)
		}
	}
}

func TestHTTPNoToken(t *testing.T) {
	e, hs := newHTTP(t, server.HTTPOptions{})
	cs := connectHTTP(t, hs.URL+"/mcp", "")
	tools, err := cs.ListTools(t.Context(), nil)
	want, werr := e.cs.ListTools(t.Context(), nil)
	if err != nil || werr != nil || len(tools.Tools) != len(want.Tools) {
		t.Fatalf("ListTools over HTTP = %v, %v; want the %d tools of the in-memory session (%v)", tools, err, len(want.Tools), werr)
	}
}

// bearer adds the Authorization header to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func connectHTTP(t *testing.T, endpoint, token string) *mcp.ClientSession {
	t.Helper()
	hc := http.DefaultClient
	if token != "" {
		hc = &http.Client{Transport: bearer{token}}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "http-test", Version: "1"}, nil)
	cs, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatalf("connect %s: %v", endpoint, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func mustRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	return req
}
