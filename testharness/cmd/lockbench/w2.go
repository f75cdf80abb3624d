package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// W2 is the agent workload: Agents agents, each its own astrotask-mcp
// process over stdio, drain Tasks ready tasks, doing WorkMs of simulated
// work on each, once per mode: "getNextTask+claimTask" (pick, then claim,
// losing races to faster agents) and "claimNextTask" (pick and claim in
// one call). Every task is then marked done with updateStatus.
type W2 struct {
	Tasks  int      `json:"tasks"`
	WorkMs float64  `json:"workMs"`
	Runs   []*W2Run `json:"runs"`
}

// W2Run is one mode with one number of agents.
type W2Run struct {
	Mode   string  `json:"mode"`
	Agents int     `json:"agents"`
	WallMs float64 `json:"wallMs"`
	// TasksPerSec is Tasks over WallMs, from the agents' start to the last
	// updateStatus.
	TasksPerSec float64 `json:"tasksPerSec"`
	// Calls counts every tool call, including each agent's last one that
	// found nothing.
	Calls        int     `json:"calls"`
	CallsPerTask float64 `json:"callsPerTask"`
	// LostClaims counts claims refused because another agent won.
	LostClaims int `json:"lostClaims"`
	// Duplicates counts tasks that two agents were told they hold.
	Duplicates int     `json:"duplicates"`
	Done       int     `json:"done"`
	P50Ms      float64 `json:"callP50Ms"`
	P99Ms      float64 `json:"callP99Ms"`
}

// The W2 modes.
const (
	modePickThenClaim = "getNextTask+claimTask"
	modeClaimNext     = "claimNextTask"
)

func runW2(ctx context.Context, server string, agentCounts []int, tasks int, work time.Duration, say func(string, ...any)) (*W2, error) {
	w := &W2{Tasks: tasks, WorkMs: ms(int64(work))}
	for _, mode := range []string{modePickThenClaim, modeClaimNext} {
		for _, k := range agentCounts {
			say("W2: %s, %d agents, %d tasks", mode, k, tasks)
			r, err := runW2Once(ctx, server, mode, k, tasks, work)
			if err != nil {
				return nil, fmt.Errorf("W2 %s with %d agents: %w", mode, k, err)
			}
			w.Runs = append(w.Runs, r)
		}
	}
	return w, nil
}

// agentSession is one agent: its own server process and client session.
type agentSession struct {
	name string
	cs   *mcp.ClientSession
}

func startAgents(ctx context.Context, server, db string, k int) ([]*agentSession, func(), error) {
	var agents []*agentSession
	stop := func() {
		for _, a := range agents {
			a.cs.Close()
		}
	}
	for i := range k {
		name := fmt.Sprintf("agent-%d", i)
		cmd := exec.Command(server, "--db", db, "--agent", name, "--lock-timeout=60s")
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "lockbench", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("start %s: %w", server, err)
		}
		agents = append(agents, &agentSession{name: name, cs: cs})
	}
	return agents, stop, nil
}

// call runs one tool and decodes its answer into out; a tool error is
// returned as toolErr with err nil.
func (a *agentSession) call(ctx context.Context, name string, args, out any) (toolErr string, err error) {
	res, err := a.cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return "", fmt.Errorf("%s: %s: %w", a.name, name, err)
	}
	text := ""
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(*mcp.TextContent); ok {
			text = tc.Text
		}
	}
	if res.IsError {
		return text, nil
	}
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			return "", fmt.Errorf("%s: %s answer: %w", a.name, name, err)
		}
	}
	return "", nil
}

type w2Task struct {
	Task *struct {
		ID string `json:"id"`
	} `json:"task"`
}

func runW2Once(ctx context.Context, server, mode string, k, tasks int, work time.Duration) (*W2Run, error) {
	dir, cleanup, err := tempDir("w2")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	db := filepath.Join(dir, "w2.db")
	agents, stop, err := startAgents(ctx, server, db, k)
	if err != nil {
		return nil, err
	}
	defer stop()
	for i := 0; i < tasks; i += 50 {
		batch := []any{}
		for j := i; j < min(i+50, tasks); j++ {
			batch = append(batch, map[string]any{"title": fmt.Sprintf("task %d", j), "priorityScore": j % 10})
		}
		if msg, err := agents[0].call(ctx, "addTasks", map[string]any{"tasks": batch}, nil); err != nil || msg != "" {
			return nil, fmt.Errorf("seed: %v %s", err, msg)
		}
	}

	var mu sync.Mutex
	r := &W2Run{Mode: mode, Agents: k}
	var lat []int64
	holder := map[string]string{}
	timed := func(a *agentSession, name string, args, out any) (string, error) {
		t0 := harness.Mono()
		msg, err := a.call(ctx, name, args, out)
		d := harness.Mono() - t0
		mu.Lock()
		lat = append(lat, d)
		r.Calls++
		mu.Unlock()
		return msg, err
	}
	claimed := func(a *agentSession, id string) {
		mu.Lock()
		if _, dup := holder[id]; dup {
			r.Duplicates++
		}
		holder[id] = a.name
		mu.Unlock()
	}
	finish := func(a *agentSession, id string) error {
		time.Sleep(work) // the agent's simulated work on the task
		msg, err := timed(a, "updateStatus", map[string]any{"taskId": id, "status": "done"}, nil)
		if err == nil && msg != "" {
			err = fmt.Errorf("%s: updateStatus %s: %s", a.name, id, msg)
		}
		if err == nil {
			mu.Lock()
			r.Done++
			mu.Unlock()
		}
		return err
	}
	drain := func(a *agentSession) error {
		for {
			var next w2Task
			if mode == modeClaimNext {
				msg, err := timed(a, "claimNextTask", map[string]any{}, &next)
				if err != nil {
					return err
				}
				if msg != "" {
					return fmt.Errorf("%s: claimNextTask: %s", a.name, msg)
				}
				if next.Task == nil {
					return nil
				}
			} else {
				msg, err := timed(a, "getNextTask", map[string]any{}, &next)
				if err != nil {
					return err
				}
				if msg != "" {
					return fmt.Errorf("%s: getNextTask: %s", a.name, msg)
				}
				if next.Task == nil {
					return nil
				}
				msg, err = timed(a, "claimTask", map[string]any{"taskId": next.Task.ID}, nil)
				if err != nil {
					return err
				}
				if msg != "" {
					mu.Lock()
					r.LostClaims++
					mu.Unlock()
					continue
				}
			}
			claimed(a, next.Task.ID)
			if err := finish(a, next.Task.ID); err != nil {
				return err
			}
		}
	}

	errs := make(chan error, k)
	var wg sync.WaitGroup
	t0 := harness.Mono()
	for _, a := range agents {
		wg.Go(func() { errs <- drain(a) })
	}
	wg.Wait()
	wall := harness.Mono() - t0
	close(errs)
	for err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if r.Done != tasks {
		return nil, fmt.Errorf("%d of %d tasks done", r.Done, tasks)
	}
	r.WallMs = ms(wall)
	r.TasksPerSec = float64(tasks) / (float64(wall) / 1e9)
	r.CallsPerTask = float64(r.Calls) / float64(tasks)
	r.P50Ms, r.P99Ms = ms(percentile(lat, 50)), ms(percentile(lat, 99))
	return r, nil
}
