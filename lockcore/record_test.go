package lockcore

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRecord(t *testing.T) {
	good := &LockInfo{PID: 42, Timestamp: 1700000000000, Host: "h", Process: "cli"}
	tests := []struct {
		name string
		in   string
		want *LockInfo
	}{
		{"plain", `{"pid":42,"timestamp":1700000000000,"host":"h","process":"cli"}`, good},
		{"padded", `{"pid":42,"timestamp":1700000000000,"host":"h","process":"cli"}` + strings.Repeat(" ", 400) + "\n", good},
		{"extra fields", `{"pid":42,"timestamp":1700000000000,"host":"h","process":"cli","x":[1]}`, good},
		{"empty", "", nil},
		{"spaces", "   \n", nil},
		{"truncated", `{"pid":42,"timest`, nil},
		{"not json", "locked by bob", nil},
		{"wrong type", `{"pid":"42","timestamp":1,"host":"h","process":"p"}`, nil},
		{"array", `[1,2]`, nil},
		{"null", `null`, nil},
		{"pid zero", `{"pid":0,"timestamp":1}`, nil},
		{"pid negative", `{"pid":-1,"timestamp":1}`, nil},
		{"pid huge", `{"pid":1099511627776,"timestamp":1}`, nil},
		{"two records", `{"pid":1}{"pid":2}`, nil},
		{"nul bytes", "{\"pid\":1}\x00\x00", nil},
	}
	for _, tt := range tests {
		got, err := ParseRecord([]byte(tt.in))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseRecord(%q) mismatch (-want +got):\n%s", tt.name, diff)
		}
		if (tt.want == nil) != errors.Is(err, ErrBadRecord) {
			t.Errorf("ParseRecord(%q) error = %v, want ErrBadRecord: %v", tt.name, err, tt.want == nil)
		}
	}
}

func TestEncodeIsFixedSizeJSON(t *testing.T) {
	long := strings.Repeat("ü", 1000)
	for _, li := range []LockInfo{
		{PID: 1, Timestamp: 2, Host: "h", Process: "p", Mode: ModeShared},
		{PID: 1 << 22, Timestamp: 1 << 62, Host: long, Process: long + "\x01\"", Boot: long, Start: 1 << 63},
	} {
		for _, size := range []int{RecordSize, 1000} {
			b := li.encode(size)
			if len(b) != size || b[size-1] != '\n' || !json.Valid(b) || strings.ContainsRune(string(b), 0) {
				t.Fatalf("encode(%d) = %q: want %d bytes of valid JSON ending in a newline", size, b, size)
			}
			got, err := ParseRecord(b)
			if err != nil || got.PID != li.PID || got.Timestamp != li.Timestamp {
				t.Fatalf("ParseRecord(encode(%+v)) = %+v, %v", li, got, err)
			}
		}
	}
}

func TestTemplateMatchesEncode(t *testing.T) {
	var tmpl recordTemplate
	for _, li := range []LockInfo{
		newRecord("cli", ModeExclusive),
		newRecord("mcp-server", ModeShared),
		{PID: 3, Timestamp: -5, Host: "h\"x", Process: strings.Repeat("p", 600)},
	} {
		for _, ts := range []int64{0, 1, 1795721701620, -1} {
			li.Timestamp = ts
			if got, want := tmpl.render(li), li.encode(RecordSize); string(got) != string(want) {
				t.Fatalf("render(%+v) =\n%q\nwant\n%q", li, got, want)
			}
		}
	}
}
