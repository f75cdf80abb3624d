package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// p50 reports the median of the samples as the "p50-ms" metric.
func p50(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds())/1000, "p50-ms")
}

// seed adds n tasks through s in batches of 50.
func seed(b *testing.B, s *session, n int) {
	b.Helper()
	for done := 0; done < n; done += 50 {
		batch := make([]any, min(50, n-done))
		for i := range batch {
			batch[i] = map[string]any{"title": fmt.Sprintf("task %d", done+i), "priorityScore": (done + i) % 101}
		}
		if res := s.call("addTasks", map[string]any{"tasks": batch}); res.IsError {
			b.Fatalf("seed: %s", text(res))
		}
	}
}

// roundTrips calls tool with args once per iteration and reports the
// median round trip.
func roundTrips(b *testing.B, s *session, tool string, args any) {
	b.Helper()
	var samples []time.Duration
	for b.Loop() {
		t0 := time.Now()
		res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
		samples = append(samples, time.Since(t0))
		if err != nil || res.IsError {
			b.Fatalf("%s: %v %v", tool, err, res)
		}
	}
	p50(b, samples)
}

// BenchmarkListTasks1000 measures one listTasks round trip over stdio on a
// database of 1,000 tasks, with the Go SDK client, for the largest page an
// agent can ask for (limit 500; the answer budget ends it sooner).
//
// Before answers were paged, the whole listing was about 400 KB and took
// about 25 ms: the SDK encodes each result about three times on its way to
// stdout (server.BenchmarkEncodeResult) and the Go SDK client's decoding
// was most of the rest (server.BenchmarkClientDecode).
func BenchmarkListTasks1000(b *testing.B) {
	s := start(b, nil, "--db", dbPath(b))
	seed(b, s, 1000)
	args := map[string]any{"statuses": []string{}, "limit": server.MaxPageLimit}
	var out server.ListTasksOutput
	json.Unmarshal([]byte(text(s.call("listTasks", args))), &out)
	if len(out.Tasks) < server.DefaultPageLimit || out.Remaining+len(out.Tasks) != 1000 {
		b.Fatalf("listTasks listed %d tasks, %d remaining", len(out.Tasks), out.Remaining)
	}
	b.Logf("one page: %d tasks", len(out.Tasks))
	roundTrips(b, s, "listTasks", args)
}

// BenchmarkListTasksDefault1000 is BenchmarkListTasks1000 with the default
// filter (pending and in progress), the call agents make most. The seeded
// tasks are all pending, so it lists all 1,000 too.
func BenchmarkListTasksDefault1000(b *testing.B) {
	s := start(b, nil, "--db", dbPath(b))
	seed(b, s, 1000)
	var out server.ListTasksOutput
	json.Unmarshal([]byte(text(s.call("listTasks", map[string]any{}))), &out)
	if len(out.Tasks) != server.DefaultPageLimit || out.Remaining != 1000-server.DefaultPageLimit {
		b.Fatalf("listTasks with the default filter listed %d tasks, %d remaining; want %d and %d",
			len(out.Tasks), out.Remaining, server.DefaultPageLimit, 1000-server.DefaultPageLimit)
	}
	roundTrips(b, s, "listTasks", map[string]any{})
}

// BenchmarkListTasksScoped1000 measures one listTasks round trip over stdio
// on a database of 1,000 tasks when the answer is small: the ten children of
// one task. It separates the per-call cost from the cost of encoding a
// thousand tasks, which dominates BenchmarkListTasks1000.
func BenchmarkListTasksScoped1000(b *testing.B) {
	s := start(b, nil, "--db", dbPath(b))
	seed(b, s, 990)
	batch := []any{map[string]any{"title": "parent"}}
	for i := range 9 {
		batch = append(batch, map[string]any{"title": fmt.Sprintf("child %d", i), "parentIndex": 0})
	}
	res := s.call("addTasks", map[string]any{"tasks": batch})
	if res.IsError {
		b.Fatalf("addTasks: %s", text(res))
	}
	var parent struct {
		Tasks []struct{ ID string }
	}
	json.Unmarshal([]byte(text(res)), &parent)
	roundTrips(b, s, "listTasks", map[string]any{"parentId": parent.Tasks[0].ID})
}

// BenchmarkAddTasks10 measures one addTasks round trip of 10 tasks (a parent
// and nine children) over stdio.
func BenchmarkAddTasks10(b *testing.B) {
	s := start(b, nil, "--db", dbPath(b))
	batch := []any{map[string]any{"title": "parent"}}
	for i := range 9 {
		batch = append(batch, map[string]any{"title": fmt.Sprintf("child %d", i), "parentIndex": 0})
	}
	roundTrips(b, s, "addTasks", map[string]any{"tasks": batch})
}

// BenchmarkStartup measures the time from starting the process to the
// answer of the first tools/list, on an existing database.
func BenchmarkStartup(b *testing.B) {
	db := dbPath(b)
	s := start(b, nil, "--db", db)
	seed(b, s, 50)
	s.Close()
	var samples []time.Duration
	for b.Loop() {
		t0 := time.Now()
		cmd := exec.Command(binary, "--db", db)
		cmd.Env = cleanEnv()
		client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
		cs, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			b.Fatalf("connect: %v", err)
		}
		tools, err := cs.ListTools(context.Background(), nil)
		samples = append(samples, time.Since(t0))
		if err != nil || len(tools.Tools) == 0 {
			b.Fatalf("tools/list: %v", err)
		}
		cs.Close()
	}
	p50(b, samples)
}

// BenchmarkListTasks1000Raw is BenchmarkListTasks1000 with a client that
// writes the JSON-RPC request and reads the answer line without decoding
// it: the server's share of the round trip.
func BenchmarkListTasks1000Raw(b *testing.B) {
	db := dbPath(b)
	s := start(b, nil, "--db", db)
	seed(b, s, 1000)
	s.Close()

	cmd := exec.Command(binary, "--db", db)
	cmd.Env = cleanEnv()
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	r := bufio.NewReaderSize(stdout, 1<<20)
	send := func(line string) []byte {
		io.WriteString(stdin, line+"\n")
		if strings.Contains(line, `"id"`) {
			answer, err := r.ReadBytes('\n')
			if err != nil {
				b.Fatalf("read answer: %v", err)
			}
			return answer
		}
		return nil
	}
	send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	var samples []time.Duration
	id := 0
	for b.Loop() {
		id++
		req := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"listTasks","arguments":{"statuses":[],"limit":500}}}`, id)
		t0 := time.Now()
		answer := send(req)
		samples = append(samples, time.Since(t0))
		if len(answer) < 10_000 {
			b.Fatalf("short answer: %.200s", answer)
		}
	}
	p50(b, samples)
}
