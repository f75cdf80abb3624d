package lockcore

import (
	"encoding/json"
	"testing"
)

// FuzzParseRecord checks that no input crashes the parser, that accepted
// records are sane, and that re-encoding one gives the same record back.
// The seeds (and testdata/fuzz) run in every normal test run.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		`{"pid":42,"timestamp":1700000000000,"host":"h","process":"cli"}`,
		`{"pid":42,"timestamp":1,"host":"h","process":"p","mode":"shared","start":9,"boot":"b"}          ` + "\n",
		"", "{", "null", `{"pid":-1}`, `{"pid":1099511627776}`, `{"pid":"x"}`, "\x00\x00", `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		li, err := ParseRecord(b)
		if err != nil {
			return
		}
		if li.PID < 1 || li.PID > 1<<22 {
			t.Fatalf("accepted pid %d", li.PID)
		}
		enc := li.encode(max(RecordSize, len(b)))
		if !json.Valid(enc) {
			t.Fatalf("encode gave invalid JSON %q", enc)
		}
		again, err := ParseRecord(enc)
		if err != nil || again.PID != li.PID || again.Timestamp != li.Timestamp {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, li)
		}
	})
}
