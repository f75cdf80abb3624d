package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// stdioPeer is a server on a StdioTransport over pipes, driven line by
// line. Its tool "block" signals started, then waits for release.
type stdioPeer struct {
	t        *testing.T
	in       *io.PipeWriter
	answers  chan map[string]any // every line the server writes, decoded
	done     chan error          // the session's end
	stop     context.CancelFunc  // the context given to Connect
	started  chan struct{}
	release  chan struct{}
	canceled chan struct{} // a block call's context ended before release
	logs     chan string   // the transport's debug messages
}

const initializeLine = `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

func newStdioPeer(t *testing.T, maxBytes int) *stdioPeer {
	t.Helper()
	p := &stdioPeer{t: t, answers: make(chan map[string]any, 100), done: make(chan error, 1),
		started: make(chan struct{}, 10), release: make(chan struct{}), canceled: make(chan struct{}, 10), logs: make(chan string, 100)}
	srv := mcp.NewServer(&mcp.Implementation{Name: "stdio-test", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "block"}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, struct{}, error) {
		p.started <- struct{}{}
		select {
		case <-p.release:
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "released"}}}, struct{}{}, nil
		case <-ctx.Done():
			p.canceled <- struct{}{}
			return nil, struct{}{}, ctx.Err()
		}
	})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p.in = inW
	ctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	t.Cleanup(cancel)
	ss, err := srv.Connect(ctx, &server.StdioTransport{Reader: inR, Writer: outW, MaxMessageBytes: maxBytes, Logger: slog.New(logTo(p.logs))}, nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	go func() { p.done <- ss.Wait() }()
	go func() {
		defer close(p.answers)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"unparsable": sc.Text()}
			}
			p.answers <- m
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		outR.Close()
	})
	return p
}

// logTo is a slog handler that sends each message to ch, dropping what
// ch has no room for.
type logTo chan string

func (h logTo) Enabled(context.Context, slog.Level) bool { return true }
func (h logTo) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h logTo) WithGroup(string) slog.Handler            { return h }
func (h logTo) Handle(_ context.Context, r slog.Record) error {
	select {
	case h <- r.Message:
	default:
	}
	return nil
}

// waitLog waits until the transport logs a message containing want; it
// fails the test if a block call is cancelled first.
func (p *stdioPeer) waitLog(want string) {
	p.t.Helper()
	for {
		select {
		case msg := <-p.logs:
			if strings.Contains(msg, want) {
				return
			}
		case <-p.canceled:
			p.t.Fatalf("the request in progress was cancelled (waiting for the log %q)", want)
		case <-time.After(time.Minute):
			p.t.Fatalf("no log %q within a minute", want)
		}
	}
}

// send writes lines to the server's input from another goroutine, so that
// a server that stops reading does not block the test.
func (p *stdioPeer) send(lines ...string) {
	go func() {
		for _, l := range lines {
			if _, err := io.WriteString(p.in, l+"\n"); err != nil {
				return
			}
		}
	}()
}

// next returns the server's next line, failing the test when none comes.
func (p *stdioPeer) next() map[string]any {
	p.t.Helper()
	select {
	case m, ok := <-p.answers:
		if !ok {
			p.t.Fatal("server output ended, want another answer")
		}
		return m
	case <-time.After(time.Minute):
		p.t.Fatal("no answer within a minute")
	}
	return nil
}

// waitDone waits for the session to end and returns its error.
func (p *stdioPeer) waitDone() error {
	p.t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(time.Minute):
		p.t.Fatal("session still running a minute later")
	}
	return nil
}

// errorCode returns an answer's error code and id, or 0 for a result.
func errorCode(m map[string]any) (float64, any) {
	e, _ := m["error"].(map[string]any)
	if e == nil {
		return 0, m["id"]
	}
	code, _ := e["code"].(float64)
	return code, m["id"]
}

// TestStdioTransportBadLines: each bad line is answered with a JSON-RPC
// error, and the server goes on serving the next line.
func TestStdioTransportBadLines(t *testing.T) {
	p := newStdioPeer(t, 1<<10)
	tests := []struct {
		line string
		code float64
		id   any
	}{
		{"not json", -32700, nil},
		{`{"jsonrpc":"1.0","id":1,"method":"ping"}`, -32600, float64(1)},
		{`[{"jsonrpc":"2.0","id":2,"method":"ping"}]`, -32600, nil},
		{`{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}`, -32600, nil},
		{`{"jsonrpc":"2.0","id":3,"method":"ping"` + strings.Repeat(" ", 2<<10) + `}`, -32700, nil},
		{`{"jsonrpc":"2.0","id":4,"method":"ping"}`, 0, float64(4)},
		{initializeLine, 0, "init"},
		{`{"jsonrpc":"2.0","id":5,"method":"no/such/method"}`, -32601, float64(5)},
		{`{"jsonrpc":"2.0","id":6,"method":"ping"}`, 0, float64(6)},
	}
	for _, tt := range tests {
		p.send(tt.line)
		code, id := errorCode(p.next())
		if code != tt.code || id != tt.id {
			t.Errorf("answer to %.60s = code %v id %v, want code %v id %v", tt.line, code, id, tt.code, tt.id)
		}
	}
	p.in.Close()
	if err := p.waitDone(); err != nil {
		t.Errorf("session end at EOF: %v, want nil", err)
	}
}

// callBlock is a tools/call of the block tool with id.
func callBlock(id int) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"block","arguments":{}}}`, id)
}

