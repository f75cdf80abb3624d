package server

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/astrotask/astrotask-go/taskstore"
)

// Every answer fits an agent's context: with default arguments no answer is
// over AnswerBudget estimated tokens, however large the database. Lists are
// paged, the lists in a task's context are capped, and long texts are cut
// with a marker that says how to read the rest (readText).
const (
	// AnswerBudget is the most estimated tokens an answer's JSON may have.
	AnswerBudget = 9000
	// ReadBudget is the most estimated tokens of text one readText call
	// returns.
	ReadBudget = 7000

	descriptionBudget = 2000 // a task's description
	prdBudget         = 1000 // a task's PRD
	digestBudget      = 500  // a task's context digest
	sliceBudget       = 1000 // each context slice's description
	listsBudget       = 3500 // the subtasks, dependencies and dependents together
	maxListed         = 20   // the most tasks of each of those lists
	minSliceBudget    = 400  // what a context slice gets even when the budget is spent
)

// estimateTokens returns an upper-bound estimate of the tokens that the
// JSON encoding of s costs in Claude's tokenizer: three quarters of a token
// for an ASCII letter or digit, one for other ASCII, two for any other
// character, and what escapes cost. Measured against the tokenizer, it is
// above the true count for English, code, random letters and digits, CJK,
// Cyrillic and emoji, by about 2.4 times for English prose.
func estimateTokens(s string) int {
	quarters := 0
	for _, r := range s {
		quarters += runeQuarters(r)
	}
	return (quarters + 3) / 4
}

// runeQuarters is estimateTokens' cost of one character, in quarter tokens.
func runeQuarters(r rune) int {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return 3
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
		return 8 // a two-character escape
	case r < 0x20 || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029:
		return 20 // \u00XX
	case r < utf8.RuneSelf:
		return 4
	default:
		return 8
	}
}

// estimateJSON is estimateTokens of v's JSON encoding.
func estimateJSON(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	quarters := 0
	for _, r := range string(b) {
		// The encoding has already escaped what needs escaping.
		if r < utf8.RuneSelf && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			quarters += 4
			continue
		}
		quarters += runeQuarters(r)
	}
	return (quarters + 3) / 4
}

// textPart is a long text of a task that answers may cut: the task's
// description, PRD or context digest, or a context slice's description
// (named by the slice's ID).
const (
	partDescription   = "description"
	partPRD           = "prd"
	partContextDigest = "contextDigest"
)

// cutText returns s whole if its estimate is within budget, and otherwise
// its beginning, cut between characters, with a marker naming the first
// character not shown and how to read on from there.
func cutText(s string, budget int, taskID, part string) string {
	if estimateTokens(s) <= budget {
		return s
	}
	total := utf8.RuneCountInString(s)
	end, shown := prefix(s, 0, budget-60)
	return fmt.Sprintf("%s… [cut at character %d of %d: readText with taskId %q, part %q, offset %d reads on]",
		s[:end], shown, total, taskID, part, shown)
}

// prefix returns the byte length and the character count of the longest
// prefix of s[from:] within budget estimated tokens.
func prefix(s string, from, budget int) (end, chars int) {
	quarters := 0
	end = from
	for i, r := range s[from:] {
		quarters += runeQuarters(r)
		if quarters > 4*budget {
			return from + i, chars
		}
		chars++
		end = from + i + utf8.RuneLen(r)
	}
	return end, chars
}

// viewTask is t with its long texts cut to their budgets.
func viewTask(t taskstore.Task) taskstore.Task {
	t.Description = cutText(t.Description, descriptionBudget, t.ID, partDescription)
	t.PRD = cutText(t.PRD, prdBudget, t.ID, partPRD)
	t.ContextDigest = cutText(t.ContextDigest, digestBudget, t.ID, partContextDigest)
	return t
}

// TaskSummary is a task as lists show it: what an agent needs to choose a
// task, never its description or context.
type TaskSummary struct {
	ID            string           `json:"id"`
	Title         string           `json:"title"`
	Status        taskstore.Status `json:"status"`
	PriorityScore int              `json:"priorityScore"`
	ParentID      string           `json:"parentId,omitempty"`
	Assignee      string           `json:"assignee,omitempty"`
	// ClaimedAt is when Assignee claimed the task.
	ClaimedAt *time.Time `json:"claimedAt,omitempty"`
	// LeaseExpiresAt is when the claim's lease ends.
	LeaseExpiresAt *time.Time `json:"leaseExpiresAt,omitempty"`
	// Blocked is true when a dependency of the task is not done.
	Blocked bool `json:"blocked,omitempty"`
}

func summary(t taskstore.Task, blocked bool) TaskSummary {
	return TaskSummary{ID: t.ID, Title: t.Title, Status: t.Status, PriorityScore: t.PriorityScore,
		ParentID: t.ParentID, Assignee: t.Assignee, ClaimedAt: t.ClaimedAt, LeaseExpiresAt: t.LeaseExpiresAt, Blocked: blocked}
}

// fit appends the summaries of tasks to a list while there is budget, at
// most limit of them, and returns the list and how many did not fit.
func fit(tasks []taskstore.Task, blocked func(int) bool, limit int, budget *int) ([]TaskSummary, int) {
	out := []TaskSummary{}
	for i, t := range tasks {
		s := summary(t, blocked(i))
		cost := estimateJSON(s) + 1
		if len(out) == limit || cost > *budget {
			return out, len(tasks) - i
		}
		*budget -= cost
		out = append(out, s)
	}
	return out, 0
}
