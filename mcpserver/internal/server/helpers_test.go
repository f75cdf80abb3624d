package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/lockcore/locktest"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// env is one server on a fresh database, connected to a client over the
// SDK's in-memory transport.
type env struct {
	t     testing.TB
	loc   taskstore.Location
	store taskstore.Store
	cs    *mcp.ClientSession
	// out holds each tool's advertised output schema, as the client sees it.
	out map[string]*jsonschema.Resolved
}

// lockOpts is a generous lock budget: on a loaded machine under -race a
// call may wait for its turn, but no test call may time out unless the test
// holds the lock on purpose (with shortLock).
var (
	lockOpts  = lockcore.Options{ProcessType: server.ProcessType, MaxRetries: 1, RetryDelay: time.Minute}
	shortLock = lockcore.Options{ProcessType: server.ProcessType, MaxRetries: 1, RetryDelay: 300 * time.Millisecond}
)

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvLock(t, lockOpts)
}

// newEnvLock is newEnv with the given lock options.
func newEnvLock(t testing.TB, opts lockcore.Options) *env {
	t.Helper()
	loc, err := taskstore.Locate(filepath.Join(locktest.TempDir(t), "astrotask.db"))
	if err != nil {
		t.Fatalf("Locate: %v", err)
	}
	store, err := taskstore.Open(t.Context(), taskstore.Options{DataDir: loc.Path, LockOptions: opts})
	if err != nil {
		t.Fatalf("taskstore.Open(%s): %v", loc, err)
	}
	t.Cleanup(func() { store.Close() })
	return newEnvWith(t, loc, store)
}

// newEnvWith serves store over an in-memory transport, with the store's
// own lock options, as astrotask-mcp does.
func newEnvWith(t testing.TB, loc taskstore.Location, store taskstore.Store) *env {
	t.Helper()
	opts := lockOpts
	if ls, ok := store.(*taskstore.LockingStore); ok {
		opts = ls.LockOptions()
	}
	srv := server.New(store, server.Options{Location: loc, LockOptions: opts})
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatalf("server Connect: %v", err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil)
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatalf("client Connect: %v", err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return &env{t: t, loc: loc, store: store, cs: cs, out: outputSchemas(t, cs)}
}

// outputSchemas resolves the output schemas the server advertises, so that
// every successful result in the tests is checked against its schema.
func outputSchemas(t testing.TB, cs *mcp.ClientSession) map[string]*jsonschema.Resolved {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	out := map[string]*jsonschema.Resolved{}
	for _, tool := range res.Tools {
		b, _ := json.Marshal(tool.OutputSchema)
		var s jsonschema.Schema
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s output schema: %v", tool.Name, err)
		}
		r, err := s.Resolve(nil)
		if err != nil {
			t.Fatalf("%s output schema does not resolve: %v", tool.Name, err)
		}
		out[tool.Name] = r
	}
	return out
}

// try calls a tool from any goroutine and returns a protocol error rather
// than failing the test.
func (e *env) try(name string, args any) (*mcp.CallToolResult, error) {
	res, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, fmt.Errorf("%s: protocol error: %v", name, err)
	}
	return res, nil
}

// callRaw calls a tool and fails the test on a protocol error. Only the
// test goroutine may use it; other goroutines use try.
func (e *env) callRaw(name string, args any) *mcp.CallToolResult {
	e.t.Helper()
	res, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		e.t.Fatalf("%s(%v): protocol error: %v", name, args, err)
	}
	return res
}

// call invokes a tool that must succeed and decodes its structured content
// into out. It checks that the text content is the same JSON.
func call[Out any](e *env, name string, args any) Out {
	e.t.Helper()
	res := e.callRaw(name, args)
	if res.IsError {
		e.t.Fatalf("%s(%v) = error %q, want success", name, args, text(res))
	}
	if err := e.out[name].Validate(res.StructuredContent); err != nil {
		e.t.Fatalf("%s: structured content does not match the output schema: %v", name, err)
	}
	return decode[Out](e.t, name, res)
}

func decode[Out any](t testing.TB, name string, res *mcp.CallToolResult) Out {
	t.Helper()
	structured, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("%s: marshal structured content: %v", name, err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: got %d content blocks, want 1", name, len(res.Content))
	}
	var fromText, fromStructured any
	if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil {
		t.Fatalf("%s: text content is not JSON: %v\n%s", name, err, text(res))
	}
	json.Unmarshal(structured, &fromStructured)
	if !jsonEqual(fromText, fromStructured) {
		t.Fatalf("%s: text content %s differs from structured content %s", name, text(res), structured)
	}
	var out Out
	if err := json.Unmarshal(structured, &out); err != nil {
		t.Fatalf("%s: decode structured content: %v\n%s", name, err, structured)
	}
	return out
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// callErr invokes a tool that must fail with a tool error and returns its
// one-line reason.
func (e *env) callErr(name string, args any) string {
	e.t.Helper()
	res := e.callRaw(name, args)
	if !res.IsError {
		e.t.Fatalf("%s(%v) succeeded with %s, want a tool error", name, args, text(res))
	}
	msg := text(res)
	if msg == "" || strings.Contains(msg, "\n") {
		e.t.Fatalf("%s(%v) error text %q, want one non-empty line", name, args, msg)
	}
	return msg
}

// wantErr checks that a failing call's reason contains every part.
func (e *env) wantErr(name string, args any, parts ...string) string {
	e.t.Helper()
	msg := e.callErr(name, args)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			e.t.Errorf("%s(%v) error = %q, want it to contain %q", name, args, msg, p)
		}
	}
	return msg
}

func text(res *mcp.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		return tc.Text
	}
	return ""
}

// add creates tasks with addTasks and returns them.
func (e *env) add(tasks ...map[string]any) []server.TaskSummary {
	e.t.Helper()
	out := call[server.AddTasksOutput](e, "addTasks", map[string]any{"tasks": tasks})
	if len(out.Tasks) != len(tasks) {
		e.t.Fatalf("addTasks created %d tasks, want %d", len(out.Tasks), len(tasks))
	}
	return out.Tasks
}

func task(title string, kv ...any) map[string]any {
	m := map[string]any{"title": title}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func ids(tasks []server.TaskSummary) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}

func taskIDs(tasks []taskstore.Task) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}
