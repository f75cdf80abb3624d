package testharness

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/astrotask/astrotask-go/taskstore/pgtest"
	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestPostgres runs the harness's exclusion, crash and claim-race scenarios
// against a real PostgreSQL server, each child process posing as a machine
// of its own (its lock shows its own host name). The processes share
// nothing but the server: the lock is the server's advisory lock, the
// counter a table in the task database.
func TestPostgres(t *testing.T) {
	built(t)
	base := pgtest.Own(t)
	newDB := func(t *testing.T) string {
		t.Helper()
		url, drop, err := pgtest.CreateDatabase(base, t.Name())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := drop(); err != nil {
				t.Error(err)
			}
		})
		if err := harness.InitPGCounter(context.Background(), url); err != nil {
			t.Fatal(err)
		}
		return url
	}
	t.Run("exclusion", func(t *testing.T) { pgExclusion(t, newDB(t)) })
	t.Run("control", func(t *testing.T) { pgControl(t, newDB(t)) })
	t.Run("crash mid-hold", func(t *testing.T) { pgCrashMidHold(t, newDB(t)) })
	t.Run("crash mid-write", func(t *testing.T) { pgCrashMidWrite(t, newDB(t)) })
	for _, mode := range []string{"locked", "unlocked"} {
		t.Run("claim race "+mode, func(t *testing.T) { pgClaimRace(t, newDB(t), mode == "locked") })
	}
}

