package testharness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// lockStatus is the JSON of `astro task lock-status --json` and of the MCP
// lockStatus tool.
type lockStatus struct {
	Locked bool `json:"locked"`
	Holder *struct {
		PID     int    `json:"pid"`
		Process string `json:"process"`
	} `json:"holder"`
	Verified bool `json:"verified"`
	Leftover bool `json:"leftover"`
}

// astroRunner runs the real astro binary against one database and
// remembers the pid and kind of every process it started.
type astroRunner struct {
	db   string
	mu   sync.Mutex
	pids map[int]string // pid -> what it was started for
}

// run runs astro with args and returns its stdout and exit code.
func (a *astroRunner) run(ctx context.Context, kind string, args ...string) ([]byte, int, error) {
	cmd := exec.CommandContext(ctx, astroBin, append([]string{"--db", a.db, "--json"}, args...)...)
	var stdout, stderr harness.LockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	a.mu.Lock()
	a.pids[cmd.Process.Pid] = kind
	a.mu.Unlock()
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return stdout.Bytes(), ee.ExitCode(), fmt.Errorf("astro %v: exit %d: %s", args, ee.ExitCode(), stderr.Bytes())
	}
	return stdout.Bytes(), 0, err
}

// callTool calls an MCP tool and decodes its structured result into out.
func callTool(ctx context.Context, cs *mcp.ClientSession, name string, args map[string]any, out any) (bool, error) {
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		return false, nil
	}
	b, err := json.Marshal(res.StructuredContent)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	return true, err
}

// TestCLIAgainstMCPServer is scenario 7: the real astrotask-mcp serves tool
// calls while real astro processes add tasks; a third kind of process keeps
// asking `astro task lock-status --json` who holds the lock; then an MCP
// agent and a CLI agent claim tasks in a loop, racing for the same task
// each time. Every acknowledged task is present, every holder reported is
// one of the test's own processes (of the right kind when verified), and no
// task is claimed twice.
func TestCLIAgainstMCPServer(t *testing.T) {
	built(t)
	ctx, cancel := context.WithTimeout(context.Background(), runWithin)
	defer cancel()
	db := filepath.Join(t.TempDir(), "tasks.db")
	astro := &astroRunner{db: db, pids: map[int]string{}}

	server := exec.Command(mcpBin, "--db", db)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "testharness", Version: "1"}, nil).
		Connect(ctx, &mcp.CommandTransport{Command: server}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	t.Logf("astrotask-mcp pid %d", server.Process.Pid)

	// The observer asks lock-status (CLI and MCP) until the agents are done.
	observe, stopObserving := context.WithCancel(ctx)
	var observed []lockStatus
	var observerErr error
	observerDone := make(chan struct{})
	go func() {
		defer close(observerDone)
		for i := 0; observe.Err() == nil; i++ {
			var st lockStatus
			if i%4 == 3 {
				if _, err := callTool(observe, cs, "lockStatus", map[string]any{}, &st); err != nil && observe.Err() == nil {
					observerErr = err
					return
				}
			} else {
				out, _, err := astro.run(ctx, "observer", "task", "lock-status")
				if err == nil {
					err = json.Unmarshal(out, &st)
				}
				if err != nil {
					observerErr = err
					return
				}
			}
			observed = append(observed, st)
		}
	}()

	// Writers: four astro processes at a time and the MCP server.
	acked := addConcurrently(ctx, t, astro, cs)
	var all struct{ Tasks []taskstore.Task }
	out, _, err := astro.run(ctx, "list", "task", "list", "--all")
	if err == nil {
		err = json.Unmarshal(out, &all)
	}
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, task := range all.Tasks {
		present[task.ID] = true
	}
	for _, id := range acked {
		if !present[id] {
			t.Errorf("acknowledged task %s is missing", id)
		}
	}
	if len(all.Tasks) != len(acked) {
		t.Errorf("task list has %d tasks, want the %d acknowledged", len(all.Tasks), len(acked))
	}
	t.Logf("%d tasks added by astro processes and the MCP server, all present", len(acked))

	claims := claimRace(ctx, t, astro, cs)
	stopObserving()
	<-observerDone
	if observerErr != nil {
		t.Fatal(observerErr)
	}

	seen := map[string]string{}
	for agent, ids := range claims {
		for _, id := range ids {
			if other, dup := seen[id]; dup {
				t.Errorf("task %s claimed by both %s and %s", id, other, agent)
			}
			seen[id] = agent
		}
	}
	if len(seen) != len(acked) {
		t.Errorf("%d tasks claimed, want every one of the %d", len(seen), len(acked))
	}
	t.Logf("claims: mcp %d, cli %d, none twice", len(claims["mcp"]), len(claims["cli"]))

	checkObserved(t, observed, astro, server.Process.Pid)
}

