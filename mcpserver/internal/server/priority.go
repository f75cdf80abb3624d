package server

import (
	"strings"

	"github.com/astrotask/astrotask-go/taskstore"
)

// levels maps the priority level names to the score a new task gets and to
// the lowest score that still counts as that level (below 20 is low, 20 to
// 70 medium, above 70 high).
var levels = map[string]struct{ score, floor int }{
	"low":    {taskstore.PriorityLow, taskstore.MinPriority},
	"medium": {taskstore.PriorityMedium, 20},
	"high":   {taskstore.PriorityHigh, 71},
}

// levelScore returns the score of a new task at level s.
func levelScore(field, s string) (int, error) {
	l, ok := levels[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, invalid(field, "%q is not a priority level (want low, medium or high)", s)
	}
	return l.score, nil
}

// levelFloor returns the lowest score at level s.
func levelFloor(field, s string) (int, error) {
	l, ok := levels[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, invalid(field, "%q is not a priority level (want low, medium or high)", s)
	}
	return l.floor, nil
}

// checkScore checks that a priority score is in range.
func checkScore(field string, n int) error {
	if n < taskstore.MinPriority || n > taskstore.MaxPriority {
		return invalid(field, "%d is out of range %d-%d", n, taskstore.MinPriority, taskstore.MaxPriority)
	}
	return nil
}
