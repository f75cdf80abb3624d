package server

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxBatch is the largest number of tasks one addTasks call may create.
const MaxBatch = 50

// register adds every tool to s.
func (t *tools) register(s *mcp.Server) {
	statuses := make([]any, len(taskstore.Statuses))
	for i, st := range taskstore.Statuses {
		statuses[i] = string(st)
	}
	levels := []any{"low", "medium", "high"}
	score := func(p *jsonschema.Schema) {
		p.Minimum, p.Maximum = jsonschema.Ptr(float64(taskstore.MinPriority)), jsonschema.Ptr(float64(taskstore.MaxPriority))
	}
	enum := func(values []any) func(*jsonschema.Schema) {
		return func(p *jsonschema.Schema) { p.Enum = values }
	}

	add(s, t, &mcp.Tool{
		Name: "getNextTask",
		Description: "Get the highest-priority task that is ready to work on (no unfinished dependencies), " +
			"with its subtasks, dependencies and context. Returns task null when nothing is available.",
		Annotations: readOnly(),
	}, t.getNextTask, props{"status": enum(statuses), "priorityScore": score, "priority": enum(levels)})

	add(s, t, &mcp.Tool{
		Name:        "getTask",
		Description: "Get one task by ID with its subtasks, dependencies, dependents and context slices.",
		Annotations: readOnly(),
	}, t.getTask, nil)

	add(s, t, &mcp.Tool{
		Name: "addTasks",
		Description: fmt.Sprintf("Create 1 to %d tasks atomically (all or none). A task may name an earlier task of the "+
			"same batch as its parent (parentIndex) or as a dependency (dependsOn), by zero-based index.", MaxBatch),
		Annotations: changes(false),
	}, t.addTasks, props{"tasks": func(p *jsonschema.Schema) {
		p.MinItems, p.MaxItems = jsonschema.Ptr(1), jsonschema.Ptr(MaxBatch)
		item := p.Items
		item.AdditionalProperties = nil
		item.Properties["status"].Enum = statuses
		item.Properties["priority"].Enum = levels
		score(item.Properties["priorityScore"])
		item.Properties["title"].MinLength = jsonschema.Ptr(1)
		item.Properties["title"].MaxLength = jsonschema.Ptr(taskstore.MaxTitleLen)
		item.Properties["parentIndex"].Minimum = jsonschema.Ptr(0.0)
		item.Properties["dependsOn"].Items.Minimum = jsonschema.Ptr(0.0)
	}})

	add(s, t, &mcp.Tool{
		Name:        "listTasks",
		Description: "List tasks, by default the pending and in-progress ones, in creation order.",
		Annotations: readOnly(),
	}, t.listTasks, props{"statuses": func(p *jsonschema.Schema) { p.Items.Enum = statuses }})

	add(s, t, &mcp.Tool{
		Name:        "addTaskContext",
		Description: "Attach a piece of context (findings, decisions, notes) to a task.",
		Annotations: changes(false),
	}, t.addTaskContext, nil)

	add(s, t, &mcp.Tool{
		Name:        "addDependency",
		Description: "Record that one task cannot start until another is done. Refused if it would create a cycle.",
		Annotations: changes(false),
	}, t.addDependency, nil)

	add(s, t, &mcp.Tool{
		Name: "updateStatus",
		Description: "Set a task's status, optionally for all its descendants too (cascade). " +
			"Cancelled and archived descendants are never turned into done.",
		Annotations: changes(false),
	}, t.updateStatus, props{"status": enum(statuses)})

	add(s, t, &mcp.Tool{
		Name:        "deleteTask",
		Description: "Delete a task with its context and dependencies; with cascade, its descendants too.",
		Annotations: changes(true),
	}, t.deleteTask, nil)

	add(s, t, &mcp.Tool{
		Name: "claimTask",
		Description: "Atomically move a ready pending task to in-progress for you, with a lease. Fails if another agent " +
			"holds it or a dependency is not done, so two agents never work on the same task.",
		Annotations: changes(false),
	}, t.claimTask, nil)

	add(s, t, &mcp.Tool{
		Name: "claimNextTask",
		Description: "Pick the next ready task (as getNextTask) and claim it in one step; no other agent can win it. " +
			"Returns it with its context, or task null when nothing is free.",
		Annotations: changes(false),
	}, t.claimNextTask, props{"priorityScore": score, "priority": enum(levels)})

	add(s, t, &mcp.Tool{
		Name:        "renewClaim",
		Description: "Extend your claim's lease on a task you are still working on. Your own writes to the task renew it too.",
		Annotations: changes(false),
	}, t.renewClaim, nil)

	add(s, t, &mcp.Tool{
		Name:        "releaseClaim",
		Description: "Give a claimed task back: it is pending again at once.",
		Annotations: changes(false),
	}, t.releaseClaim, nil)

	add(s, t, &mcp.Tool{
		Name:        "removeDependency",
		Description: "Remove a dependency between two tasks.",
		Annotations: changes(true),
	}, t.removeDependency, nil)

	add(s, t, &mcp.Tool{
		Name: "lockStatus",
		Description: "Describe the database lock: whether it is held, by whom, since when, and whether the holder " +
			"looks hung (the same facts as `astro task lock-status --json`).",
		Annotations: readOnly(),
	}, t.lockStatus, nil)
}

