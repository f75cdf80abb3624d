package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sessionAgents names the agent of each session that gives no name of its
// own: the client's name from initialize and a short random suffix, so
// that two sessions of the same client never share a claim. A session's
// name is forgotten when the session ends, so that an HTTP server that
// sees sessions come and go for months keeps only the live ones.
type sessionAgents struct {
	mu    sync.Mutex
	names map[*mcp.ServerSession]string
	none  string // the name of calls outside any session
}

func (a *sessionAgents) name(ss *mcp.ServerSession) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ss == nil {
		if a.none == "" {
			a.none = "mcp-client-" + suffix()
		}
		return a.none
	}
	if n, ok := a.names[ss]; ok {
		return n
	}
	client := "mcp-client"
	if p := ss.InitializeParams(); p != nil && p.ClientInfo != nil && p.ClientInfo.Name != "" {
		client = p.ClientInfo.Name
	}
	if a.names == nil {
		a.names = map[*mcp.ServerSession]string{}
	}
	n := client + "-" + suffix()
	a.names[ss] = n
	go func() {
		ss.Wait()
		a.forget(ss)
	}()
	return n
}

func (a *sessionAgents) forget(ss *mcp.ServerSession) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.names, ss)
}

// live is how many sessions have a name.
func (a *sessionAgents) live() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.names)
}

func suffix() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type sessionKey struct{}

// withSession carries the calling session in ctx for agent.
func withSession(ctx context.Context, ss *mcp.ServerSession) context.Context {
	return context.WithValue(ctx, sessionKey{}, ss)
}

// agent is the name a call's claims are recorded under: the tool's own
// agent argument, else the server's Options.Agent, else the session's.
func (t *tools) agent(ctx context.Context, given string) string {
	if given != "" {
		return given
	}
	if t.opts.Agent != "" {
		return t.opts.Agent
	}
	ss, _ := ctx.Value(sessionKey{}).(*mcp.ServerSession)
	return t.agents.name(ss)
}

// lease turns leaseSeconds into a duration; nil means the default.
func lease(seconds *int) (time.Duration, error) {
	if seconds == nil {
		return 0, nil
	}
	if *seconds < 1 {
		return 0, invalid("leaseSeconds", "%d is less than 1", *seconds)
	}
	return time.Duration(*seconds) * time.Second, nil
}

// claimTask claims a ready task by ID for the calling agent.
func (t *tools) claimTask(ctx context.Context, in ClaimTaskInput) (ClaimTaskOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return ClaimTaskOutput{}, err
	}
	d, err := lease(in.LeaseSeconds)
	if err != nil {
		return ClaimTaskOutput{}, err
	}
	task, err := t.store.Claim(ctx, taskstore.ClaimRequest{ID: in.TaskID, Agent: t.agent(ctx, in.Agent), Lease: d})
	if err != nil {
		return ClaimTaskOutput{}, err
	}
	return ClaimTaskOutput{Task: summary(*task, false)}, nil // a claimed task is never blocked
}

// claimNextTask picks and claims the next ready task in one write.
func (t *tools) claimNextTask(ctx context.Context, in ClaimNextTaskInput) (NextTaskOutput, error) {
	f, err := parseNextFilter(GetNextTaskInput{PriorityScore: in.PriorityScore, Priority: in.Priority})
	if err != nil {
		return NextTaskOutput{}, err
	}
	d, err := lease(in.LeaseSeconds)
	if err != nil {
		return NextTaskOutput{}, err
	}
	if in.ParentTaskID != "" {
		if err := requireID("parentTaskId", in.ParentTaskID); err != nil {
			return NextTaskOutput{}, err
		}
	}
	r := taskstore.ClaimRequest{ParentID: in.ParentTaskID, MinPriority: max(f.minScore, 0), Agent: t.agent(ctx, in.Agent), Lease: d}
	var out NextTaskOutput
	// One transaction (one hold of the lock) for the claim and its
	// context, so the context is the claimed task's as it was claimed.
	err = t.store.Transaction(ctx, func(ctx context.Context, tx taskstore.Store) error {
		task, err := tx.Claim(ctx, r)
		if err != nil || task == nil {
			return err
		}
		view := viewTask(*task)
		out = NextTaskOutput{Task: &view}
		out.Context, err = taskContext(ctx, tx, view, 0)
		return err
	})
	if err != nil {
		return NextTaskOutput{}, err
	}
	return out, nil
}

// renewClaim starts the caller's lease again.
func (t *tools) renewClaim(ctx context.Context, in ClaimTaskInput) (ClaimTaskOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return ClaimTaskOutput{}, err
	}
	d, err := lease(in.LeaseSeconds)
	if err != nil {
		return ClaimTaskOutput{}, err
	}
	return t.summarize(ctx, func(ctx context.Context, tx taskstore.Store) (taskstore.Task, error) {
		return tx.RenewClaim(ctx, in.TaskID, t.agent(ctx, in.Agent), d)
	})
}

// releaseClaim gives a claimed task back to pending.
func (t *tools) releaseClaim(ctx context.Context, in ReleaseClaimInput) (ClaimTaskOutput, error) {
	if err := requireID("taskId", in.TaskID); err != nil {
		return ClaimTaskOutput{}, err
	}
	return t.summarize(ctx, func(ctx context.Context, tx taskstore.Store) (taskstore.Task, error) {
		return tx.ReleaseClaim(ctx, in.TaskID, taskstore.StatusOptions{Agent: t.agent(ctx, in.Agent), Force: in.Force})
	})
}

// summarize runs the write fn in a transaction and answers with the
// summary of the task it returns.
func (t *tools) summarize(ctx context.Context, fn func(context.Context, taskstore.Store) (taskstore.Task, error)) (ClaimTaskOutput, error) {
	var out ClaimTaskOutput
	err := t.store.Transaction(ctx, func(ctx context.Context, tx taskstore.Store) error {
		task, err := fn(ctx, tx)
		if err != nil {
			return err
		}
		blocked, err := isBlocked(ctx, tx, task.ID)
		out.Task = summary(task, blocked)
		return err
	})
	return out, err
}
