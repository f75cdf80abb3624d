// Package server is the Astrotask MCP server: the tools that let an MCP
// client read and change a task database, and the HTTP handler that serves
// them over the Streamable HTTP transport.
//
// The server holds no lock of its own. Every tool call goes through the
// taskstore.Store it is given; when that is a LockingStore (as returned by
// taskstore.Open) each call takes the database lock for that one operation
// and releases it before answering, so an idle server never keeps the CLI out.
package server

import (
	"context"
	"log/slog"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the implementation name the server reports to clients.
const Name = "astrotask-mcp"

// Version is the implementation version the server reports by default.
const Version = "0.1.0"

// ProcessType is the process name the server's locks record, so that
// `astro task lock-status` and lock errors say "mcp-server".
const ProcessType = "mcp-server"

// Options configures New. The zero value is usable: a silent server whose
// lockStatus tool fails with ErrNoLocation.
type Options struct {
	// Location is where the store lives. The lockStatus tool inspects the
	// lock of this location.
	Location taskstore.Location
	// LockOptions are used by the lockStatus tool to describe the lock
	// (StaleTimeout marks a holder as possibly hung).
	LockOptions lockcore.Options
	// Logger receives one debug record per tool call and an error record for
	// every failure that is not a domain error. nil means silent.
	Logger *slog.Logger
	// Version is the reported implementation version; "" means Version.
	Version string
	// Agent is the name claims are recorded under when a tool call names
	// no agent; "" means the MCP client's name from initialize plus a
	// short suffix unique to the session.
	Agent string
}

// New returns an MCP server with every Astrotask tool registered against
// store. The server is safe for concurrent tool calls and for several
// sessions at once; it does not close store.
func New(store taskstore.Store, opts Options) *mcp.Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	version := opts.Version
	if version == "" {
		version = Version
	}
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Version: version}, &mcp.ServerOptions{
		Instructions: instructions,
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}},
	})
	t := &tools{store: store, opts: opts, log: opts.Logger, agents: &sessionAgents{}}
	t.register(s)
	return s
}

const instructions = `Astrotask is a task database shared with the astro CLI. ` +
	`Call claimNextTask to find and start work in one step (or getNextTask, then claimTask), ` +
	`addTaskContext to record findings, renewClaim on long work, ` +
	`and updateStatus to finish. Task IDs look like ABCD (top level) or ABCD-EFGH (subtask).`

// tools binds the tool handlers to one store.
type tools struct {
	store  taskstore.Store
	opts   Options
	log    *slog.Logger
	agents *sessionAgents
}

// inspectLock reports the state of the database lock.
func (t *tools) inspectLock(ctx context.Context) (lockcore.Status, error) {
	if t.opts.Location == (taskstore.Location{}) {
		return lockcore.Status{}, ErrNoLocation
	}
	return taskstore.InspectLock(ctx, t.opts.Location, t.opts.LockOptions)
}

// read runs several reads as one: under one shared hold of the database
// lock, so they see one state (no cooperating writer can change it
// meanwhile) without keeping other readers out. Without a Location the
// lock cannot be named, and a transaction gives the same consistency.
func (t *tools) read(ctx context.Context, fn func(ctx context.Context, s taskstore.Store) error) error {
	if t.opts.Location == (taskstore.Location{}) {
		return t.store.Transaction(ctx, fn)
	}
	return taskstore.HoldLock(ctx, t.opts.Location, lockcore.ModeShared, t.opts.LockOptions, func(ctx context.Context) error {
		return fn(ctx, t.store)
	})
}