// pgExclusion is scenario 1 on PostgreSQL: 6 machines take the exclusive
// lock 60 times each and increment the counter inside every hold. The
// intervals never overlap and no update is lost.
func pgExclusion(t *testing.T, url string) {
	const procs, holds = 6, 60
	dir := t.TempDir()
	var children []*harness.Child
	for i := range procs {
		a := generous
		a.DB, a.Count, a.Barrier, a.Owner, a.ProcessType = url, holds, true, name("machine-", i), "agent"
		a.Log = filepath.Join(dir, a.Owner+".log")
		children = append(children, start(t, a.Owner, harness.RolePGContend, a))
	}
	startAll(t, children)
	for _, c := range children {
		waitExit(t, c)
	}
	logs := readLogs(t, children, func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") })
	for _, lg := range logs {
		if len(lg.Intervals) != holds || lg.Fails != 0 {
			t.Errorf("%s: %d holds and %d failed acquisitions, want %d and 0", lg.Proc, len(lg.Intervals), lg.Fails, holds)
		}
	}
	sweep(t, logs)
	st := checkPGCounter(t, url, logs)
	if st.Counter != procs*holds {
		t.Errorf("counter = %d, want %d", st.Counter, procs*holds)
	}
}

// pgControl is pgExclusion's workload without the lock: the checks must
// catch it, or their zeros above would prove nothing.
func pgControl(t *testing.T, url string) {
	const procs, holds = 4, 150
	dir := t.TempDir()
	var children []*harness.Child
	for i := range procs {
		a := harness.Args{DB: url, Impl: harness.ImplNone, Count: holds, Barrier: true, Owner: name("n", i)}
		a.Log = filepath.Join(dir, a.Owner+".log")
		children = append(children, start(t, a.Owner, harness.RolePGContend, a))
	}
	startAll(t, children)
	for _, c := range children {
		waitExit(t, c)
	}
	logs := readLogs(t, children, func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") })
	st, err := harness.CheckPGCounter(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	checkControl(t, logs, st)
}

// pgHolderOf inspects the lock of url as lock-status does.
func pgHolderOf(t *testing.T, url string) lockcore.Status {
	t.Helper()
	loc, err := taskstore.Locate(url)
	if err != nil {
		t.Fatal(err)
	}
	st, err := taskstore.InspectLock(context.Background(), loc, lockcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// awaitPGWaiters polls until n sessions wait for the lock of url.
func awaitPGWaiters(t *testing.T, url string, n int) {
	t.Helper()
	got := 0
	err := harness.Poll(readyWithin, fmt.Sprintf("%d sessions waiting for the lock", n), func() (bool, error) {
		var err error
		got, err = harness.PGLockWaiters(context.Background(), url)
		return got == n, err
	})
	if err != nil {
		t.Fatalf("%v (%d waiting)", err, got)
	}
}

// pgCrashMidHold is scenario 3, first half, on PostgreSQL: machine-a holds
// the lock and is SIGKILLed while machine-b waits on the server with a
// long budget. The server ends the dead connection's session and with it
// the lock: machine-b gets in at once, and lock-status names it.
func pgCrashMidHold(t *testing.T, url string) {
	dir := t.TempDir()
	a := generous
	a.DB, a.Owner, a.ProcessType, a.Log = url, "machine-a", "cli", filepath.Join(dir, "holder.log")
	h := start(t, "holder", harness.RolePGHolder, a)
	expect(t, h, "holding")
	if st := pgHolderOf(t, url); !st.Locked || !st.Verified || st.Holder.PID != h.Pid() || st.Holder.Host != "machine-a" || st.Holder.Process != "cli" {
		t.Fatalf("lock status = %+v (holder %+v), want held by cli pid %d on machine-a", st, st.Holder, h.Pid())
	}

	b := generous
	b.DB, b.Owner, b.ProcessType, b.Log = url, "machine-b", "mcp-server", filepath.Join(dir, "waiter.log")
	w := start(t, "waiter", harness.RolePGHolder, b)
	expect(t, w, "waiting")
	awaitPGWaiters(t, url, 1)
	if err := h.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGKILLed holder pid %d (machine-a)", h.Pid())
	line := expect(t, w, "holding")
	if f := strings.Fields(line); len(f) == 3 {
		if at, err := strconv.ParseInt(f[2], 10, 64); err == nil {
			t.Logf("machine-b acquired %v after the SIGKILL", time.Duration(at-h.KilledAt))
		}
	}
	st := pgHolderOf(t, url)
	if !st.Locked || !st.Verified || st.Holder.PID != w.Pid() || st.Holder.Host != "machine-b" || st.Holder.Process != "mcp-server" {
		t.Errorf("lock status = %+v (holder %+v), want held by mcp-server pid %d on machine-b", st, st.Holder, w.Pid())
	}
	if err := w.Send("release"); err != nil {
		t.Fatal(err)
	}
	waitExit(t, w)
	if st := pgHolderOf(t, url); st.Locked || st.Leftover {
		t.Errorf("lock status after the release = %+v, want free with nothing left over", st)
	}
	sweep(t, readLogs(t, []*harness.Child{h, w}, func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }))
}

// pgCrashMidWrite is scenario 3, second half, on PostgreSQL: the holder
// commits 20 counter writes and is SIGKILLed with a write transaction
// open, while another machine waits. Afterwards every acknowledged write
// is present, the open transaction left nothing, and the other machine's
// writes went through.
func pgCrashMidWrite(t *testing.T, url string) {
	const committed = 20
	dir := t.TempDir()
	h := start(t, "holder", harness.RolePGHolder, harness.Args{DB: url, Count: committed, InTx: true, Owner: "holder", Log: filepath.Join(dir, "holder.log")})
	expect(t, h, "intx")
	expect(t, h, "holding")
	a := generous
	a.DB, a.Count, a.Owner, a.Log = url, 5, "after", filepath.Join(dir, "after.log")
	after := start(t, "after", harness.RolePGContend, a)
	awaitPGWaiters(t, url, 1)
	if err := h.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGKILLed holder pid %d inside its write transaction", h.Pid())
	waitExit(t, after)
	logs := readLogs(t, []*harness.Child{h, after}, func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") })
	sweep(t, logs)
	st := checkPGCounter(t, url, logs)
	checkAfterCrash(t, st, committed, a.Count)
}

// pgClaimRace has 4 machines claim the same 40 tasks in the same order:
// each task is claimed exactly once, with the cooperative lock or by the
// conditional UPDATE alone.
func pgClaimRace(t *testing.T, url string, locked bool) {
	const procs, tasks = 4, 40
	ctx := context.Background()
	s, err := taskstore.OpenLocal(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	batch := make([]taskstore.BatchTask, tasks)
	for i := range batch {
		batch[i] = taskstore.BatchTask{NewTask: taskstore.NewTask{Title: fmt.Sprintf("task %d", i)}}
	}
	if _, err := s.AddTasks(ctx, batch); err != nil {
		t.Fatal(err)
	}
	var children []*harness.Child
	for i := range procs {
		a := generous
		a.DB, a.Barrier, a.Owner, a.ProcessType = url, true, name("machine-", i), "agent"
		if !locked {
			a.Impl = harness.ImplNone
		}
		children = append(children, start(t, a.Owner, harness.RolePGClaim, a))
	}
	startAll(t, children)
	claimedBy := map[string]string{}
	for _, c := range children {
		waitExit(t, c)
		n := 0
		for _, l := range c.Lines() {
			if id, ok := strings.CutPrefix(l, "claimed "); ok {
				if prev, dup := claimedBy[id]; dup {
					t.Errorf("task %s claimed by %s and by %s", id, prev, c.Name)
				}
				claimedBy[id] = c.Name
				n++
			}
		}
		t.Logf("%s claimed %d tasks", c.Name, n)
	}
	if len(claimedBy) != tasks {
		t.Errorf("%d tasks claimed, want all %d", len(claimedBy), tasks)
	}
	inProgress, err := s.ListTasksByStatus(ctx, taskstore.StatusInProgress)
	if err != nil || len(inProgress) != tasks {
		t.Errorf("%d tasks in progress, %v; want %d", len(inProgress), err, tasks)
	}
}

// checkPGCounter is checkCounter for the PostgreSQL counter.
func checkPGCounter(t *testing.T, url string, logs []harness.Log) harness.CounterState {
	t.Helper()
	st, err := harness.CheckPGCounter(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	checkCounterState(t, st, logs, func(lg harness.Log) string { return lg.Proc })
	return st
}