// initialize opens the session.
func (p *stdioPeer) initialize() {
	p.t.Helper()
	p.send(initializeLine, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if code, id := errorCode(p.next()); code != 0 || id != "init" {
		p.t.Fatalf("initialize answered code %v id %v", code, id)
	}
}

// TestStdioTransportAnswersAtEOF: a request still running when input ends
// is answered before the session ends. (With mcp.IOTransport the end of
// input cancels it and its answer is never written.)
func TestStdioTransportAnswersAtEOF(t *testing.T) {
	p := newStdioPeer(t, 0)
	p.initialize()
	p.send(callBlock(7))
	<-p.started
	p.in.Close()
	p.waitLog("reading ended")
	select {
	case err := <-p.done:
		t.Fatalf("session ended (%v) with a request in progress", err)
	case m := <-p.answers:
		t.Fatalf("answer %v before the request finished", m)
	default:
	}
	close(p.release)
	m := p.next()
	if code, id := errorCode(m); code != 0 || id != float64(7) || !strings.Contains(fmt.Sprint(m["result"]), "released") {
		t.Errorf("answer after EOF = %v, want the tool's result for id 7", m)
	}
	if err := p.waitDone(); err != nil {
		t.Errorf("session end: %v, want nil", err)
	}
}

// TestStdioTransportStop: once the Connect context is done, no new line is
// read, the request in progress is answered, and the session ends.
func TestStdioTransportStop(t *testing.T) {
	p := newStdioPeer(t, 0)
	p.initialize()
	p.send(callBlock(8))
	<-p.started
	p.stop()
	p.send(`{"jsonrpc":"2.0","id":9,"method":"ping"}`)
	close(p.release)
	if code, id := errorCode(p.next()); code != 0 || id != float64(8) {
		t.Errorf("answer after stop = code %v id %v, want the result for id 8", code, id)
	}
	if err := p.waitDone(); err != nil {
		t.Errorf("session end: %v, want nil", err)
	}
	for m := range p.answers {
		t.Errorf("answer after the session ended: %v (the ping sent after stop must not be read)", m)
	}
}

// TestStdioTransportDuplicateID: a request reusing the id of one in
// progress is refused; the first is answered.
func TestStdioTransportDuplicateID(t *testing.T) {
	p := newStdioPeer(t, 0)
	p.initialize()
	p.send(callBlock(10))
	<-p.started
	p.send(`{"jsonrpc":"2.0","id":10,"method":"ping"}`)
	if code, id := errorCode(p.next()); code != -32600 || id != nil {
		t.Errorf("duplicate id answered code %v id %v, want -32600 with id null", code, id)
	}
	close(p.release)
	if code, id := errorCode(p.next()); code != 0 || id != float64(10) {
		t.Errorf("first request answered code %v id %v, want its result", code, id)
	}
}
