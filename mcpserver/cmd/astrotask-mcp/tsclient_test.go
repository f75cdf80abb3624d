package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTypeScriptClient runs the independent client, the official
// TypeScript MCP SDK, against the built binary: testdata/tsclient/client.mjs
// lists the tools and calls each one, and exits non-zero on any mismatch.
func TestTypeScriptClient(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "tsclient"))
	if err != nil {
		t.Fatal(err)
	}
	skipUnderWine(t, "Node.js for Windows")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatalf("the TypeScript MCP SDK is not installed in %s (%v): run scripts/test.sh, "+
			"or `npm ci --prefix mcpserver/testdata/tsclient` from the repository root", dir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found (%v): Node.js 20 is required for the independent client test", err)
	}
	cmd := exec.Command(node, "client.mjs", binary, t.TempDir())
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	t.Logf("node client.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("TypeScript client failed: %v", err)
	}
}
