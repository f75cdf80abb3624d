package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// FuzzAddTasks sends arbitrary arguments to addTasks. Every call ends in a
// result (never a protocol error or a crash): either a one-line tool error,
// or the batch as asked, with parents set from parentIndex.
func FuzzAddTasks(f *testing.F) {
	for _, seed := range []string{
		`{"tasks":[{"title":"a"}]}`,
		`{"tasks":[{"title":"a","priorityScore":0},{"title":"b","parentIndex":0,"dependsOn":[0]}]}`,
		`{"tasks":[{"title":"a","parentIndex":0}]}`,
		`{"tasks":[{"title":"a","dependsOn":[-1]}]}`,
		`{"tasks":[{"title":"a","status":"DONE","priority":"High"}]}`,
		`{"tasks":[{"title":"a","parentTaskId":"__PROJECT_ROOT__"}]}`,
		`{"tasks":[{"title":"\u0000","description":"x"}]}`,
		`{"tasks":{}}`,
		`{"tasks":[{"title":"a","details":"d","dependsOnTaskIds":["A"]}]}`,
		`[]`,
		`null`,
	} {
		f.Add(seed)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, args string) {
		if !json.Valid([]byte(args)) {
			return
		}
		res, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "addTasks", Arguments: json.RawMessage(args)})
		if err != nil {
			// The SDK refuses arguments that are not an object before the
			// tool runs; that is a protocol error by design.
			if strings.HasPrefix(strings.TrimSpace(args), "{") {
				t.Fatalf("addTasks(%s): protocol error %v", args, err)
			}
			return
		}
		if res.IsError {
			if msg := text(res); msg == "" || strings.Contains(msg, "\n") || strings.HasPrefix(msg, "internal error") {
				t.Fatalf("addTasks(%s): error text %q, want one line naming the problem", args, msg)
			}
			return
		}
		var in server.AddTasksInput
		json.Unmarshal([]byte(args), &in)
		var out server.AddTasksOutput
		if err := json.Unmarshal([]byte(text(res)), &out); err != nil || len(out.Tasks) != len(in.Tasks) {
			t.Fatalf("addTasks(%s) = %s, want %d tasks", args, text(res), len(in.Tasks))
		}
		for i, nt := range in.Tasks {
			if nt.ParentIndex != nil && out.Tasks[i].ParentID != out.Tasks[*nt.ParentIndex].ID {
				t.Fatalf("addTasks(%s): task %d parent %s, want %s", args, i, out.Tasks[i].ParentID, out.Tasks[*nt.ParentIndex].ID)
			}
			if nt.PriorityScore != nil && out.Tasks[i].PriorityScore != *nt.PriorityScore {
				t.Fatalf("addTasks(%s): task %d score %d, want %d", args, i, out.Tasks[i].PriorityScore, *nt.PriorityScore)
			}
		}
	})
}
