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
	positive := func(p *jsonschema.Schema) { p.Minimum = jsonschema.Ptr(1.0) }
	nonNegative := func(p *jsonschema.Schema) { p.Minimum = jsonschema.Ptr(0.0) }

	add(s, t, &mcp.Tool{
		Name:        "getNextTask",
		Description: "The next task to work on: the highest-priority pending task whose dependencies are done.",
		Annotations: readOnly(),
	}, t.getNextTask, props{"status": enum(statuses), "priorityScore": score, "priority": enum(levels)})

	add(s, t, &mcp.Tool{
		Name:        "claimNextTask",
		Description: "Start work: atomically take the next task (as getNextTask) with a lease; no other agent gets it.",
		Annotations: changes(false, false),
	}, t.claimNextTask, props{"priorityScore": score, "priority": enum(levels), "leaseSeconds": positive})

	add(s, t, &mcp.Tool{
		Name:        "claimTask",
		Description: "Take a ready task with a lease. Fails during another agent's lease.",
		Annotations: changes(false, false),
	}, t.claimTask, props{"leaseSeconds": positive})

	add(s, t, &mcp.Tool{
		Name:        "renewClaim",
		Description: "Extend your lease on a task. Your own writes to it renew it too.",
		Annotations: changes(false, false),
	}, t.renewClaim, props{"leaseSeconds": positive})

	add(s, t, &mcp.Tool{
		Name:        "releaseClaim",
		Description: "Give a claimed task back: it is pending again at once.",
		Annotations: changes(false, true),
	}, t.releaseClaim, nil)

	add(s, t, &mcp.Tool{
		Name:        "getTask",
		Description: "A task with its subtasks, dependencies and context, newest first; long parts cut, with how to read on.",
		Annotations: readOnly(),
	}, t.getTask, props{"contextSkip": nonNegative})

	add(s, t, &mcp.Tool{
		Name:        "readText",
		Description: "Read on where an answer cut a long text.",
		Annotations: readOnly(),
	}, t.readText, props{"offset": nonNegative})

	add(s, t, &mcp.Tool{
		Name:        "listTasks",
		Description: "Task summaries in creation order, a page at a time; each task once even while tasks are added.",
		Annotations: readOnly(),
	}, t.listTasks, props{"statuses": func(p *jsonschema.Schema) { p.Items.Enum = statuses }, "limit": func(p *jsonschema.Schema) {
		p.Minimum, p.Maximum = jsonschema.Ptr(1.0), jsonschema.Ptr(float64(MaxPageLimit))
	}})

	add(s, t, &mcp.Tool{
		Name:        "addTasks",
		Description: "Create tasks, all or none; a task may name an earlier one of the batch as parent or dependency.",
		Annotations: changes(false, false),
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
		Name:        "updateTask",
		Description: "Edit a task's title, description, priority or parent. Moves into its own subtree are refused.",
		Annotations: changes(true, true),
	}, t.updateTask, props{"priorityScore": score, "priority": enum(levels), "title": func(p *jsonschema.Schema) {
		p.MinLength, p.MaxLength = jsonschema.Ptr(1), jsonschema.Ptr(taskstore.MaxTitleLen)
	}})

	add(s, t, &mcp.Tool{
		Name:        "updateStatus",
		Description: "Set a task's status, with cascade its subtree's (cancelled work never becomes done). Refused during another agent's lease.",
		Annotations: changes(false, true),
	}, t.updateStatus, props{"status": enum(statuses)})

	add(s, t, &mcp.Tool{
		Name:        "deleteTask",
		Description: "Delete a task with its context; refused while other tasks depend on it, unless forced.",
		Annotations: changes(true, true),
	}, t.deleteTask, nil)

	add(s, t, &mcp.Tool{
		Name:        "addTaskContext",
		Description: "Record findings, decisions or notes on a task.",
		Annotations: changes(false, false),
	}, t.addTaskContext, nil)

	add(s, t, &mcp.Tool{
		Name:        "addDependency",
		Description: "Make a task wait until another is done. Cycles are refused.",
		Annotations: changes(false, true),
	}, t.addDependency, nil)

	add(s, t, &mcp.Tool{
		Name:        "removeDependency",
		Description: "Remove a dependency.",
		Annotations: changes(true, false),
	}, t.removeDependency, nil)

	add(s, t, &mcp.Tool{
		Name:        "lockStatus",
		Description: "Who holds the database lock, since when, and whether the holder looks hung.",
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
	tool.InputSchema, tool.OutputSchema = in, outputSchema[Out]()
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
	return &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true}
}

// changes annotates a tool that writes the database: destructive when it
// deletes or overwrites, idempotent when calling it again with the same
// arguments changes nothing more.
func changes(destructive, idempotent bool) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{DestructiveHint: jsonschema.Ptr(destructive), IdempotentHint: idempotent}
}

// inputSchema derives the JSON Schema of In and applies adjust.
func inputSchema[In any](adjust props) *jsonschema.Schema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("input schema for %T: %v", *new(In), err))
	}
	s.AdditionalProperties = nil
	dropNull(s)
	for name, fn := range adjust {
		p, ok := s.Properties[name]
		if !ok {
			panic(fmt.Sprintf("input schema for %T: no property %q", *new(In), name))
		}
		fn(p)
	}
	return s
}
