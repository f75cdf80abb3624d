package harness

import (
	"fmt"
	"slices"
)

// Interval is one hold of the lock as seen by its holder: Enter is recorded
// after the acquisition returned and Leave before the release was called, so
// the interval lies inside the real hold. Times are Mono readings.
type Interval struct {
	Proc   string // which process incarnation held it
	Enter  int64
	Leave  int64
	Shared bool
}

// SweepResult is what Sweep found.
type SweepResult struct {
	Intervals int
	// Overlaps counts intervals that began while a conflicting interval of
	// another holder was still open: any interval against an exclusive one,
	// an exclusive one against any. Zero means mutual exclusion held.
	Overlaps int
	// SharedOverlaps counts shared intervals that began while another shared
	// interval was open: proof that readers really share.
	SharedOverlaps int
	// Examples describes the first few overlaps.
	Examples []string
}

// Sweep sorts the intervals by Enter and counts the overlaps in one pass.
func Sweep(ivs []Interval) SweepResult {
	ivs = slices.Clone(ivs)
	slices.SortFunc(ivs, func(a, b Interval) int {
		if a.Enter != b.Enter {
			return cmpInt(a.Enter, b.Enter)
		}
		return cmpInt(a.Leave, b.Leave)
	})
	res := SweepResult{Intervals: len(ivs)}
	var anyEnd, exclEnd, sharedEnd Interval // the open interval ending last, per kind
	for _, iv := range ivs {
		switch {
		case !iv.Shared && iv.Enter < anyEnd.Leave:
			res.overlap(iv, anyEnd)
		case iv.Shared && iv.Enter < exclEnd.Leave:
			res.overlap(iv, exclEnd)
		}
		if iv.Shared && iv.Enter < sharedEnd.Leave && sharedEnd.Proc != iv.Proc {
			res.SharedOverlaps++
		}
		if iv.Leave > anyEnd.Leave {
			anyEnd = iv
		}
		if !iv.Shared && iv.Leave > exclEnd.Leave {
			exclEnd = iv
		}
		if iv.Shared && iv.Leave > sharedEnd.Leave {
			sharedEnd = iv
		}
	}
	return res
}

func (r *SweepResult) overlap(iv, other Interval) {
	r.Overlaps++
	if len(r.Examples) < 5 {
		r.Examples = append(r.Examples, fmt.Sprintf("%s entered %s at %d while %s held %s until %d (%d ns overlap)",
			iv.Proc, mode(iv.Shared), iv.Enter, other.Proc, mode(other.Shared), other.Leave, other.Leave-iv.Enter))
	}
}

func mode(shared bool) string {
	if shared {
		return "shared"
	}
	return "exclusive"
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
