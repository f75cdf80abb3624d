package server_test

// The benchmarks of one listTasks call on 1,000 tasks, split into its parts
// so that each part has a baseline measured in the same run.
//
// Where the time goes, from one run of `go test -run '^$' -bench .
// -benchtime=40x ./...` on 2 shared cores (the README has the stdio figures
// of the same run):
//
//   - BenchmarkStoreListTasks, the store's ListTasks: 2.0 ms. It is the
//     floor of the server's share and at the 2 ms target on its own. A CPU
//     profile puts most of it inside the SQLite driver (stepping rows,
//     copying ten columns of each into Go strings, preparing the statement
//     on every call); parsing the two timestamps of each row is about 0.1
//     ms, the shared lock less.
//   - BenchmarkEncodeTasks: the server's encoding of the 1,000 tasks
//     (185 KB) with json.Marshal: 0.78 ms.
//   - BenchmarkEncodeResult: the result (the structured content and the same
//     JSON as escaped text: a 396 KB frame) as the SDK encodes it on its way
//     to the transport: 6.5 ms, the largest part of the server's share. The
//     SDK encodes each result about three times (the result's own
//     MarshalJSON, the JSON-RPC response that holds it, the transport's
//     framing of the response), and encoding/json re-validates and compacts
//     the whole output of every MarshalJSON, so each pass scans the full
//     text again. Escaping the text once, which any encoding of this result
//     must do, is 0.38 ms (json.Marshal of the text alone).
//   - BenchmarkListTasksPipe: the whole call over the stdio transport on
//     in-process pipes. With a client that reads the answer as a line (the
//     server's share: the store, the encoding, the SDK's passes): 9.0 ms.
//     With the Go SDK client: 24.9 ms.
//   - BenchmarkClientDecode: what the Go SDK client spends decoding that
//     answer (the JSON-RPC frame, then the result with its structured
//     content into maps): 12.6 ms. With that client the round trip cannot
//     get near 2 ms whatever the server does; the cost grows with the
//     answer, which keeps every field and the duplicate text.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// seedEnv adds n top-level tasks.
func seedEnv(e *env, n int) {
	for done := 0; done < n; done += 50 {
		batch := make([]any, min(50, n-done))
		for i := range batch {
			batch[i] = task(fmt.Sprintf("task %d", done+i), "priorityScore", (done+i)%101)
		}
		call[any](e, "addTasks", map[string]any{"tasks": batch})
	}
}

var allStatuses = taskstore.Filter{Statuses: []taskstore.Status{}}

// BenchmarkListTasksInProcess is listTasks on 1,000 tasks over the SDK's
// in-memory transport, with the Go SDK client: both sides in one process.
func BenchmarkListTasksInProcess(b *testing.B) {
	e := newEnv(b)
	seedEnv(e, 1000)
	args := map[string]any{"statuses": []string{}}
	for b.Loop() {
		res, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "listTasks", Arguments: args})
		if err != nil || res.IsError {
			b.Fatalf("listTasks: %v %v", err, res)
		}
	}
}

// BenchmarkStoreListTasks is the store's ListTasks on 1,000 tasks: the
// baseline for the listTasks benchmarks.
func BenchmarkStoreListTasks(b *testing.B) {
	e := newEnv(b)
	seedEnv(e, 1000)
	for b.Loop() {
		tasks, err := e.store.ListTasks(context.Background(), allStatuses)
		if err != nil || len(tasks) != 1000 {
			b.Fatalf("ListTasks = %d tasks, %v", len(tasks), err)
		}
	}
}

// BenchmarkListTasksPipe is one listTasks round trip on 1,000 tasks over
// the stdio transport on in-process pipes: "raw" reads the answer as a line
// without decoding it (the server's share of the call), "go-sdk" is the Go
// SDK's client.
func BenchmarkListTasksPipe(b *testing.B) {
	e := newEnv(b)
	seedEnv(e, 1000)
	b.Run("raw", func(b *testing.B) {
		c := serveRaw(b, e.loc, e.store)
		for b.Loop() {
			answer := c.request("tools/call", `{"name":"listTasks","arguments":{"statuses":[]}}`)
			if len(answer) < 1000*300 {
				b.Fatalf("short answer: %.200s", answer)
			}
		}
	})
	b.Run("go-sdk", func(b *testing.B) {
		cs := serveSDK(b, e.loc, e.store)
		args := map[string]any{"statuses": []string{}}
		for b.Loop() {
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "listTasks", Arguments: args})
			if err != nil || res.IsError {
				b.Fatalf("listTasks: %v %v", err, res)
			}
		}
	})
}

// rawClient speaks newline-delimited JSON-RPC to a server on the stdio
// transport over in-process pipes, without decoding the answers.
type rawClient struct {
	t   testing.TB
	in  *io.PipeWriter
	out *bufio.Reader
	id  int
}

