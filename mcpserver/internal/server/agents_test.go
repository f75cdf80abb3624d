package server

import (
	"context"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestSessionAgentsForgetEndedSessions: a session's default agent name
// lasts as long as the session, and is the same for all its calls.
func TestSessionAgentsForgetEndedSessions(t *testing.T) {
	ctx := context.Background()
	srv := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	var a sessionAgents
	var clients []*mcp.ClientSession
	var names []string
	for range 3 {
		ct, st := mcp.NewInMemoryTransports()
		ss, err := srv.Connect(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, ct, nil)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, cs)
		n := a.name(ss)
		if again := a.name(ss); again != n {
			t.Errorf("one session named %q, then %q", n, again)
		}
		names = append(names, n)
	}
	if names[0] == names[1] || names[1] == names[2] || names[0] == names[2] {
		t.Errorf("sessions of one client share a name: %q", names)
	}
	if got := a.live(); got != 3 {
		t.Fatalf("%d sessions named, want 3", got)
	}
	for _, cs := range clients[:2] {
		cs.Close()
	}
	deadline := time.Now().Add(time.Minute)
	for a.live() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d names kept a minute after 2 of 3 sessions ended, want 1", a.live())
		}
		time.Sleep(5 * time.Millisecond) // polling for the sessions' ends, with a deadline
	}
	clients[2].Close()
}
