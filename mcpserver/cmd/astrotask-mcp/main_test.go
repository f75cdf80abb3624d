package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore/locktest"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// binary is the astrotask-mcp built once for all tests.
var binary string

// The binaries the tests run are built by the tests with go build, unless
// these variables name binaries built already: under Wine (scripts/test.sh)
// the Windows test binary has no go to run, so the script builds them for
// Windows first.
const (
	envMCPBinary   = "ASTROTASK_TEST_MCP_BINARY"
	envAstroBinary = "ASTROTASK_TEST_ASTRO_BINARY"
)

// prebuilt is the absolute path of the binary that the environment
// variable env names, or "".
func prebuilt(env string) string {
	p := os.Getenv(env)
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// exeName is the file name of the executable name: with .exe on Windows.
func exeName(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "astrotask-mcp-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = prebuilt(envMCPBinary)
	if binary == "" {
		binary = filepath.Join(dir, exeName("astrotask-mcp"))
		build := exec.Command("go", buildArgs(binary, ".")...)
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build astrotask-mcp: %v\n%s", err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	astroOnce sync.Once
	astroPath string
	astroErr  error
)

// astro builds the astro CLI from the sibling module once, or fails the
// test: the cross-process tests cannot run without it.
func astro(t testing.TB) string {
	t.Helper()
	astroOnce.Do(func() {
		if astroPath = prebuilt(envAstroBinary); astroPath != "" {
			return
		}
		astroPath = filepath.Join(filepath.Dir(binary), exeName("astro"))
		build := exec.Command("go", buildArgs(astroPath, "./cmd/astro")...)
		build.Dir = filepath.Join("..", "..", "..", "cli")
		if out, err := build.CombinedOutput(); err != nil {
			astroErr = fmt.Errorf("build astro in %s: %v\n%s", build.Dir, err, out)
		}
	})
	if astroErr != nil {
		t.Fatal(astroErr)
	}
	return astroPath
}

// buildArgs are the arguments of `go build` for one binary, with -race
// when the tests themselves run under -race.
func buildArgs(out, pkg string) []string {
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	return append(args, pkg)
}

// cleanEnv is the environment for child processes: the test's own, without
// anything that would point them at another database or change their
// budgets.
func cleanEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DATABASE_URI", "ASTROTASK_LOCK_TIMEOUT", "ASTROTASK_MCP_TOKEN":
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

// syncBuffer is a bytes.Buffer safe for a child's stderr and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// session is one astrotask-mcp process driven by the Go SDK client over
// stdio.
type session struct {
	*mcp.ClientSession
	t      testing.TB
	stderr *syncBuffer
}

// start runs astrotask-mcp with args and connects to it. The process is
// stopped at the end of the test.
func start(t testing.TB, env []string, args ...string) *session {
	t.Helper()
	s, err := startErr(env, args...)
	if err != nil {
		t.Fatalf("start astrotask-mcp %v: %v", args, err)
	}
	s.t = t
	t.Cleanup(func() { s.Close() })
	return s
}

func startErr(env []string, args ...string) (*session, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv(env...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		return nil, fmt.Errorf("%v (stderr: %s)", err, stderr.String())
	}
	return &session{ClientSession: cs, stderr: stderr}, nil
}

// try invokes a tool from any goroutine; a protocol error becomes an error
// that names the tool.
func (s *session) try(name string, args any) (*mcp.CallToolResult, error) {
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, fmt.Errorf("%s: protocol error: %v (server stderr: %s)", name, err, s.stderr.String())
	}
	return res, nil
}

// call invokes a tool and fails the test on a protocol error. Only the test
// goroutine may use it; other goroutines use try.
func (s *session) call(name string, args any) *mcp.CallToolResult {
	s.t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		s.t.Fatalf("%s: protocol error: %v (server stderr: %s)", name, err, s.stderr.String())
	}
	return res
}

// ok invokes a tool that must succeed and decodes its structured content.
func ok[Out any](s *session, name string, args any) Out {
	s.t.Helper()
	res := s.call(name, args)
	if res.IsError {
		s.t.Fatalf("%s(%v) = error %q, want success", name, args, text(res))
	}
	b, _ := json.Marshal(res.StructuredContent)
	if got := text(res); !jsonSame(got, string(b)) {
		s.t.Fatalf("%s: text %s differs from structured content %s", name, got, b)
	}
	var out Out
	if err := json.Unmarshal(b, &out); err != nil {
		s.t.Fatalf("%s: decode %s: %v", name, b, err)
	}
	return out
}

func jsonSame(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xa, yb)
}

func text(res *mcp.CallToolResult) string {
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(*mcp.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}

func dbPath(t testing.TB) string {
	return filepath.Join(locktest.TempDir(t), "astrotask.db")
}

// listAll pages through listTasks with args and returns every task listed.
func listAll(s *session, args map[string]any) []server.TaskSummary {
	s.t.Helper()
	var all []server.TaskSummary
	page := maps.Clone(args)
	page["limit"] = server.MaxPageLimit
	for {
		out := ok[server.ListTasksOutput](s, "listTasks", page)
		all = append(all, out.Tasks...)
		if out.NextCursor == "" {
			return all
		}
		page["cursor"] = out.NextCursor
	}
}
