package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A Splicer carries tool results past the MCP SDK's re-encoding.
//
// On its way out, the SDK encodes a tool result three times: the result's
// own MarshalJSON, the JSON-RPC response's copy of it, and the transport's
// framing of the response. encoding/json re-validates and compacts the whole
// output of every MarshalJSON, so each pass scans the full text again. For a
// listing of 1,000 tasks (about 400 KB: the structured content and the same
// JSON again as escaped text) those passes cost about 6 ms, more than the
// database read and everything else the server does for the call.
//
// With a Splicer (Options.Splicer), the server encodes each successful tool
// result once, to the exact bytes the SDK would have written, and gives the
// SDK a short reference in its place. The Writer that the stdio transport
// writes through replaces the reference with the encoded result. Clients
// receive the same bytes as without a Splicer.
//
// A Splicer works only when every message of the session is written through
// its Writer, each in a single Write, as mcp.IOTransport does. The Streamable
// HTTP transport does not, so Handler serves without one. Error results,
// which are small, take the SDK's way. A result whose response is never
// written (the connection closed first) stays held until the Splicer is
// dropped; on stdio the session is the process.
//
// The zero value is not usable; create one with NewSplicer.
type Splicer struct {
	// marker opens every reference: `{"astrotask.splice":"<nonce>:`. The
	// random nonce means no other JSON can be mistaken for a reference;
	// content from users is inside JSON strings, where a quote is escaped.
	marker []byte

	mu      sync.Mutex
	next    uint64
	pending map[uint64][]byte
}

// NewSplicer returns a Splicer with a fresh random nonce.
func NewSplicer() *Splicer {
	nonce := make([]byte, 8)
	rand.Read(nonce) // never fails
	return &Splicer{
		marker:  []byte(`{"astrotask.splice":"` + hex.EncodeToString(nonce) + `:`),
		pending: map[uint64][]byte{},
	}
}

// ErrSplice is the error of a Writer asked to write a reference that names
// no pending result.
var ErrSplice = errors.New("splice: unknown result reference")

// Writer returns w with every reference replaced by its result. A result is
// written once; it is forgotten when written.
func (s *Splicer) Writer(w io.WriteCloser) io.WriteCloser {
	return &spliceWriter{s: s, w: w}
}

// middleware swaps successful tools/call results for references.
func (s *Splicer) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		if _, ok := req.(*mcp.CallToolRequest); !ok {
			return res, nil
		}
		tr, ok := res.(*mcp.CallToolResult)
		if !ok {
			return res, nil
		}
		body, ok := encodeContent(tr)
		if !ok {
			return res, nil
		}
		return &reference{CallToolResult: tr, s: s, body: body}, nil
	}
}

// hold keeps b and returns the reference that stands for it.
func (s *Splicer) hold(b []byte) []byte {
	s.mu.Lock()
	s.next++
	id := s.next
	s.pending[id] = b
	s.mu.Unlock()
	ref := append(bytes.Clone(s.marker), strconv.FormatUint(id, 10)...)
	return append(ref, `"}`...)
}

// take removes and returns the result held under id.
func (s *Splicer) take(id uint64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.pending[id]
	delete(s.pending, id)
	return b, ok
}

// reference is the result the SDK encodes in place of a tool's result. It
// embeds the result so that what the SDK adds after the tool returns (under
// the per-request protocol: the server's name in _meta and the result type)
// lands on it and is encoded with it.
type reference struct {
	*mcp.CallToolResult
	s    *Splicer
	body []byte // the content and structured content, from encodeContent
}

// MarshalJSON encodes the result around the content encoded beforehand,
// holds it, and returns the reference that stands for it.
func (r *reference) MarshalJSON() ([]byte, error) {
	// The SDK's encoding of the result without its content gives the
	// fields it adds; they are small.
	rest := *r.CallToolResult
	rest.Content, rest.StructuredContent = nil, nil
	b, err := json.Marshal(&rest)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	meta, metaOK := fields["_meta"]
	kind, kindOK := fields["resultType"]
	if len(fields) != 1+btoi(metaOK)+btoi(kindOK) {
		// A field this encoder does not place: leave it all to the SDK.
		return json.Marshal(r.CallToolResult)
	}
	out := make([]byte, 0, len(r.body)+len(meta)+len(kind)+32)
	out = append(out, '{')
	if metaOK {
		out = append(out, `"_meta":`...)
		out = append(append(out, meta...), ',')
	}
	out = append(out, r.body...)
	if kindOK {
		out = append(append(out, `,"resultType":`...), kind...)
	}
	return r.s.hold(append(out, '}')), nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// encodeContent returns the content and structured content of res, the
// middle of its JSON as the SDK writes it, for the results add builds: one
// text block and structured content that marshal produced, so it is compact
// and HTML-escaped already. It reports false for any other result.
func encodeContent(res *mcp.CallToolResult) ([]byte, bool) {
	raw, ok := res.StructuredContent.(json.RawMessage)
	if !ok || res.IsError || res.Meta != nil || res.InputRequests != nil || res.RequestState != "" ||
		res.NeedsInput() || len(res.Content) != 1 {
		return nil, false
	}
	text, ok := res.Content[0].(*mcp.TextContent)
	if !ok || text.Meta != nil || text.Annotations != nil {
		return nil, false
	}
	b := make([]byte, 0, len(raw)+len(text.Text)+len(text.Text)/4+64)
	b = append(b, `"content":[{"type":"text","text":`...)
	b = appendString(b, text.Text)
	b = append(b, `}],"structuredContent":`...)
	return append(b, raw...), true
}

type spliceWriter struct {
	s *Splicer
	w io.WriteCloser
}

// Write writes p with each reference replaced by its result. It fails with
// ErrSplice, writing nothing, if a reference names no pending result.
func (w *spliceWriter) Write(p []byte) (int, error) {
	marker := w.s.marker
	if !bytes.Contains(p, marker) {
		return w.w.Write(p)
	}
	var parts [][]byte
	for rest := p; ; {
		i := bytes.Index(rest, marker)
		if i < 0 {
			parts = append(parts, rest)
			break
		}
		digits := rest[i+len(marker):]
		end := bytes.Index(digits, []byte(`"}`))
		id, err := strconv.ParseUint(string(digits[:max(end, 0)]), 10, 64)
		if end < 0 || err != nil {
			return 0, fmt.Errorf("%w: %.40q", ErrSplice, rest[i:])
		}
		b, ok := w.s.take(id)
		if !ok {
			return 0, fmt.Errorf("%w: %d", ErrSplice, id)
		}
		parts = append(parts, rest[:i], b)
		rest = digits[end+2:]
	}
	for _, part := range parts {
		if _, err := w.w.Write(part); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close closes the underlying writer.
func (w *spliceWriter) Close() error { return w.w.Close() }
