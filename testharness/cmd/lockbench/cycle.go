package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// Cycle is the uncontended exclusive acquire+release, in nanoseconds: the
// median over alternating rounds of lockcore and of the raw baseline.
type Cycle struct {
	Rounds   int     `json:"rounds"`
	PerRound int     `json:"perRound"`
	RawNs    float64 `json:"rawNs"`
	OursNs   float64 `json:"oursNs"`
	PeerNs   float64 `json:"peerNs,omitempty"`
}

func measureCycle(rounds, n int) (*Cycle, error) {
	dir, cleanup, err := tempDir("cycle")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	ctx := context.Background()
	ours := lockcore.New(filepath.Join(dir, "ours", "cycle.db"), lockcore.Options{ProcessType: "lockbench"})
	raw, err := harness.OpenRawLock(filepath.Join(dir, "raw", "cycle.db"))
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	timeIt := func(acquire func(context.Context) error, release func() error) (float64, error) {
		t0 := harness.Mono()
		for range n {
			if err := acquire(ctx); err != nil {
				return 0, fmt.Errorf("acquire: %w", err)
			}
			if err := release(); err != nil {
				return 0, fmt.Errorf("release: %w", err)
			}
		}
		return float64(harness.Mono()-t0) / float64(n), nil
	}
	var rawNs, oursNs []float64
	for r := range rounds + 1 { // round 0 warms up and is dropped
		o, err := timeIt(ours.Acquire, ours.Release)
		if err != nil {
			return nil, err
		}
		w, err := timeIt(raw.Acquire, raw.Release)
		if err != nil {
			return nil, err
		}
		if r > 0 {
			oursNs, rawNs = append(oursNs, o), append(rawNs, w)
		}
	}
	return &Cycle{Rounds: rounds, PerRound: n, RawNs: median(rawNs), OursNs: median(oursNs)}, nil
}
