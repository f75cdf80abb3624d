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
	runNode(t, "client.mjs")
}

// TestTokenBudget measures the answers with a Claude tokenizer through the
// same independent client: testdata/tsclient/budget.mjs fills a database
// with 1,000 tasks, long context and random text, and fails if the tool
// list is over 4,000 tokens, any answer over 10,000, or paging misses or
// repeats a task.
func TestTokenBudget(t *testing.T) {
	runNode(t, "budget.mjs")
}

// runNode runs one script of testdata/tsclient against the built binary on
// a fresh database directory; the script exits non-zero on any mismatch.
func runNode(t *testing.T, script string) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "tsclient"))
	if err != nil {
		t.Fatal(err)
	}
	skipUnderWine(t, "Node.js for Windows")
	for _, pkg := range []string{"@modelcontextprotocol/sdk", "@anthropic-ai/tokenizer"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg))); err != nil {
			t.Fatalf("%s is not installed in %s (%v): run scripts/test.sh, "+
				"or `npm ci --prefix mcpserver/testdata/tsclient` from the repository root", pkg, dir, err)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found (%v): Node.js 20 is required for the independent client test", err)
	}
	cmd := exec.Command(node, script, binary, t.TempDir())
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", script, out)
	if err != nil {
		t.Fatalf("node %s failed: %v", script, err)
	}
}
