package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/astrotask/astrotask-go/taskstore"
)

// writeJSON prints v as indented JSON followed by a newline. Strings come
// out as terminal-safe as the text format: encoding/json escapes C0
// controls (and U+2028, U+2029) itself, and jsonSafe escapes what it leaves
// raw, so a document shown on a terminal cannot act on it. The value
// decoded is the same.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	if _, err := w.Write(jsonSafe(buf.Bytes())); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// jsonSafe rewrites, in encoded JSON, every DEL, C1 control and other rune
// that clean escapes as a \u escape (a surrogate pair above U+FFFF). Such
// runes only occur inside strings, where the escape means the same rune.
// The input is valid UTF-8, as encoding/json writes it.
func jsonSafe(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || r >= 0x80 && unsafeRune(r) {
			out = appendUEscape(out, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// appendUEscape appends r as a JSON \u escape.
func appendUEscape(out []byte, r rune) []byte {
	if r > 0xffff {
		hi, lo := utf16.EncodeRune(r)
		return fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
	}
	return fmt.Appendf(out, `\u%04x`, r)
}

// ANSI colours used by the human format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// paint wraps s in an ANSI colour when colour is on.
func (e *env) paint(color, s string) string {
	if !e.color || color == "" {
		return s
	}
	return color + s + ansiReset
}

// statusColor is the colour of a status in the human format.
func statusColor(s taskstore.Status) string {
	switch s {
	case taskstore.StatusInProgress:
		return ansiYellow
	case taskstore.StatusBlocked:
		return ansiRed
	case taskstore.StatusDone:
		return ansiGreen
	case taskstore.StatusCancelled, taskstore.StatusArchived:
		return ansiDim
	}
	return ""
}

// glyph is the status mark used by lists and trees.
func glyph(s taskstore.Status) string {
	switch s {
	case taskstore.StatusInProgress:
		return "[>]"
	case taskstore.StatusBlocked:
		return "[!]"
	case taskstore.StatusDone:
		return "[x]"
	case taskstore.StatusCancelled:
		return "[-]"
	case taskstore.StatusArchived:
		return "[=]"
	}
	return "[ ]"
}

// priority renders a score as "high (80)".
func priority(score int) string {
	return fmt.Sprintf("%s (%d)", taskstore.PriorityLevel(score), score)
}

// taskLine is the one-line form of a task used by list, done and next.
func (e *env) taskLine(t taskstore.Task) string {
	// Pad before painting: escape codes must not count as width.
	return fmt.Sprintf("%s %s %s %-13s %s",
		e.paint(statusColor(t.Status), glyph(t.Status)),
		e.paint(ansiBold, fmt.Sprintf("%-14s", clean(t.ID))),
		e.paint(statusColor(t.Status), fmt.Sprintf("%-12s", clean(string(t.Status)))),
		priority(t.PriorityScore),
		clean(t.Title)) + claimNote(t)
}

// claimNote is " [agent until 14:05:10 UTC]" for a task whose lease runs
// (by the local clock), else "".
func claimNote(t taskstore.Task) string {
	if t.Status != taskstore.StatusInProgress || t.LeaseExpiresAt == nil || !t.LeaseExpiresAt.After(time.Now()) {
		return ""
	}
	who := t.Assignee
	if who == "" {
		who = "claimed"
	}
	return " [" + clean(who) + " until " + t.LeaseExpiresAt.UTC().Format("15:04:05 UTC") + "]"
}

// printTaskLines prints tasks one a line, or empty when there are none.
func (e *env) printTaskLines(tasks []taskstore.Task, empty string) {
	if len(tasks) == 0 {
		fmt.Fprintln(e.stdout, empty)
		return
	}
	for _, t := range tasks {
		fmt.Fprintln(e.stdout, e.taskLine(t))
	}
}

// printTask prints the detailed form of a task used by get, add and update.
// Every stored value is printed through clean (cleanBlock for multi-line
// text).
func (e *env) printTask(t taskstore.Task) {
	parent := clean(t.ParentID)
	if parent == "" || parent == taskstore.ProjectRootID {
		parent = "(top level)"
	}
	rows := [][2]string{
		{"ID", e.paint(ansiBold, clean(t.ID))},
		{"Title", clean(t.Title)},
		{"Status", e.paint(statusColor(t.Status), clean(string(t.Status)))},
		{"Priority", priority(t.PriorityScore)},
		{"Parent", parent},
	}
	if t.Description != "" {
		rows = append(rows, [2]string{"Description", cleanBlock(t.Description, detailIndent)})
	}
	if t.PRD != "" {
		rows = append(rows, [2]string{"PRD", cleanBlock(t.PRD, detailIndent)})
	}
	if t.Assignee != "" {
		rows = append(rows, [2]string{"Assignee", clean(t.Assignee)})
	}
	if t.ClaimedAt != nil {
		rows = append(rows, [2]string{"Claimed", t.ClaimedAt.UTC().Format(time.RFC3339)})
	}
	if t.LeaseExpiresAt != nil {
		rows = append(rows, [2]string{"Lease until", t.LeaseExpiresAt.UTC().Format(time.RFC3339)})
	}
	if t.ForcedBy != "" && t.ForcedAt != nil {
		rows = append(rows, [2]string{"Forced", clean(t.ForcedBy) + " at " + t.ForcedAt.UTC().Format(time.RFC3339)})
	}
	rows = append(rows,
		[2]string{"Created", t.CreatedAt.UTC().Format(time.RFC3339)},
		[2]string{"Updated", t.UpdatedAt.UTC().Format(time.RFC3339)})
	for _, r := range rows {
		fmt.Fprintf(e.stdout, "%-12s %s\n", r[0]+":", r[1])
	}
}

// detailIndent lines up the continuation lines of a multi-line field of
// printTask with its first line.
const detailIndent = "             "
