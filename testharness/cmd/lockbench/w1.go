package main

import (
	"fmt"
	"path/filepath"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// W1 is the contention workload: Procs processes each acquire PerProc
// times, holding HoldMs, with the implementation's default options.
type W1 struct {
	Procs   int     `json:"procs"`
	PerProc int     `json:"perProc"`
	HoldMs  float64 `json:"holdMs"`
	// WallMs runs from the first acquisition to the last release.
	WallMs float64 `json:"wallMs"`
	// Utilisation is the sum of the holds over WallMs.
	Utilisation float64 `json:"utilisation"`
	WaitP50Ms   float64 `json:"waitP50Ms"`
	WaitP99Ms   float64 `json:"waitP99Ms"`
	WaitMaxMs   float64 `json:"waitMaxMs"`
	// MinAcq and MeanAcq count successful acquisitions per process.
	MinAcq  int     `json:"minAcquisitions"`
	MeanAcq float64 `json:"meanAcquisitions"`
	// Failed counts acquisitions that gave up after the budget.
	Failed          int      `json:"failed"`
	Overlaps        int      `json:"overlaps"`
	OverlapExamples []string `json:"overlapExamples,omitempty"`
}

func runW1(r *runner, c config) (*W1, error) {
	dir, cleanup, err := tempDir("w1")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	db := filepath.Join(dir, "w1.db")
	var g group
	defer g.stop()
	for i := range c.procs {
		a := harness.Args{DB: db, Count: c.perProc, Hold: c.hold, Barrier: true, Log: filepath.Join(dir, fmt.Sprintf("p%d.log", i))}
		ch, err := r.start(fmt.Sprintf("%s-p%d", r.name, i), harness.RoleContend, a)
		if err != nil {
			return nil, err
		}
		g = append(g, ch)
	}
	if err := awaitAll(g, "ready"); err != nil {
		return nil, err
	}
	if err := sendAll(g, "go"); err != nil {
		return nil, err
	}
	for _, ch := range g {
		if err := ch.Wait(10 * within); err != nil {
			return nil, err
		}
	}
	w := &W1{Procs: c.procs, PerProc: c.perProc, HoldMs: ms(int64(c.hold)), MinAcq: c.perProc}
	var ivs []harness.Interval
	var waits []int64
	for i, ch := range g {
		lg, err := harness.ReadLog(filepath.Join(dir, fmt.Sprintf("p%d.log", i)), ch.Name, 0)
		if err != nil {
			return nil, err
		}
		ivs = append(ivs, lg.Intervals...)
		waits = append(waits, lg.Waits...)
		w.Failed += lg.Fails
		w.MinAcq = min(w.MinAcq, len(lg.Intervals))
	}
	if len(ivs) == 0 {
		return nil, fmt.Errorf("no acquisition succeeded")
	}
	w.MeanAcq = float64(len(ivs)) / float64(c.procs)
	first, last, held := ivs[0].Enter, ivs[0].Leave, int64(0)
	for _, iv := range ivs {
		first, last = min(first, iv.Enter), max(last, iv.Leave)
		held += iv.Leave - iv.Enter
	}
	w.WallMs = ms(last - first)
	w.Utilisation = float64(held) / float64(last-first)
	w.WaitP50Ms, w.WaitP99Ms, w.WaitMaxMs = ms(percentile(waits, 50)), ms(percentile(waits, 99)), ms(percentile(waits, 100))
	sw := harness.Sweep(ivs)
	w.Overlaps, w.OverlapExamples = sw.Overlaps, sw.Examples
	return w, nil
}