// addConcurrently adds 32 tasks through astro processes (four at a time)
// and 24 through the MCP server at the same time, and returns the IDs
// acknowledged.
func addConcurrently(ctx context.Context, t *testing.T, astro *astroRunner, cs *mcp.ClientSession) []string {
	t.Helper()
	var mu sync.Mutex
	var acked []string
	var errs []error
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 8 {
				out, _, err := astro.run(ctx, "cli", "task", "add", "--title", fmt.Sprintf("cli %d.%d", w, i))
				var task taskstore.Task
				if err == nil {
					err = json.Unmarshal(out, &task)
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					acked = append(acked, task.ID)
				}
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for i := range 8 {
			var res struct{ Tasks []taskstore.Task }
			batch := []map[string]any{{"title": fmt.Sprintf("mcp %d.0", i)}, {"title": fmt.Sprintf("mcp %d.1", i)}, {"title": fmt.Sprintf("mcp %d.2", i)}}
			ok, err := callTool(ctx, cs, "addTasks", map[string]any{"tasks": batch}, &res)
			mu.Lock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case !ok:
				errs = append(errs, fmt.Errorf("addTasks %d: tool error", i))
			default:
				for _, task := range res.Tasks {
					acked = append(acked, task.ID)
				}
			}
			mu.Unlock()
		}
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(acked) != 4*8+8*3 {
		t.Fatalf("%d tasks acknowledged, want %d", len(acked), 4*8+8*3)
	}
	return acked
}