// servePipes serves store on an mcp.IOTransport over in-process pipes and
// returns the client's ends: what it writes to the server and what it reads
// from it.
func servePipes(t testing.TB, loc taskstore.Location, store taskstore.Store) (*io.PipeWriter, *io.PipeReader) {
	t.Helper()
	opts := server.Options{Location: loc, LockOptions: lockOpts}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(store, opts).Run(ctx, &mcp.IOTransport{Reader: inR, Writer: outW}) }()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		outR.Close()
		<-done
	})
	return inW, outR
}

// serveRaw is servePipes with a raw client, the session initialized.
func serveRaw(t testing.TB, loc taskstore.Location, store taskstore.Store) *rawClient {
	t.Helper()
	in, out := servePipes(t, loc, store)
	c := &rawClient{t: t, in: in, out: bufio.NewReaderSize(out, 1<<20)}
	c.request("initialize", `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}`)
	c.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return c
}

// serveSDK is servePipes with the Go SDK's client connected.
func serveSDK(t testing.TB, loc taskstore.Location, store taskstore.Store) *mcp.ClientSession {
	t.Helper()
	in, out := servePipes(t, loc, store)
	client := mcp.NewClient(&mcp.Implementation{Name: "sdk", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &mcp.IOTransport{Reader: out, Writer: in}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func (c *rawClient) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatalf("send %.80s: %v", line, err)
	}
}

// request sends a call and returns the answer line.
func (c *rawClient) request(method, params string) []byte {
	c.t.Helper()
	c.id++
	c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, c.id, method, params))
	answer, err := c.out.ReadBytes('\n')
	if err != nil {
		c.t.Fatalf("%s: read answer: %v", method, err)
	}
	return answer
}

// listing returns 1,000 whole tasks, the largest answer a tool could give
// before answers were paged, and their JSON as the server encodes it.
func listing(b *testing.B) (struct{ Tasks []taskstore.Task }, []byte) {
	e := newEnv(b)
	seedEnv(e, 1000)
	tasks, err := e.store.ListTasks(context.Background(), allStatuses)
	if err != nil {
		b.Fatal(err)
	}
	out := struct{ Tasks []taskstore.Task }{tasks}
	raw, err := json.Marshal(out)
	if err != nil {
		b.Fatal(err)
	}
	return out, raw
}

// sdkFrame encodes res as the SDK does on its way to the transport: the
// JSON-RPC layer marshals the result, then frames the response.
func sdkFrame(b *testing.B, res *mcp.CallToolResult) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		b.Fatal(err)
	}
	id, err := jsonrpc.MakeID(float64(2))
	if err != nil {
		b.Fatal(err)
	}
	frame, err := jsonrpc.EncodeMessage(&jsonrpc.Response{ID: id, Result: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))})
	if err != nil {
		b.Fatal(err)
	}
	return frame
}

// BenchmarkEncodeTasks encodes the listing of 1,000 tasks as the server
// does, with json.Marshal.
func BenchmarkEncodeTasks(b *testing.B) {
	out, raw := listing(b)
	b.Logf("%d tasks: %d bytes", len(out.Tasks), len(raw))
	for b.Loop() {
		json.Marshal(out)
	}
}

// BenchmarkEncodeResult encodes the listTasks result for 1,000 tasks as the
// SDK does on its way to the transport ("sdk"), against json.Marshal of the
// result's text alone, the escaping any encoding of it must do once.
func BenchmarkEncodeResult(b *testing.B) {
	_, raw := listing(b)
	res := &mcp.CallToolResult{StructuredContent: json.RawMessage(raw), Content: []mcp.Content{&mcp.TextContent{Text: string(raw)}}}
	b.Logf("frame: %d bytes", len(sdkFrame(b, res)))
	b.Run("sdk", func(b *testing.B) {
		for b.Loop() {
			sdkFrame(b, res)
		}
	})
	b.Run("json.Marshal-text", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(string(raw))
		}
	})
}

// BenchmarkClientDecode decodes the listTasks answer for 1,000 tasks as the
// Go SDK client does: the JSON-RPC frame, then the CallToolResult.
func BenchmarkClientDecode(b *testing.B) {
	_, raw := listing(b)
	frame := sdkFrame(b, &mcp.CallToolResult{StructuredContent: json.RawMessage(raw), Content: []mcp.Content{&mcp.TextContent{Text: string(raw)}}})
	for b.Loop() {
		msg, err := jsonrpc.DecodeMessage(frame)
		if err != nil {
			b.Fatal(err)
		}
		var res mcp.CallToolResult
		if err := json.Unmarshal(msg.(*jsonrpc.Response).Result, &res); err != nil {
			b.Fatal(err)
		}
	}
}
