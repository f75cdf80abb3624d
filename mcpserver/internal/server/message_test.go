package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		line string
		code int    // 0: a message
		id   string // the id of the error answer
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"ping"}`, 0, ""},
		{`{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"x"}}`, 0, ""},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, 0, ""},
		{`{"jsonrpc":"2.0","id":9007199254740992,"method":"ping","params":null}`, 0, ""},
		{`{"jsonrpc":"2.0","id":-3,"method":"ping","params":[]}`, 0, ""},
		{` {"jsonrpc" : "2.0", "id" : 7, "result" : {}} `, 0, ""},
		{`{"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"no"}}`, 0, ""},
		{`{"jsonrpc":"2.0","id":1,"method":"ping","extra":true}`, 0, ""},
		{`not json`, jsonrpc.CodeParseError, "null"},
		{`{"jsonrpc":"2.0","id":1,"method":"ping"`, jsonrpc.CodeParseError, "null"},
		{`{"jsonrpc":"2.0","id":1,"method":"ping"} {}`, jsonrpc.CodeParseError, "null"},
		{`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, jsonrpc.CodeInvalidRequest, "null"},
		{`[]`, jsonrpc.CodeInvalidRequest, "null"},
		{`"ping"`, jsonrpc.CodeInvalidRequest, "null"},
		{`42`, jsonrpc.CodeInvalidRequest, "null"},
		{`null`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"1.0","id":1,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "1"},
		{`{"id":"x","method":"ping"}`, jsonrpc.CodeInvalidRequest, `"x"`},
		{`{"JSONRPC":"2.0","id":1,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "1"},
		{`{"jsonrpc":2.0,"id":1,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "1"},
		{`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":[1],"method":"ping"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":true,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":null,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":1.5,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":1e3,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":1,"method":7}`, jsonrpc.CodeInvalidRequest, "1"},
		{`{"jsonrpc":"2.0","id":1,"method":null}`, jsonrpc.CodeInvalidRequest, "1"},
		{`{"jsonrpc":"2.0","id":1,"method":""}`, jsonrpc.CodeInvalidRequest, "1"},
		{`{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}`, jsonrpc.CodeInvalidRequest, "1"},
		{`{"jsonrpc":"2.0","id":1}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","result":{}}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":1,"error":"boom"}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"x"}}`, jsonrpc.CodeInvalidRequest, "null"},
		{`{}`, jsonrpc.CodeInvalidRequest, "null"},
	}
	for _, tt := range tests {
		msg, rerr := parseMessage([]byte(tt.line))
		if tt.code == 0 {
			if rerr != nil || msg == nil {
				t.Errorf("parseMessage(%s) = %v, %+v; want a message", tt.line, msg, rerr)
			}
			continue
		}
		if rerr == nil {
			t.Errorf("parseMessage(%s) = %#v; want error %d", tt.line, msg, tt.code)
			continue
		}
		var got struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Error   struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		answer := rerr.encode()
		if err := json.Unmarshal(answer, &got); err != nil || got.JSONRPC != "2.0" || got.Error.Code != tt.code || string(got.ID) != tt.id || got.Error.Message == "" {
			t.Errorf("parseMessage(%s) answer %s; want code %d, id %s", tt.line, answer, tt.code, tt.id)
		}
	}
	if msg, rerr := parseMessage([]byte(" \t\r")); msg != nil || rerr != nil {
		t.Errorf("parseMessage(blank) = %v, %v; want nothing", msg, rerr)
	}
}

// TestParseMessageRoundTrip checks that what parseMessage passes on is the
// message sent: the SDK encodes it back to the same JSON.
func TestParseMessageRoundTrip(t *testing.T) {
	for _, line := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"abc","method":"tools/call","params":{"name":"x","arguments":{"a":[1,2]}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized","params":{}}`,
		`{"jsonrpc":"2.0","id":-9007199254740992,"result":{"ok":true}}`,
		`{"jsonrpc":"2.0","id":"r","error":{"code":-32601,"message":"no","data":{"x":1}}}`,
	} {
		msg, rerr := parseMessage([]byte(line))
		if rerr != nil {
			t.Fatalf("parseMessage(%s): %+v", line, rerr)
		}
		b, err := jsonrpc.EncodeMessage(msg)
		if err != nil || !sameJSON(string(b), line) {
			t.Errorf("parseMessage(%s) encodes back as %s (%v)", line, b, err)
		}
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xa, yb)
}

