package app

import (
	"database/sql"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Values that would act on a terminal if printed raw: a window title
// change and a screen clear, a fake second row, a right-to-left override
// that reorders what follows, a C1 control sequence introducer, DEL.
const (
	evilTitle  = "Pay the \x1b]0;pwned\x07invoice\x1b[2J\r\n[ ] FAKE           pending      high (99)     Trust me"
	evilText   = "line one \x1b[31m\nline two \u202eexe.txt\r\n\u009b31m\x7f"
	evilAgent  = "agent\x1b[8m"
	evilID     = "EVIL\x1b[41m"
	evilType   = "note\u2066"
	evilReason = "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07"
)

// astro runs the astro binary with args and returns its stdout, stderr
// and exit code.
func astro(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command("astro", args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("astro %q: %v", args, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// wantSafe fails unless text holds nothing a terminal could act on but
// line breaks (and tabs), and holds each of want.
func wantSafe(t *testing.T, what, text string, want ...string) {
	t.Helper()
	if u := unsafeIn(text, true); u != "" {
		t.Errorf("%s printed %q raw:\n%s", what, u, text)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s = %q, want it to show %q", what, text, w)
		}
	}
}

// hostileDatabase creates a database through astro and then writes, as an
// edited or committed file could hold, control and bidi characters into
// every text column that astro prints. It returns the database path and
// the ID of the task that holds them.
func hostileDatabase(t *testing.T) (db, id string) {
	t.Helper()
	db = filepath.Join(tempDir(t), "data", "astrotask.db")
	if _, stderr, code := astro(t, "--db", db, "task", "add", "--title", "placeholder"); code != 0 {
		t.Fatalf("astro task add: exit %d: %s", code, stderr)
	}
	out, _, _ := astro(t, "--db", db, "task", "list", "--json")
	var l taskList
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Tasks) != 1 {
		t.Fatalf("task list --json = %s (%v)", out, err)
	}
	id = l.Tasks[0].ID
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	now := "2025-01-01T00:00:00Z"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE tasks SET title = ?, description = ?, prd = ?, assignee = ?, forced_by = ?, forced_at = ?, claimed_at = ?,
			status = 'in-progress', lease_expires_at = '2999-01-01T00:00:00Z' WHERE id = ?`,
			[]any{evilTitle, evilText, evilText, evilAgent, evilAgent, now, now, id}},
		{`INSERT INTO tasks (id, parent_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, []any{evilID, id, evilTitle, now, now}},
		{`INSERT INTO task_dependencies (dependent_task_id, dependency_task_id, created_at) VALUES (?, ?, ?)`, []any{id, evilID, now}},
		{`INSERT INTO context_slices (id, task_id, title, description, context_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			[]any{"CS-" + evilID, id, evilTitle, evilText, evilType, now, now}},
	} {
		if _, err := sdb.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	return db, id
}

// TestTextOutputEscapesStoredValues runs every command that prints tasks,
// slices and dependencies against a database holding control and bidi
// characters: the text output shows them escaped, a title cannot fake a
// row, and --json still gives back the exact values.
func TestTextOutputEscapesStoredValues(t *testing.T) {
	t.Parallel() // its own database; scripts run beside it
	db, id := hostileDatabase(t)
	escTitle := `Pay the \x1b]0;pwned\x07invoice\x1b[2J\x0d\x0a[ ] FAKE`
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"task", "list", "--all"}, []string{escTitle, `EVIL\x1b[41m`, `[agent\x1b[8m until`}},
		{[]string{"task", "get", "--id", id}, []string{escTitle, `line one \x1b[31m`, `line two \u202eexe.txt` + "\n" + detailIndent + `\u009b31m\x7f`, "Assignee:    agent\\x1b[8m", "Forced:      agent\\x1b[8m at"}},
		{[]string{"task", "tree"}, []string{escTitle, `blocked by EVIL\x1b[41m`}},
		{[]string{"task", "tree", "--root", id}, []string{escTitle}},
		{[]string{"dependency", "list", "--id", id}, []string{`EVIL\x1b[41m`, escTitle}},
		{[]string{"context", "list", "--task", id}, []string{`CS-EVIL\x1b[41m [note\u2066] ` + escTitle, `    line two \u202eexe.txt`}},
		{[]string{"task", "update", "--id", id, "--priority", "high"}, []string{escTitle, `\u009b31m`}},
		{[]string{"task", "done", "--id", id, "--force"}, []string{escTitle}},
	} {
		stdout, stderr, code := astro(t, append([]string{"--db", db}, tc.args...)...)
		what := "astro " + strings.Join(tc.args, " ")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", what, code, stderr)
		}
		wantSafe(t, what, stdout+stderr, tc.want...)
		if strings.Contains(stdout, "\n[ ] FAKE") {
			t.Errorf("%s: a title faked a row:\n%s", what, stdout)
		}
	}
	stdout, _, _ := astro(t, "--db", db, "task", "list", "--all")
	if n := strings.Count(stdout, "\n"); n != 2 {
		t.Errorf("task list --all printed %d lines for 2 tasks:\n%s", n, stdout)
	}

	// JSON keeps the values exactly, and escapes what a terminal would act on.
	stdout, _, code := astro(t, "--db", db, "task", "get", "--id", id, "--json")
	wantSafe(t, "task get --json", stdout)
	var got struct{ Title, Description, Assignee string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 {
		t.Fatalf("task get --json: exit %d, %v: %s", code, err, stdout)
	}
	if got.Title != evilTitle || got.Description != evilText || got.Assignee != evilAgent {
		t.Errorf("task get --json = %+v, want the stored values", got)
	}
	for _, args := range [][]string{{"export"}, {"task", "tree", "--json"}, {"context", "list", "--task", id, "--json"}} {
		stdout, stderr, code := astro(t, append([]string{"--db", db}, args...)...)
		if code != 0 {
			t.Fatalf("astro %s: exit %d: %s", args, code, stderr)
		}
		wantSafe(t, "astro "+strings.Join(args, " "), stdout)
	}
}

// TestTitleLineBreaksRefused: the CLI refuses a title with CR or LF in one
// line and writes nothing.
func TestTitleLineBreaksRefused(t *testing.T) {
	t.Parallel() // its own database; scripts run beside it
	db := filepath.Join(tempDir(t), "data", "astrotask.db")
	for _, title := range []string{"two\nlines", "carriage\rreturn"} {
		_, stderr, code := astro(t, "--db", db, "task", "add", "--title", title)
		if code != ExitError || stderr != "Error: add task: invalid title: contains a line break (CR or LF); a title is one line\n" {
			t.Errorf("task add --title %q: exit %d, stderr %q; want exit %d and the one-line refusal", title, code, stderr, ExitError)
		}
	}
	stdout, _, _ := astro(t, "--db", db, "task", "list", "--all")
	if stdout != "No tasks\n" {
		t.Errorf("after refused titles, task list = %q, want no tasks", stdout)
	}
}

// TestLockHolderNameEscaped: a process type with escape sequences, written
// to the lock record by another process, is shown escaped by lock-status
// and by the locked error.
func TestLockHolderNameEscaped(t *testing.T) {
	db := filepath.Join(tempDir(t), "data", "astrotask.db")
	if _, stderr, code := astro(t, "--db", db, "init"); code != 0 {
		t.Fatalf("astro init: exit %d: %s", code, stderr)
	}
	const process = "mcp\x1b[2J\x1b]0;owned\x07\u202eserver"
	h := startHolderAs(t, process, db)
	pid := strconv.Itoa(h.Process.Pid)
	stdout, stderr, code := astro(t, "--db", db, "task", "lock-status", "--verbose")
	if code != 0 {
		t.Fatalf("lock-status: exit %d: %s", code, stderr)
	}
	wantSafe(t, "lock-status", stdout, `Process:   mcp\x1b[2J\x1b]0;owned\x07\u202eserver`, "PID:       "+pid)
	_, stderr, code = astro(t, "--db", db, "--lock-timeout", "0s", "task", "list")
	if code != ExitLocked {
		t.Fatalf("task list while locked: exit %d, want %d: %s", code, ExitLocked, stderr)
	}
	wantSafe(t, "the locked error", stderr, `in use by mcp\x1b[2J\x1b]0;owned\x07\u202eserver (PID: `+pid+`)`)
	h.release(t)
}

// startHolderAs is startHolder with exclusive mode and process recorded as
// the holder's process type.
func startHolderAs(t *testing.T, process, dbPath string) *holder {
	t.Helper()
	t.Setenv(holderProcessEnv, process)
	return startHolder(t, "exclusive", dbPath)
}

// TestErrorsAreEscapedAndCapped: an error that echoes a user's value shows
// its control characters escaped, and a huge one is cut to a bounded line
// that keeps its start and its end.
func TestErrorsAreEscapedAndCapped(t *testing.T) {
	t.Parallel() // its own database; scripts run beside it
	db := filepath.Join(tempDir(t), "data", "astrotask.db")
	stdout, stderr, code := astro(t, "--db", db, "--json", "task", "add", "--title", "claimed")
	var task struct{ ID string }
	if err := json.Unmarshal([]byte(stdout), &task); err != nil || code != 0 {
		t.Fatalf("task add: exit %d, %v: %s", code, err, stderr)
	}
	// The claim's agent comes back in another agent's error.
	if _, stderr, code := astro(t, "--db", db, "--agent", evilAgent, "task", "claim", "--id", task.ID); code != 0 {
		t.Fatalf("task claim: exit %d: %s", code, stderr)
	}
	_, stderr, code = astro(t, "--db", db, "--agent", "other", "task", "release", "--id", task.ID)
	if code != ExitError || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("task release by another agent: exit %d, stderr %q; want %d and one line", code, stderr, ExitError)
	}
	wantSafe(t, "the claimed error", stderr, `is claimed by agent\x1b[8m until`)

	huge := strings.Repeat("A", 100_000) + "\x1b[2J"
	_, stderr, code = astro(t, "task", "list", huge)
	if code != ExitUsage {
		t.Fatalf("task list HUGE: exit %d, want %d", code, ExitUsage)
	}
	line := strings.TrimSuffix(stderr, "\n")
	if len(line) > len("Error: ")+maxErrorBytes || strings.Contains(line, "\n") {
		t.Errorf("error line is %d bytes (%d lines), want at most %d in one", len(line), strings.Count(stderr, "\n"), len("Error: ")+maxErrorBytes)
	}
	wantSafe(t, "the unexpected argument error", stderr, `Error: unexpected argument "AAAA`, " bytes cut] ... ", `(see 'astro task list --help')`)
}

// TestWhereEscapesPath: `where` and `lock-status --verbose` print a
// database path holding control and bidi characters escaped.
func TestWhereEscapesPath(t *testing.T) {
	t.Parallel() // its own database; scripts run beside it
	// Windows refuses control characters in file names; a bidi override
	// and DEL it takes.
	dir, shown := "odd\x1b[2J\u202edir", `odd\x1b[2J\u202edir`
	if runtime.GOOS == "windows" {
		dir, shown = "odd\x7f\u202edir", `odd\x7f\u202edir`
	}
	db := filepath.Join(tempDir(t), dir, "astrotask.db")
	for _, args := range [][]string{{"where"}, {"task", "lock-status", "--verbose"}} {
		stdout, stderr, code := astro(t, append([]string{"--db", db}, args...)...)
		if code != 0 {
			t.Fatalf("astro %s: exit %d: %s", args, code, stderr)
		}
		wantSafe(t, "astro "+strings.Join(args, " "), stdout, shown)
	}
}
