package testharness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// TestChaos is scenario 4: four processes do locked counter writes in a
// loop while the test SIGKILLs a random one, after a random number of its
// holds, 50 times, starting a fresh process in its place each time.
// Afterwards no two holds overlapped, every acknowledged write is present,
// no update was lost, the database is intact, and the lock is free.
func TestChaos(t *testing.T) {
	const slots, kills = 4, 100
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir, db := newCounterDB(t)
	logOf := func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }

	var all []*harness.Child
	incarnation := 0
	spawn := func(slot int) *harness.Child {
		incarnation++
		a := generous
		a.DB, a.Loop, a.Counter, a.Progress = db, true, true, 1
		a.Owner = fmt.Sprintf("s%d-i%d", slot, incarnation)
		a.Log = filepath.Join(dir, a.Owner+".log")
		c := start(t, a.Owner, harness.RoleContend, a)
		all = append(all, c)
		return c
	}
	killRandomly(t, rng, slots, kills, 4, spawn)

	logs := readLogs(t, all, logOf)
	inHold := 0
	for _, lg := range logs {
		if lg.KilledInHold {
			inHold++
		}
		if lg.Fails != 0 {
			t.Errorf("%s: %d acquisitions past the budget, want 0", lg.Proc, lg.Fails)
		}
	}
	t.Logf("%d kills, %d of them inside a hold", kills, inHold)
	sweep(t, logs)
	checkCounter(t, db, logs, func(lg harness.Log) string { return lg.Proc })

	st, err := lockcore.Inspect(db, lockcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Locked {
		t.Errorf("Inspect after the chaos = %+v, want the lock free", st)
	}
	l := lockcore.New(db, lockcore.Options{MaxRetries: 1, RetryDelay: time.Millisecond})
	ok, err := l.TryAcquire()
	if err != nil || !ok {
		t.Fatalf("TryAcquire after the chaos = %v, %v; want true, nil", ok, err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}

// TestChaosTaskstore is scenario 4 through the real store: three processes
// add tasks through taskstore's LockingStore, one Transaction per task,
// while the test SIGKILLs a random one 50 times and restarts it. No two
// holds overlapped, every acknowledged task is in the database, SQLite's
// integrity check passes, and the lock is free.
func TestChaosTaskstore(t *testing.T) {
	const slots, kills = 3, 50
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	db := filepath.Join(dir, "tasks.db")
	logOf := func(c *harness.Child) string { return filepath.Join(dir, c.Name+".log") }

	var all []*harness.Child
	spawn := func(slot int) *harness.Child {
		a := generous
		a.DB, a.Progress, a.ProcessType = db, 1, "cli"
		a.Owner = fmt.Sprintf("s%d-i%d", slot, len(all)+1)
		a.Log = filepath.Join(dir, a.Owner+".log")
		c := start(t, a.Owner, harness.RoleTaskWriter, a)
		all = append(all, c)
		return c
	}
	killRandomly(t, rng, slots, kills, 3, spawn)

	logs := readLogs(t, all, logOf)
	sweep(t, logs)
	ctx := context.Background()
	s, err := taskstore.OpenLocal(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := s.ListTasks(ctx, taskstore.Filter{Statuses: []taskstore.Status{}})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]int{}
	for _, task := range tasks {
		titles[task.Title]++
	}
	acked, inHold := 0, 0
	for _, lg := range logs {
		if lg.KilledInHold {
			inHold++
		}
		for _, seq := range lg.Acks {
			acked++
			if n := titles[harness.TaskTitle(lg.Proc, seq)]; n != 1 {
				t.Errorf("acknowledged task %s is in the database %d times, want once", harness.TaskTitle(lg.Proc, seq), n)
			}
		}
	}
	t.Logf("%d kills (%d inside a hold); %d tasks acknowledged, %d in the database", kills, inHold, acked, len(tasks))
	checkIntegrity(t, db)
	st, err := lockcore.Inspect(db, lockcore.Options{})
	if err != nil || st.Locked {
		t.Errorf("Inspect after the chaos = %+v, %v; want the lock free", st, err)
	}
}

// checkIntegrity runs SQLite's integrity check on the database at db.
func checkIntegrity(t *testing.T, db string) {
	t.Helper()
	conn, err := harness.OpenDB(db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, want ok", res)
	}
}

// killRandomly keeps slots children of spawn running and kills kills of
// them, each chosen at random after 1 to maxProgress of its "progress"
// lines, putting a fresh child in its slot. Then it closes every running
// child's stdin and waits for all to exit.
func killRandomly(t *testing.T, rng *rand.Rand, slots, kills, maxProgress int, spawn func(slot int) *harness.Child) {
	t.Helper()
	running := make([]*harness.Child, slots)
	for i := range running {
		running[i] = spawn(i)
	}
	for k := range kills {
		slot := rng.IntN(slots)
		victim := running[slot]
		for range 1 + rng.IntN(maxProgress) {
			expect(t, victim, "progress")
		}
		if err := victim.Kill(); err != nil {
			t.Fatalf("kill %d: %v", k+1, err)
		}
		running[slot] = spawn(slot)
	}
	for _, c := range running {
		if err := c.CloseStdin(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range running {
		waitExit(t, c)
	}
}
