package app

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/lockcore/locktest"
)

// nopWriteCloser is a stdout that cannot be closed.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

func TestMainExitCodes(t *testing.T) {
	var stderr bytes.Buffer
	std := Streams{In: io.NopCloser(strings.NewReader("")), Out: nopWriteCloser{io.Discard}, Err: &stderr}
	if code := Main(context.Background(), []string{"--lock-timeout=x"}, env(), std); code != 2 {
		t.Errorf("Main(--lock-timeout=x) = %d, want 2", code)
	}
	if !strings.HasPrefix(stderr.String(), "astrotask-mcp: invalid lock timeout") {
		t.Errorf("stderr = %q", stderr.String())
	}
	stderr.Reset()
	if code := Main(context.Background(), []string{"--help"}, env(), std); code != 0 {
		t.Errorf("Main(--help) = %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "-lock-timeout") {
		t.Errorf("--help output lacks the flags: %q", stderr.String())
	}
	stderr.Reset()
	if code := Main(context.Background(), []string{"--db", "ftp://x/y"}, env(), std); code != 1 {
		t.Errorf("Main(--db ftp://...) = %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "unsupported URL scheme") {
		t.Errorf("stderr = %q, want the location error", stderr.String())
	}
}

// TestMainVersion: --version prints one line on stdout, opens no database
// and exits 0; a test binary carries no module version, so it is "devel".
func TestMainVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	std := Streams{In: io.NopCloser(strings.NewReader("")), Out: nopWriteCloser{&stdout}, Err: &stderr}
	dir := t.TempDir()
	if code := Main(context.Background(), []string{"--version", "--db", filepath.Join(dir, "data", "x.db")}, env(), std); code != 0 {
		t.Fatalf("Main(--version) = %d, want 0; stderr %q", code, stderr.String())
	}
	if got := stdout.String(); !strings.HasPrefix(got, "astrotask-mcp version devel (") || !strings.HasSuffix(got, runtime.GOOS+"/"+runtime.GOARCH+")\n") {
		t.Errorf("Main(--version) printed %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 || stderr.Len() != 0 {
		t.Errorf("--version created %v and wrote %q to stderr, want nothing", entries, stderr.String())
	}
	if v := Version(); v != "devel" {
		t.Errorf("Version() = %q in a test binary, want devel", v)
	}
}

// TestRunStdioEOF serves a client that sends nothing and closes stdin: Run
// returns cleanly, having created the database and written nothing to
// stdout.
func TestRunStdioEOF(t *testing.T) {
	db := filepath.Join(locktest.TempDir(t), "astrotask.db")
	var stdout, stderr bytes.Buffer
	std := Streams{In: io.NopCloser(strings.NewReader("")), Out: nopWriteCloser{&stdout}, Err: &stderr}
	if err := Run(context.Background(), Config{DB: db}, std); err != nil {
		t.Fatalf("Run on closed stdin: %v", err)
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("Run wrote stdout %q stderr %q, want nothing", stdout.String(), stderr.String())
	}
}
