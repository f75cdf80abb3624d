package server

import (
	"bytes"
	"io"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// EncodeForBenchmark encodes a tool output as the server does.
func EncodeForBenchmark(v any) []byte {
	b, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// EncodeResultForBenchmark encodes a tool result as a Splicer does.
func EncodeResultForBenchmark(s *Splicer, res *mcp.CallToolResult) []byte {
	b, ok := spliceResult(s, res)
	if !ok {
		panic("result not spliceable")
	}
	return b
}

// spliceResult is what a Splicer writes for res: ok is false when it leaves
// res to the SDK.
func spliceResult(s *Splicer, res *mcp.CallToolResult) ([]byte, bool) {
	body, ok := encodeContent(res)
	if !ok {
		return nil, false
	}
	ref, err := (&reference{CallToolResult: res, s: s, body: body}).MarshalJSON()
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	if _, err := s.Writer(nopWriteCloser{&out}).Write(ref); err != nil {
		panic(err)
	}
	return out.Bytes(), true
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