// claimRace runs two agents in rounds until no pending task is left. In
// each round both look at the pending tasks (the MCP agent through
// listTasks, the CLI agent through `astro task list`), each picks one of
// the first two at random, and both claim at the same moment. When they
// picked the same task exactly one claim succeeds; otherwise both do. Both
// then mark what they claimed done. It returns the IDs each agent claimed.
func claimRace(ctx context.Context, t *testing.T, astro *astroRunner, cs *mcp.ClientSession) map[string][]string {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	claims := map[string][]string{}
	conflicts := map[string]int{}
	same := 0
	for round := 1; ; round++ {
		var mcpPending, cliPending struct{ Tasks []taskstore.Task }
		var mcpErr, cliErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, mcpErr = callTool(ctx, cs, "listTasks", map[string]any{"statuses": []string{"pending"}, "limit": 500}, &mcpPending)
		})
		wg.Go(func() {
			var out []byte
			if out, _, cliErr = astro.run(ctx, "cli", "task", "list", "--status", "pending"); cliErr == nil {
				cliErr = json.Unmarshal(out, &cliPending)
			}
		})
		wg.Wait()
		if err := errors.Join(mcpErr, cliErr); err != nil {
			t.Fatal(err)
		}
		if len(mcpPending.Tasks) != len(cliPending.Tasks) {
			t.Fatalf("round %d: the agents see %d and %d pending tasks, want the same", round, len(mcpPending.Tasks), len(cliPending.Tasks))
		}
		if len(mcpPending.Tasks) == 0 {
			break
		}
		pick := func(ts []taskstore.Task) string { return ts[rng.IntN(min(2, len(ts)))].ID }
		mcpID, cliID := pick(mcpPending.Tasks), pick(cliPending.Tasks)

		var mcpOK, cliOK bool
		var code int
		wg.Go(func() {
			var claimed struct{ Task taskstore.Task }
			mcpOK, mcpErr = callTool(ctx, cs, "claimTask", map[string]any{"taskId": mcpID}, &claimed)
		})
		wg.Go(func() {
			_, code, cliErr = astro.run(ctx, "cli", "task", "claim", "--id", cliID)
			cliOK = cliErr == nil
			if code == 1 {
				cliErr = nil // the claim lost: already claimed
			}
		})
		wg.Wait()
		if err := errors.Join(mcpErr, cliErr); err != nil {
			t.Fatal(err)
		}
		if mcpOK {
			claims["mcp"] = append(claims["mcp"], mcpID)
		} else {
			conflicts["mcp"]++
		}
		if cliOK {
			claims["cli"] = append(claims["cli"], cliID)
		} else {
			conflicts["cli"]++
		}
		switch {
		case mcpID == cliID && mcpOK == cliOK:
			same++
			t.Errorf("round %d: both agents claimed %s: mcp %v, cli %v; want exactly one to succeed", round, mcpID, mcpOK, cliOK)
		case mcpID == cliID:
			same++
		case !mcpOK || !cliOK:
			t.Errorf("round %d: different tasks (%s, %s) but mcp %v, cli %v; want both claims to succeed", round, mcpID, cliID, mcpOK, cliOK)
		}
	}
	t.Logf("%d rounds raced for the same task", same)
	t.Logf("claim conflicts (lost races): mcp %d, cli %d", conflicts["mcp"], conflicts["cli"])

	for _, id := range claims["cli"] {
		if _, _, err := astro.run(ctx, "cli", "task", "done", "--id", id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range claims["mcp"] {
		var res struct{ Task taskstore.Task }
		if ok, err := callTool(ctx, cs, "updateStatus", map[string]any{"taskId": id, "status": "done"}, &res); err != nil || !ok {
			t.Fatalf("updateStatus %s done = %v, %v", id, ok, err)
		}
	}
	var open struct{ Tasks []taskstore.Task }
	out, _, err := astro.run(ctx, "list", "task", "list")
	if err == nil {
		err = json.Unmarshal(out, &open)
	}
	if err != nil || len(open.Tasks) != 0 {
		t.Errorf("pending or in-progress tasks after every claimed task was done: %d, %v; want none", len(open.Tasks), err)
	}
	return claims
}

// checkObserved checks every lock-status observation: a holder it reports
// is one of this test's processes, and when verified it is of the kind the
// record says.
func checkObserved(t *testing.T, observed []lockStatus, astro *astroRunner, serverPID int) {
	t.Helper()
	astro.mu.Lock()
	defer astro.mu.Unlock()
	locked, verified := 0, 0
	for _, st := range observed {
		if st.Holder == nil {
			if st.Locked && st.Verified {
				t.Errorf("lock-status = %+v: verified holder without a record", st)
			}
			continue
		}
		pid, proc := st.Holder.PID, st.Holder.Process
		kind, isAstro := astro.pids[pid]
		if pid != serverPID && !isAstro {
			t.Errorf("lock-status named pid %d (%s), which is neither astrotask-mcp (%d) nor one of the %d astro processes",
				pid, proc, serverPID, len(astro.pids))
			continue
		}
		if st.Locked {
			locked++
		}
		if !st.Locked || !st.Verified {
			continue
		}
		verified++
		switch {
		case pid == serverPID && proc != "mcp-server":
			t.Errorf("lock-status: astrotask-mcp pid %d recorded as %q, want mcp-server", pid, proc)
		case isAstro && !slices.Contains([]string{"cli", "migration", "backup"}, proc):
			t.Errorf("lock-status: astro pid %d (%s) recorded as %q", pid, kind, proc)
		}
	}
	t.Logf("%d lock-status observations: %d while locked, %d with a verified holder", len(observed), locked, verified)
	if len(observed) == 0 {
		t.Errorf("no lock-status observation was made")
	}
}
