package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// gitIn runs the real git in dir with no user or system configuration and
// returns its output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		skipUnderWine(t, "git for Windows")
	}
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// astroIn runs the astro CLI in dir and returns its standard output and
// standard error, and its exit code.
func astroIn(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(astro(t), args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("astro %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// mcpConfig is the part of a Claude Code .mcp.json that starts a server.
type mcpConfig struct {
	MCPServers map[string]struct {
		Command string   `json:"command"`
		Args    []string `json:"args"`
	} `json:"mcpServers"`
}

// TestServerInLinkedWorktree does what a team does: `astro init --editor
// claude-code` in the main worktree, commit .mcp.json, and start the server
// it names, as the editor would, in a linked worktree. The server shares the
// main worktree's database: a task it claims is refused to astro there.
func TestServerInLinkedWorktree(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mainDir, wtDir := filepath.Join(root, "main"), filepath.Join(root, "wt")
	if err := os.Mkdir(mainDir, 0o755); err != nil {
		t.Fatal(err)
	}
	gitIn(t, mainDir, "init", "-q")
	if out, stderr, code := astroIn(t, mainDir, "init", "--editor", "claude-code"); code != 0 {
		t.Fatalf("astro init --editor claude-code: exit %d: %s%s", code, out, stderr)
	}
	gitIn(t, mainDir, "add", ".")
	gitIn(t, mainDir, "commit", "-q", "-m", "astrotask for the team")
	gitIn(t, mainDir, "worktree", "add", "-q", "../wt")

	// What was committed: .mcp.json with no absolute path and
	// data/.gitignore, not the database, which git does not even offer.
	if got, want := gitIn(t, mainDir, "ls-files"), ".mcp.json\ndata/.gitignore\n"; got != want {
		t.Errorf("committed files:\n%s\nwant:\n%s", got, want)
	}
	if got := gitIn(t, mainDir, "status", "--porcelain", "--untracked-files=all", "--ignored=no"); got != "" {
		t.Errorf("git status after the commit:\n%s", got)
	}
	committed, err := os.ReadFile(filepath.Join(wtDir, ".mcp.json"))
	if err != nil {
		t.Fatalf("the worktree has no committed .mcp.json: %v", err)
	}
	if strings.Contains(string(committed), root) {
		t.Errorf(".mcp.json names a path of this machine:\n%s", committed)
	}
	for _, f := range []string{"data/astrotask.db", "data/.astrotask.lock"} {
		if _, err := os.Stat(filepath.Join(wtDir, f)); err == nil {
			t.Errorf("%s was committed", f)
		}
	}
	var cfg mcpConfig
	if err := json.Unmarshal(committed, &cfg); err != nil {
		t.Fatalf(".mcp.json: %v\n%s", err, committed)
	}
	entry, found := cfg.MCPServers["astrotask"]
	if !found {
		t.Fatalf(".mcp.json has no astrotask server:\n%s", committed)
	}

	// Start it the way the editor does: the command from PATH, in the
	// worktree the editor has open.
	bin := filepath.Dir(binary)
	command, err := exec.LookPath(filepath.Join(bin, entry.Command))
	if err != nil {
		t.Fatalf(".mcp.json's command %q is not the server: %v", entry.Command, err)
	}
	cmd := exec.Command(command, entry.Args...)
	cmd.Dir = wtDir
	cmd.Env = cleanEnv("PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "editor", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("start %s in %s: %v (stderr: %s)", command, wtDir, err, stderr.String())
	}
	s := &session{ClientSession: cs, t: t, stderr: stderr}
	t.Cleanup(func() { s.Close() })

	added := ok[server.AddTasksOutput](s, "addTasks", map[string]any{"tasks": []any{map[string]any{"title": "Fix the parser"}}})
	id := added.Tasks[0].ID
	ok[server.TaskOutput](s, "claimTask", map[string]any{"taskId": id})
	t.Logf("the server in %s added and claimed %s", wtDir, id)

	out, errOut, code := astroIn(t, mainDir, "task", "claim", "--id", id)
	if code != 1 || !strings.HasPrefix(errOut, "Error: claim task: ") {
		t.Errorf("astro task claim --id %s in the main worktree: exit %d, %q%q; want exit 1, refused", id, code, out, errOut)
	}
	if out, _, _ := astroIn(t, mainDir, "task", "get", "--id", id, "--json"); !strings.Contains(out, `"status": "in-progress"`) {
		t.Errorf("the main worktree sees %s as:\n%s", id, out)
	}
	if _, err := os.Stat(filepath.Join(wtDir, "data", "astrotask.db")); err == nil {
		t.Error("the server made a database of its own in the worktree")
	}
	if out, _, _ := astroIn(t, wtDir, "where"); !strings.Contains(out, filepath.Join(mainDir, "data", "astrotask.db")) {
		t.Errorf("astro where in the worktree = %q, want the main worktree's database", out)
	}
}
