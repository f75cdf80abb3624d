package main

import (
	"fmt"
	"path/filepath"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// Crash is crash recovery: from the SIGKILL of a holder to the moment a
// waiter, already waiting with default options, holds the lock.
type Crash struct {
	Kills     int       `json:"kills"`
	P50Ms     float64   `json:"p50Ms"`
	P99Ms     float64   `json:"p99Ms"`
	MaxMs     float64   `json:"maxMs"`
	SamplesMs []float64 `json:"samplesMs"`
}

// runCrash kills kills holders, parallel of them at a time, each in its
// own directory.
func runCrash(r *runner, kills int) (*Crash, error) {
	return runCrashParallel(r, kills, 1)
}

func runCrashParallel(r *runner, kills, parallel int) (*Crash, error) {
	var samples []int64
	for done := 0; done < kills; done += parallel {
		got, err := crashRound(r, min(parallel, kills-done))
		if err != nil {
			return nil, err
		}
		samples = append(samples, got...)
	}
	c := &Crash{Kills: kills, P50Ms: ms(percentile(samples, 50)), P99Ms: ms(percentile(samples, 99)), MaxMs: ms(percentile(samples, 100))}
	for _, s := range samples {
		c.SamplesMs = append(c.SamplesMs, ms(s))
	}
	return c, nil
}

func crashRound(r *runner, n int) ([]int64, error) {
	dir, cleanup, err := tempDir("crash")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	var g group
	defer g.stop()
	// Every process starts and loads first; then the holders acquire
	// together, then the waiters start waiting, and the holders are killed
	// at once: a crash right after acquiring, the same for every holder
	// (the reference's wait depends on the age of the dead holder's record).
	holders, waiters := make([]*harness.Child, n), make([]*harness.Child, n)
	db := func(i int) string { return filepath.Join(dir, fmt.Sprint(i), "crash.db") }
	for i := range n {
		a := harness.Args{DB: db(i), Barrier: true}
		if holders[i], err = r.start(fmt.Sprintf("%s-holder%d", r.name, i), harness.RoleHolder, a); err != nil {
			return nil, err
		}
		g = append(g, holders[i])
		if waiters[i], err = r.start(fmt.Sprintf("%s-waiter%d", r.name, i), harness.RoleWaiter, a); err != nil {
			return nil, err
		}
		g = append(g, waiters[i])
	}
	if err := awaitAll(g, "ready"); err != nil {
		return nil, err
	}
	if err := sendAll(holders, "go"); err != nil {
		return nil, err
	}
	if err := awaitAll(holders, "holding"); err != nil {
		return nil, err
	}
	if err := sendAll(waiters, "go"); err != nil {
		return nil, err
	}
	if err := awaitAll(waiters, "waiting"); err != nil {
		return nil, err
	}
	if r.await != nil {
		for i, w := range waiters {
			if err := r.await(harness.LockPath(db(i)), w.Pid(), within); err != nil {
				return nil, err
			}
		}
	}
	for _, h := range holders {
		if err := h.Kill(); err != nil {
			return nil, err
		}
	}
	samples := make([]int64, n)
	for i, w := range waiters {
		var res harness.WaitResult
		if err := w.ExpectJSON("result ", within, &res); err != nil {
			return nil, err
		}
		if !res.OK {
			return nil, fmt.Errorf("%s after the holder died: %s", w.Name, res.Error)
		}
		samples[i] = res.AcquiredAt - holders[i].KilledAt
		if err := w.Wait(within); err != nil {
			return nil, err
		}
	}
	return samples, nil
}
