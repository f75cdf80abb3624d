package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/astrotask/astrotask-go/mcpserver/internal/server"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ExampleNew serves a task database to an MCP client over the SDK's
// in-memory transport and creates a small batch with addTasks.
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "astrotask.db")
	store, err := taskstore.Open(ctx, taskstore.Options{DataDir: db})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	loc, _ := taskstore.Locate(db)
	srv := server.New(store, server.Options{Location: loc})

	clientT, serverT := mcp.NewInMemoryTransports()
	ss, _ := srv.Connect(ctx, serverT, nil)
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "example"}, nil).Connect(ctx, clientT, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close()

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "addTasks", Arguments: map[string]any{
		"tasks": []any{
			map[string]any{"title": "Write the parser", "priorityScore": 0},
			map[string]any{"title": "Tokenizer", "parentIndex": 0},
		},
	}})
	if err != nil {
		log.Fatal(err)
	}
	var out server.AddTasksOutput
	b, _ := json.Marshal(res.StructuredContent)
	json.Unmarshal(b, &out)
	fmt.Println(out.Tasks[0].Title, out.Tasks[0].PriorityScore)
	fmt.Println(out.Tasks[1].Title, "is a subtask:", out.Tasks[1].ParentID == out.Tasks[0].ID)
	// Output:
	// Write the parser 0
	// Tokenizer is a subtask: true
}

// ExampleHandler serves the tools over Streamable HTTP at /mcp, with a
// health check at /health.
func ExampleHandler() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	store, err := taskstore.Open(ctx, taskstore.Options{DataDir: filepath.Join(dir, "astrotask.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	h := server.Handler(server.New(store, server.Options{}), server.HTTPOptions{Token: "s3cret"})
	hs := httptest.NewServer(h) // listens on 127.0.0.1
	defer hs.Close()

	resp, err := http.Get(hs.URL + "/health")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))

	resp, _ = http.Post(hs.URL+"/mcp", "application/json", nil)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "without the token")
	// Output:
	// 200 {"name":"astrotask-mcp","status":"ok","version":"0.1.0"}
	// 401 without the token
}
