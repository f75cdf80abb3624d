package app

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/google/go-cmp/cmp"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want Config
	}{
		{"defaults", nil, env(), Config{}},
		{"db", []string{"--db", "x/tasks.db"}, env(), Config{DB: "x/tasks.db"}},
		{"http default addr", []string{"--http"}, env(), Config{HTTPAddr: server.DefaultAddr}},
		{"http addr", []string{"--http=127.0.0.1:8080"}, env(), Config{HTTPAddr: "127.0.0.1:8080"}},
		{"http localhost", []string{"--http=localhost:0"}, env(), Config{HTTPAddr: "localhost:0"}},
		{"http ipv6 loopback", []string{"--http=[::1]:8080"}, env(), Config{HTTPAddr: "[::1]:8080"}},
		{"http all interfaces with token", []string{"--http=0.0.0.0:8080"}, env(server.TokenEnv, "tok"), Config{HTTPAddr: "0.0.0.0:8080", Token: "tok"}},
		{"http off", []string{"--http=false"}, env(), Config{}},
		{"token from env", []string{"--http"}, env(server.TokenEnv, "tok"), Config{HTTPAddr: server.DefaultAddr, Token: "tok"}},
		{"lock timeout flag", []string{"--lock-timeout", "750ms"}, env(LockTimeoutEnv, "9s"), Config{LockTimeout: new(750 * time.Millisecond)}},
		{"lock timeout env", nil, env(LockTimeoutEnv, "2s"), Config{LockTimeout: new(2 * time.Second)}},
		{"verbose", []string{"-verbose"}, env(), Config{Verbose: true}},
		{"allowed hosts", []string{"--allowed-hosts", "a.local, b.local,"}, env(), Config{AllowedHosts: []string{"a.local", "b.local"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.args, tt.env, io.Discard)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.args, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  func(string) string
		want string
	}{
		{[]string{"--http", "127.0.0.1:4000"}, env(), `unexpected argument "127.0.0.1:4000"`},
		{[]string{"--http=nohostport"}, env(), "not host:port"},
		{[]string{"--lock-timeout", "5"}, env(), "invalid lock timeout"},
		{[]string{"--lock-timeout", "-1s"}, env(), "must not be negative"},
		{nil, env(LockTimeoutEnv, "soon"), "invalid lock timeout"},
		{[]string{"--no-such-flag"}, env(), "not defined"},
		// Beyond loopback a token is required: Host checks cannot stop a
		// remote client, which chooses its Host header.
		{[]string{"--http=0.0.0.0:8080"}, env(), "needs a token"},
		{[]string{"--http=:8080"}, env(), "needs a token"},
		{[]string{"--http=[::]:8080"}, env(), "needs a token"},
		{[]string{"--http=192.168.1.20:8080"}, env(), "needs a token"},
		{[]string{"--http=tasks.example.com:8080"}, env(), "needs a token"},
		{[]string{"--http=0.0.0.0:8080"}, env(server.TokenEnv, ""), "needs a token"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.args, tt.env, io.Discard)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q) error = %v, want a one-line usage error containing %q", tt.args, err, tt.want)
		}
	}
	if _, err := Parse([]string{"--help"}, env(), io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Parse(--help) error = %v, want flag.ErrHelp", err)
	}
}

func TestLockOptions(t *testing.T) {
	tests := []struct {
		timeout *time.Duration
		budget  time.Duration
	}{
		{nil, lockcore.DefaultRetryDelay * lockcore.DefaultMaxRetries},
		{new(2 * time.Second), 2 * time.Second},
		{new(250 * time.Millisecond), 250 * time.Millisecond},
		{new(time.Duration(0)), 0}, // lockcore.NoWait: one attempt
	}
	for _, tt := range tests {
		o := LockOptions(tt.timeout)
		if got := o.Budget(); got != tt.budget {
			t.Errorf("LockOptions(%v).Budget() = %v, want %v", tt.timeout, got, tt.budget)
		}
		if o.ProcessType != server.ProcessType {
			t.Errorf("LockOptions(%v).ProcessType = %q, want %q", tt.timeout, o.ProcessType, server.ProcessType)
		}
	}
}

func TestOneThread(t *testing.T) {
	tests := []struct {
		args []string
		env  func(string) string
		want bool
	}{
		{nil, env(), true},
		{[]string{"--db", "x.db", "--agent", "a"}, env(), true},
		{[]string{"--http=false"}, env(), true},
		{nil, env("GOMAXPROCS", "2"), false},
		{[]string{"--http"}, env(), false},
		{[]string{"--http=127.0.0.1:7777"}, env(), false},
		{[]string{"--version"}, env(), false},
		{[]string{"--no-such-flag"}, env(), false},
	}
	for _, tt := range tests {
		if got := OneThread(tt.args, tt.env); got != tt.want {
			t.Errorf("OneThread(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
