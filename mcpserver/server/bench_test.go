package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// seedEnv adds n top-level tasks.
func seedEnv(e *env, n int) {
	for done := 0; done < n; done += 50 {
		batch := make([]any, min(50, n-done))
		for i := range batch {
			batch[i] = task(fmt.Sprintf("task %d", done+i), "priorityScore", (done+i)%101)
		}
		call[any](e, "addTasks", map[string]any{"tasks": batch})
	}
}

// BenchmarkListTasksInProcess is listTasks on 1,000 tasks over the
// in-memory transport: the server's own cost without a process boundary.
func BenchmarkListTasksInProcess(b *testing.B) {
	e := newEnv(b)
	seedEnv(e, 1000)
	args := map[string]any{"statuses": []string{}}
	for b.Loop() {
		res, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "listTasks", Arguments: args})
		if err != nil || res.IsError {
			b.Fatalf("listTasks: %v %v", err, res)
		}
	}
}

// BenchmarkStoreListTasks is the store's ListTasks on 1,000 tasks: the
// baseline for BenchmarkListTasksInProcess.
func BenchmarkStoreListTasks(b *testing.B) {
	e := newEnv(b)
	seedEnv(e, 1000)
	for b.Loop() {
		tasks, err := e.store.ListTasks(context.Background(), taskstore.Filter{Statuses: []taskstore.Status{}})
		if err != nil || len(tasks) != 1000 {
			b.Fatalf("ListTasks = %d tasks, %v", len(tasks), err)
		}
	}
}