// props adjusts the derived schemas of named top-level input properties.
type props map[string]func(*jsonschema.Schema)

// add registers one tool whose handler fn returns its output or an error.
//
// It derives the input schema from In (accepting unknown properties, as the
// reference server does) and the output schema from Out, validates the
// arguments, turns errors into one-line tool errors, and converts a panic
// into a tool error so one bad call cannot stop the server. The output is
// marshaled once, with json.Marshal, and sent as both structured content
// and text.
//
// The SDK's generic mcp.AddTool would do the same but also re-decode and
// validate every output against its schema, which more than doubles the
// cost of a large listing; outputs are our own types, and the tests check
// them against the advertised schemas instead.
func add[In, Out any](s *mcp.Server, t *tools, tool *mcp.Tool, fn func(context.Context, In) (Out, error), adjust props) {
	in := inputSchema[In](adjust)
	resolved, err := in.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("%s: resolve input schema: %v", tool.Name, err))
	}
	out, err := jsonschema.For[Out](nil)
	if err != nil {
		panic(fmt.Sprintf("%s: output schema: %v", tool.Name, err))
	}
	tool.InputSchema, tool.OutputSchema = in, out
	name := tool.Name
	s.AddTool(tool, func(ctx context.Context, req *mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		start := time.Now()
		defer func() {
			if r := recover(); r != nil {
				t.log.Error("tool panicked", "tool", name, "panic", r, "stack", string(debug.Stack()))
				res = errorResult(&ToolError{Reason: oneLine(fmt.Sprintf("internal error: %v", r))})
			}
			t.log.Debug("tool call", "tool", name, "duration", time.Since(start), "isError", res != nil && res.IsError)
		}()
		args, err := decodeArgs[In](req.Params.Arguments, resolved)
		if err != nil {
			return errorResult(&ToolError{Reason: oneLine(err.Error()), Err: err}), nil
		}
		v, err := fn(withSession(ctx, req.Session), args)
		if err != nil {
			return errorResult(t.toolError(name, err)), nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return errorResult(t.toolError(name, fmt.Errorf("encode result: %w", err))), nil
		}
		return &mcp.CallToolResult{
			StructuredContent: json.RawMessage(b),
			Content:           []mcp.Content{&mcp.TextContent{Text: string(b)}},
		}, nil
	})
}

// decodeArgs validates raw arguments against the input schema and decodes
// them. Missing arguments count as {}.
func decodeArgs[In any](raw json.RawMessage, schema *jsonschema.Resolved) (In, error) {
	var in In
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return in, invalid("arguments", "not JSON: %v", err)
	}
	if err := schema.Validate(generic); err != nil {
		return in, invalid("arguments", "%v", err)
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return in, invalid("arguments", "%v", err)
	}
	return in, nil
}

// errorResult is the tool result for a failed call: isError set and the
// one-line reason as the only content.
func errorResult(err error) *mcp.CallToolResult {
	res := &mcp.CallToolResult{}
	res.SetError(err)
	return res
}

// readOnly annotates a tool that only reads the database.
func readOnly() *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: jsonschema.Ptr(false)}
}

// changes annotates a tool that writes the database; destructive when it
// deletes or overwrites.
func changes(destructive bool) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{DestructiveHint: jsonschema.Ptr(destructive), OpenWorldHint: jsonschema.Ptr(false)}
}

// inputSchema derives the JSON Schema of In and applies adjust.
func inputSchema[In any](adjust props) *jsonschema.Schema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("input schema for %T: %v", *new(In), err))
	}
	s.AdditionalProperties = nil
	for name, fn := range adjust {
		p, ok := s.Properties[name]
		if !ok {
			panic(fmt.Sprintf("input schema for %T: no property %q", *new(In), name))
		}
		fn(p)
	}
	return s
}
