package lockcore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStatusJSONShape(t *testing.T) {
	st := Status{
		Path: "/d/.astrotask.lock", Locked: true, Mode: ModeExclusive,
		Holder:   &LockInfo{PID: 7, Timestamp: 1, Host: "h", Process: "cli"},
		Verified: true, Age: 1500 * time.Millisecond, Readers: 0,
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	want := map[string]any{
		"locked": true, "mode": "exclusive", "path": "/d/.astrotask.lock",
		"holder":   map[string]any{"pid": 7.0, "timestamp": 1.0, "host": "h", "process": "cli"},
		"verified": true, "ageMs": 1500.0, "possiblyHung": false, "readers": 0.0,
		"leftover": false, "recordError": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Status JSON mismatch (-want +got):\n%s", diff)
	}
	b, _ = json.Marshal(Status{Path: "p"})
	if want := `{"locked":false,"mode":"","path":"p","holder":null,"verified":false,"ageMs":0,"possiblyHung":false,"readers":0,"leftover":false,"recordError":""}`; string(b) != want {
		t.Fatalf("free Status JSON = %s, want %s", b, want)
	}
}

func TestLockedErrorTexts(t *testing.T) {
	holder := &LockInfo{PID: 12345, Process: "mcp-server"}
	for _, tt := range []struct {
		e    LockedError
		want string
	}{
		{LockedError{Holder: holder, Verified: true}, "Database is currently in use by mcp-server (PID: 12345). Please try again in a moment."},
		{LockedError{Holder: holder, Verified: false, PossiblyHung: true}, anotherProcess},
		{LockedError{Verified: true}, anotherProcess},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
