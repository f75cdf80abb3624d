package lockcore

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

func TestTimestampIsAcquisitionTime(t *testing.T) {
	l := New(testDB(t), Options{})
	before := time.Now().UnixMilli()
	mustAcquire(t, l, ModeExclusive)
	after := time.Now().UnixMilli()
	defer l.Release()
	rec, err := ParseRecord(readLockFile(t, l.Path()))
	if err != nil || rec.Timestamp < before || rec.Timestamp > after || rec.Mode != ModeExclusive {
		t.Fatalf("record = %+v, %v; want timestamp in [%d, %d]", rec, err, before, after)
	}
}

// TestRecordAlwaysValidDuringHandovers reads the lock file continuously
// while processes hand the lock over: every read is one whole JSON record.
func TestRecordAlwaysValidDuringHandovers(t *testing.T) {
	db, dir := testDB(t), t.TempDir()
	counter := dir + "/counter"
	os.WriteFile(counter, []byte("0"), 0o644)
	var hs []*helper
	for i := range 3 {
		hs = append(hs, startHelper(t, "contend", "DB", db, "MODE", "exclusive", "N", "200",
			"COUNTER", counter, "OUT", dir+"/out"+strconv.Itoa(i), "PROC", "p"+strconv.Itoa(i)))
		hs[i].expect("ready")
	}
	first := New(db, Options{})
	mustAcquire(t, first, ModeExclusive) // the file exists from here on
	first.Release()
	path := first.Path()
	var stop atomic.Bool
	reads := make(chan int)
	go func() {
		n := 0
		for ; !stop.Load(); n++ {
			b, err := os.ReadFile(path)
			if err != nil || !json.Valid(b) || len(b) < RecordSize {
				t.Errorf("read %d: %q, %v: not a whole record", n, b, err)
				break
			}
		}
		reads <- n
	}()
	for _, h := range hs {
		h.send("go")
	}
	for _, h := range hs {
		h.wait()
	}
	stop.Store(true)
	t.Logf("%d reads during 600 handovers, all valid", <-reads)
}

// TestReleaseClearsRecord: a lock given back normally reads as free, with no
// record left behind; only a holder that dies leaves one.
func TestReleaseClearsRecord(t *testing.T) {
	db := testDB(t)
	l := New(db, Options{ProcessType: "cli"})
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec, err := ParseRecord(readLockFile(t, l.Path())); err != nil || rec.Process != "cli" {
		t.Fatalf("record while held = %+v, %v; want ours", rec, err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	st, err := Inspect(db, Options{})
	if err != nil || st.Locked || st.Leftover || st.Holder != nil || st.RecordError != "" {
		t.Fatalf("Inspect after Release = %+v, %v; want free with no record", st, err)
	}
	rec, err := ParseRecord(readLockFile(t, l.Path()))
	if err != nil || rec.State != StateFree || rec.Process != "cli" {
		t.Fatalf("record after Release = %+v, %v; want ours marked free", rec, err)
	}
}

// TestSharedReleaseKeepsOtherReadersRecord: a reader that leaves while
// another process still reads does not clear the record.
func TestSharedReleaseKeepsOtherReadersRecord(t *testing.T) {
	db := testDB(t)
	l := New(db, Options{ProcessType: "cli"})
	if err := l.AcquireShared(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := startHelper(t, "hold", "DB", db, "MODE", "shared", "PROC", "mcp-server")
	h.expect("locked")
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	st, err := Inspect(db, Options{})
	if err != nil || !st.Locked || st.Mode != ModeShared || st.Holder == nil || st.Holder.PID != h.pid() {
		t.Fatalf("Inspect after our shared Release = %+v, %v; want held shared by the helper %d", st, err, h.pid())
	}
	t.Logf("the helper's record survives our release: %+v", *st.Holder)
}
