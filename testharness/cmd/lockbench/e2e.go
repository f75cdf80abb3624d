package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// E2E times the real binaries against baselines from the same run: a whole
// `astro task add` process against an `astro --help` process, and an MCP
// listTasks round trip against an MCP ping on the same session.
type E2E struct {
	Runs      int     `json:"runs"`
	HelpMs    float64 `json:"astroHelpMs"`
	AddMs     float64 `json:"astroTaskAddMs"`
	Calls     int     `json:"calls"`
	PingMs    float64 `json:"mcpPingMs"`
	ListMs    float64 `json:"mcpListTasksMs"`
	ListTasks int     `json:"listedTasks"`
}

func measureE2E(ctx context.Context, astro, server string, runs, calls int) (*E2E, error) {
	dir, cleanup, err := tempDir("e2e")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	db := filepath.Join(dir, "tasks.db")
	timeCmd := func(args ...string) (float64, error) {
		cmd := exec.Command(astro, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := harness.Mono()
		err := cmd.Run()
		d := harness.Mono() - t0
		if err != nil {
			return 0, fmt.Errorf("astro %v: %v: %s", args, err, out.Bytes())
		}
		return ms(d), nil
	}
	if _, err := timeCmd("--db", db, "--json", "task", "add", "--title", "warm-up"); err != nil {
		return nil, err
	}
	var help, add []float64
	for i := range runs {
		h, err := timeCmd("--help")
		if err != nil {
			return nil, err
		}
		a, err := timeCmd("--db", db, "--json", "task", "add", "--title", fmt.Sprintf("lockbench task %d", i))
		if err != nil {
			return nil, err
		}
		help, add = append(help, h), append(add, a)
	}
	e := &E2E{Runs: runs, HelpMs: median(help), AddMs: median(add), Calls: calls, ListTasks: runs + 1}

	client := mcp.NewClient(&mcp.Implementation{Name: "lockbench", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(server, "--db", db)}, nil)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", server, err)
	}
	defer cs.Close()
	list := func() error {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "listTasks", Arguments: map[string]any{}})
		if err == nil && res.IsError {
			err = fmt.Errorf("listTasks: %v", res.Content)
		}
		return err
	}
	var ping, lst []float64
	for i := range calls + 5 { // the first five warm up
		t0 := harness.Mono()
		if err := cs.Ping(ctx, nil); err != nil {
			return nil, fmt.Errorf("ping: %w", err)
		}
		t1 := harness.Mono()
		if err := list(); err != nil {
			return nil, err
		}
		t2 := harness.Mono()
		if i >= 5 {
			ping, lst = append(ping, ms(t1-t0)), append(lst, ms(t2-t1))
		}
	}
	e.PingMs, e.ListMs = median(ping), median(lst)
	return e, nil
}