// FuzzParseMessage: every line gives exactly one of a message, an error
// answer, or nothing (blank); an answer is one line of valid JSON-RPC with
// a -32700 or -32600 code; a message encodes and decodes again.
func FuzzParseMessage(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"x","result":{}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m"}}`,
		`{"jsonrpc":"1.0","id":1,"method":"ping"}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":{},"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"\u2028","method":"\u0000"}`,
		"\xff",
		``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		msg, rerr := parseMessage([]byte(line))
		if msg != nil && rerr != nil {
			t.Fatalf("parseMessage(%q) gave both %v and %+v", line, msg, rerr)
		}
		if rerr != nil {
			answer := rerr.encode()
			var got map[string]any
			if bytes.ContainsAny(answer, "\r\n") || json.Unmarshal(answer, &got) != nil || got["jsonrpc"] != "2.0" {
				t.Fatalf("parseMessage(%q) answer %q is not one line of JSON-RPC", line, answer)
			}
			if rerr.Code != jsonrpc.CodeParseError && rerr.Code != jsonrpc.CodeInvalidRequest {
				t.Fatalf("parseMessage(%q) code %d", line, rerr.Code)
			}
		}
		if msg != nil {
			b, err := jsonrpc.EncodeMessage(msg)
			if err != nil {
				t.Fatalf("parseMessage(%q) message does not encode: %v", line, err)
			}
			if _, err := jsonrpc.DecodeMessage(b); err != nil {
				t.Fatalf("parseMessage(%q) message encodes as %s, which does not decode: %v", line, b, err)
			}
		}
	})
}

func TestLineReader(t *testing.T) {
	in := "a\r\nbb\n\n" + strings.Repeat("x", 11) + "\n" + strings.Repeat("y", 10) + "\r\nlast"
	r := &lineReader{r: bufio.NewReaderSize(strings.NewReader(in), 16), max: 10}
	var got []string
	for {
		line, err := r.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errLineTooLong) {
			got = append(got, "<too long>")
			continue
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		got = append(got, string(line))
	}
	want := []string{"a", "bb", "", "<too long>", strings.Repeat("y", 10), "last"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines = %q, want %q", got, want)
	}
}

// endless is a reader of n bytes of 'x', then "\n" and tail, produced as
// they are read.
type endless struct {
	n    int64
	tail string
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		if e.tail == "" {
			return 0, io.EOF
		}
		n := copy(p, "\n"+e.tail)
		e.tail = ""
		return n, nil
	}
	k := min(int64(len(p)), e.n)
	for i := range k {
		p[i] = 'x'
	}
	e.n -= k
	return int(k), nil
}

// TestLineReaderLongLineNotKept reads a 256 MiB line with a 1 KiB limit:
// it is refused, the next line is read, and far less than the line is
// allocated meanwhile.
func TestLineReaderLongLineNotKept(t *testing.T) {
	const size = 256 << 20
	r := &lineReader{r: bufio.NewReaderSize(&endless{n: size, tail: "next"}, 64<<10), max: 1 << 10}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := r.next()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errLineTooLong) {
		t.Fatalf("next on a %d-byte line = %v, want errLineTooLong", size, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("reading a %d MiB line allocated %d MiB; it should not be kept", size>>20, alloc>>20)
	}
	if line, err := r.next(); err != nil || string(line) != "next" {
		t.Errorf("line after the long one = %q, %v; want next", line, err)
	}
}
