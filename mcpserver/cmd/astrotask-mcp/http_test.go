package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestHTTPBinary runs astrotask-mcp --http on 127.0.0.1:0 with a token,
// reads the address it announces on stderr, and checks health, DNS
// rebinding protection, the token, a real client, and a clean stop on
// SIGTERM (Ctrl-Break on Windows).
func TestHTTPBinary(t *testing.T) {
	cmd := exec.Command(binary, "--db", dbPath(t), "--http=127.0.0.1:0")
	cmd.Env = cleanEnv("ASTROTASK_MCP_TOKEN=tok-123")
	prepareInterrupt(cmd)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	announce := regexp.MustCompile(`serving MCP on (http://127\.0\.0\.1:\d+)/mcp`)
	sc := bufio.NewScanner(stderr)
	var base string
	for base == "" && sc.Scan() {
		if m := announce.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("server never announced its address (%v)", sc.Err())
	}
	rest := &syncBuffer{}
	go func() {
		for sc.Scan() {
			rest.Write([]byte(sc.Text() + "\n"))
		}
	}()
	defer func() {
		if t.Failed() {
			t.Logf("server stderr:\n%s", rest.String())
		}
	}()

	resp, err := http.Get(base + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /health = %v, %v; want 200", resp, err)
	}
	var health map[string]string
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health["status"] != "ok" {
		t.Errorf("health = %v", health)
	}

	send := func(host, origin, auth string) int {
		req, _ := http.NewRequest("POST", base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST /mcp: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send("rebind.attacker.example:80", "", "Bearer tok-123"); got != http.StatusForbidden {
		t.Errorf("foreign Host = %d, want 403", got)
	}
	if got := send("", "https://attacker.example", "Bearer tok-123"); got != http.StatusForbidden {
		t.Errorf("foreign Origin = %d, want 403", got)
	}
	if got := send("", "", ""); got != http.StatusUnauthorized {
		t.Errorf("no token = %d, want 401", got)
	}
	if got := send("", "", "Bearer nope"); got != http.StatusUnauthorized {
		t.Errorf("wrong token = %d, want 401", got)
	}
	if got := send("", "", "bearer tok-123"); got != http.StatusOK {
		t.Errorf("lower-case bearer scheme = %d, want 200 (the scheme is case-insensitive)", got)
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "e2e-http", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint: base + "/mcp", HTTPClient: &http.Client{Transport: bearer("tok-123")}, DisableStandaloneSSE: true,
	}, nil)
	if err != nil {
		t.Fatalf("connect over HTTP: %v", err)
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "addTasks", Arguments: map[string]any{"tasks": []any{map[string]any{"title": "via http"}}}})
	if err != nil || res.IsError {
		t.Fatalf("addTasks over HTTP = %v, %v", res, err)
	}
	res, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "listTasks", Arguments: map[string]any{}})
	if err != nil || res.IsError || !strings.Contains(text(res), "via http") {
		t.Fatalf("listTasks over HTTP = %v, %v", text(res), err)
	}
	var out server.ListTasksOutput
	json.Unmarshal([]byte(text(res)), &out)
	if len(out.Tasks) != 1 {
		t.Errorf("listTasks over HTTP count = %d, want 1", len(out.Tasks))
	}
	cs.Close()

	interrupt(t, cmd.Process)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		exited = true
		if err != nil {
			t.Errorf("exit after %s: %v, want 0", interruptName, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("server still running 30s after %s", interruptName)
	}
}

// bearer adds a bearer token to every request.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
