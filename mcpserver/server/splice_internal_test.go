package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// nopCloser is a bytes.Buffer with a Close that records the call.
type nopCloser struct {
	bytes.Buffer
	closed bool
}

func (n *nopCloser) Close() error { n.closed = true; return nil }

// frame is a JSON-RPC response frame around result, as the SDK writes it.
func frame(id int, result []byte) []byte {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "result": json.RawMessage(result)})
	return append(b, '\n')
}

func TestSpliceWriterReplacesReferences(t *testing.T) {
	s := NewSplicer()
	var out nopCloser
	w := s.Writer(&out)

	one, two := []byte(`{"content":[],"structuredContent":{"n":1}}`), []byte(`{"n":"two"}`)
	ref1, ref2 := s.hold(one), s.hold(two)
	t.Logf("references: %s %s", ref1, ref2)

	single := frame(7, ref1)
	if n, err := w.Write(single); err != nil || n != len(single) {
		t.Fatalf("Write(%s) = %d, %v; want %d, nil", single, n, err, len(single))
	}
	if got, want := out.String(), string(frame(7, one)); got != want {
		t.Errorf("wrote %s, want %s", got, want)
	}

	// A batch answer holds several responses in one frame.
	out.Reset()
	ref3 := s.hold(one)
	batch := []byte("[" + string(bytes.TrimSpace(frame(1, ref2))) + "," + string(bytes.TrimSpace(frame(2, ref3))) + "]\n")
	if _, err := w.Write(batch); err != nil {
		t.Fatalf("Write(batch): %v", err)
	}
	wantBatch := "[" + string(bytes.TrimSpace(frame(1, two))) + "," + string(bytes.TrimSpace(frame(2, one))) + "]\n"
	if got := out.String(); got != wantBatch {
		t.Errorf("wrote %s, want %s", got, wantBatch)
	}

	// A frame without references passes through untouched, including text
	// that looks like a reference from inside a JSON string.
	out.Reset()
	quoted, _ := json.Marshal(string(ref1))
	plainFrame := frame(3, []byte(`{"text":`+string(quoted)+`}`))
	if _, err := w.Write(plainFrame); err != nil || out.String() != string(plainFrame) {
		t.Errorf("Write(%s) wrote %s, %v; want it unchanged", plainFrame, out.String(), err)
	}

	if len(s.pending) != 0 {
		t.Errorf("%d results still pending after every reference was written", len(s.pending))
	}
	if err := w.Close(); err != nil || !out.closed {
		t.Errorf("Close() = %v, underlying closed %v; want nil, true", err, out.closed)
	}
}

func TestSpliceWriterUnknownReference(t *testing.T) {
	s := NewSplicer()
	var out nopCloser
	w := s.Writer(&out)
	ref := s.hold([]byte(`{}`))
	if _, err := w.Write(frame(1, ref)); err != nil {
		t.Fatalf("first Write: %v", err)
	}
	out.Reset()
	// A result is written once: the same reference again names nothing.
	for _, p := range [][]byte{frame(1, ref), append(bytes.Clone(s.marker), "12x"...)} {
		if n, err := w.Write(p); !errors.Is(err, ErrSplice) || n != 0 {
			t.Errorf("Write(%s) = %d, %v; want 0, ErrSplice", p, n, err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("a failed Write wrote %q; want nothing", out.String())
	}
}

func TestSplicersDoNotShareReferences(t *testing.T) {
	a, b := NewSplicer(), NewSplicer()
	if bytes.Equal(a.marker, b.marker) {
		t.Fatalf("two Splicers share the marker %s", a.marker)
	}
	ref := a.hold([]byte(`{}`))
	var out nopCloser
	p := frame(1, ref)
	if _, err := b.Writer(&out).Write(p); err != nil || out.String() != string(p) {
		t.Errorf("another Splicer's Writer wrote %s, %v; want the frame unchanged", out.String(), err)
	}
}

func TestMiddlewareSplicesToolResults(t *testing.T) {
	s := NewSplicer()
	ok := sdkResult(t, TasksOutput{Tasks: []taskstore.Task{}, Message: "none"})
	failed := &mcp.CallToolResult{}
	failed.SetError(&ToolError{Reason: "no"})
	call := func(meta mcp.Meta) *mcp.CallToolRequest {
		return &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Meta: meta, Name: "listTasks"}}
	}
	for _, tc := range []struct {
		name   string
		method string
		req    mcp.Request
		res    mcp.Result
		splice bool
	}{
		{"tool result", "tools/call", call(nil), ok, true},
		{"tool error", "tools/call", call(nil), failed, false},
		{"per-request protocol", "tools/call", call(mcp.Meta{mcp.MetaKeyProtocolVersion: "2026-07-28"}), sdkResult(t, ClaimTaskOutput{}), true},
		{"other method", "tools/list", &mcp.ListToolsRequest{Params: &mcp.ListToolsParams{}}, &mcp.ListToolsResult{}, false},
	} {
		h := s.middleware(func(context.Context, string, mcp.Request) (mcp.Result, error) { return tc.res, nil })
		got, err := h(context.Background(), tc.method, tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		r, isRef := got.(*reference)
		if isRef != tc.splice {
			t.Errorf("%s: middleware returned %T, want a reference: %v", tc.name, got, tc.splice)
			continue
		}
		if !isRef {
			if got != tc.res {
				t.Errorf("%s: middleware replaced the result with %v", tc.name, got)
			}
			continue
		}
		if tc.name == "per-request protocol" {
			// The SDK names the server in _meta after the tool returns.
			r.SetMeta(mcp.Meta{"io.modelcontextprotocol/serverInfo": &mcp.Implementation{Name: Name, Version: "<&>"}})
		}
		ref, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: encode reference: %v", tc.name, err)
		}
		var out nopCloser
		if _, err := s.Writer(&out).Write(ref); err != nil {
			t.Fatalf("%s: write reference: %v", tc.name, err)
		}
		want, _ := json.Marshal(tc.res)
		if out.String() != string(want) {
			t.Errorf("%s: spliced %s, want %s", tc.name, out.String(), want)
		}
	}
}
