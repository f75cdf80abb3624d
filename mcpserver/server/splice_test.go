package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/mcpserver/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// rawClient speaks newline-delimited JSON-RPC to a server on the stdio
// transport over in-process pipes, without decoding the answers.
type rawClient struct {
	t   testing.TB
	in  *io.PipeWriter
	out *bufio.Reader
	id  int
}

// servePipes serves store on an mcp.IOTransport over in-process pipes,
// through a Splicer's Writer when splice is set, and returns the client's
// ends: what it writes to the server and what it reads from it.
func servePipes(t testing.TB, loc taskstore.Location, store taskstore.Store, splice bool) (*io.PipeWriter, *io.PipeReader) {
	t.Helper()
	opts := server.Options{Location: loc, LockOptions: lockOpts}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var w io.WriteCloser = outW
	if splice {
		opts.Splicer = server.NewSplicer()
		w = opts.Splicer.Writer(outW)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(store, opts).Run(ctx, &mcp.IOTransport{Reader: inR, Writer: w}) }()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		outR.Close()
		<-done
	})
	return inW, outR
}

// serveRaw is servePipes with a raw client, the session initialized.
func serveRaw(t testing.TB, loc taskstore.Location, store taskstore.Store, splice bool) *rawClient {
	t.Helper()
	in, out := servePipes(t, loc, store, splice)
	c := &rawClient{t: t, in: in, out: bufio.NewReaderSize(out, 1<<20)}
	c.request("initialize", `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}`)
	c.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return c
}

// serveSDK is servePipes with the Go SDK's client connected.
func serveSDK(t testing.TB, loc taskstore.Location, store taskstore.Store, splice bool) *mcp.ClientSession {
	t.Helper()
	in, out := servePipes(t, loc, store, splice)
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

// perRequest is the _meta of a call under the per-request protocol.
const perRequest = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",` +
	`"io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`

// TestSplicedAnswersAreTheSDKsBytes sends the same requests to a server with
// a Splicer and one without, on one database, and compares the answers byte
// for byte.
func TestSplicedAnswersAreTheSDKsBytes(t *testing.T) {
	e := newEnv(t)
	parent := e.add(task("parent <&> \"quoted\" café"), task("second", "priorityScore", 0))[0]
	e.add(task("child\twith\ttabs\u2028", "parentTaskId", parent.ID, "description", `{"looks":"like JSON"}`))
	seedEnv(e, 120)
	plain, spliced := serveRaw(t, e.loc, e.store, false), serveRaw(t, e.loc, e.store, true)
	for _, req := range [][2]string{
		{"tools/list", `{}`},
		{"tools/call", `{"name":"listTasks","arguments":{"statuses":[]}}`},
		{"tools/call", `{"name":"listTasks","arguments":{"parentId":"` + parent.ID + `"}}`},
		{"tools/call", `{"name":"getTask","arguments":{"taskId":"` + parent.ID + `"}}`},
		{"tools/call", `{"name":"getNextTask","arguments":{}}`},
		{"tools/call", `{"name":"lockStatus"}`},
		{"tools/call", `{"name":"getTask","arguments":{"taskId":"NOPE"}}`},
		{"tools/call", `{"name":"listTasks","arguments":{"statuses":["bogus"]}}`},
		{"tools/call", `{"name":"noSuchTool","arguments":{}}`},
		// The per-request protocol: the SDK adds the server's name to every
		// result after the tool returns.
		{"tools/call", `{"name":"listTasks","arguments":{"statuses":[]},` + perRequest + `}`},
		{"tools/call", `{"name":"getTask","arguments":{"taskId":"` + parent.ID + `"},` + perRequest + `}`},
		{"tools/call", `{"name":"getTask","arguments":{"taskId":"NOPE"},` + perRequest + `}`},
	} {
		want, got := plain.request(req[0], req[1]), spliced.request(req[0], req[1])
		if string(got) != string(want) {
			t.Errorf("%s %s:\nspliced %.300s\nplain   %.300s", req[0], req[1], got, want)
		} else {
			t.Logf("%s %.60s: %d identical bytes", req[0], req[1], len(got))
		}
		if strings.Contains(req[1], "_meta") && !strings.Contains(string(got), `"result":{"_meta":{"io.modelcontextprotocol/serverInfo"`) {
			t.Errorf("%s %s: answer %.300s does not name the server: not a per-request call", req[0], req[1], got)
		}
		if strings.Contains(string(got), "astrotask.splice") {
			t.Errorf("%s %s: answer carries a reference: %.300s", req[0], req[1], got)
		}
	}
}
