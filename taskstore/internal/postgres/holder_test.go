package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

func TestHolderName(t *testing.T) {
	long := strings.Repeat("h", 80)
	tests := []struct {
		in   lockcore.LockInfo
		want string
	}{
		{lockcore.LockInfo{Process: "mcp-server", PID: 12345, Host: "box", Timestamp: 1700000000123},
			"astrotask:mcp-server:12345@box:1700000000123"},
		{lockcore.LockInfo{Process: "a:b@c d", PID: 1, Host: "x:y", Timestamp: 0}, "astrotask:a_b_c_d:1@x_y:0"},
		{lockcore.LockInfo{Process: "cli", PID: 4194304, Host: long, Timestamp: 1700000000123},
			"astrotask:cli:4194304@" + long[:63-len("astrotask:cli:4194304@:1700000000123")] + ":1700000000123"},
	}
	for _, tt := range tests {
		got := holderName(tt.in)
		if got != tt.want {
			t.Errorf("holderName(%+v) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > maxAppName {
			t.Errorf("holderName(%+v) is %d bytes, more than %d", tt.in, len(got), maxAppName)
		}
		li, ok := parseHolderName(got)
		if !ok || li.PID != tt.in.PID || li.Timestamp != tt.in.Timestamp || "astrotask:"+li.Process+":" != got[:len("astrotask:")+len(li.Process)+1] {
			t.Errorf("parseHolderName(%q) = %+v, %v", got, li, ok)
		}
	}
	for _, bad := range []string{"", "astrotask", "astrotask:idle", "psql", "astrotask:cli:0@h:1", "astrotask:cli:12@h:-1",
		"astrotask::12@h:1", "astrotask:cli:012@h:1", "astrotask:cli:12:1", "astrotask:cli:12@h@i:1"} {
		if li, ok := parseHolderName(bad); ok {
			t.Errorf("parseHolderName(%q) = %+v, want not a holder", bad, li)
		}
	}
}

func FuzzParseHolderName(f *testing.F) {
	for _, s := range []string{"astrotask:mcp-server:12345@box:1700000000123", "astrotask:cli:1@:0", "astrotask:x:1@h:1:2", "psql"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		li, ok := parseHolderName(s)
		if !ok {
			return
		}
		if li.PID < 1 || li.Timestamp < 0 || li.Process == "" {
			t.Fatalf("parseHolderName(%q) = %+v", s, li)
		}
		again, ok := parseHolderName(holderName(*li))
		if !ok || again.PID != li.PID || again.Timestamp != li.Timestamp {
			t.Fatalf("round trip of %q: %+v, %v", s, again, ok)
		}
	})
}

func TestConfigConnectTimeout(t *testing.T) {
	cfg, err := config("postgres://agent@127.0.0.1:5999/tasks", "x")
	if err != nil || cfg.ConnectTimeout != DefaultConnectTimeout || cfg.RuntimeParams["application_name"] != "x" {
		t.Errorf("config without connect_timeout: timeout %v, name %q, %v; want %v, x", cfg.ConnectTimeout, cfg.RuntimeParams["application_name"], err, DefaultConnectTimeout)
	}
	cfg, err = config("postgres://agent@127.0.0.1:5999/tasks?connect_timeout=2", "x")
	if err != nil || cfg.ConnectTimeout != 2*time.Second {
		t.Errorf("config with connect_timeout=2: timeout %v, %v; want 2s", cfg.ConnectTimeout, err)
	}
}
