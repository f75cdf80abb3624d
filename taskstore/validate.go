package taskstore

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the free-text fields besides Title and Description.
const (
	// MaxIDLen is the longest task ID accepted.
	MaxIDLen = 128
	// MaxPRDLen is the longest PRD, in characters.
	MaxPRDLen = 100_000
	// MaxContextDigestLen is the longest ContextDigest, in characters.
	MaxContextDigestLen = 10_000
	// MaxContextDescriptionLen is the longest context slice description.
	MaxContextDescriptionLen = 20_000
	// MaxContextTypeLen is the longest context slice type.
	MaxContextTypeLen = 50
)

// ParseStatus returns the Status named by s. Matching ignores case and
// surrounding space, and accepts "in_progress" for "in-progress". Anything
// else fails with an *InvalidError (ErrInvalid) for field "status" that lists
// the valid statuses.
func ParseStatus(s string) (Status, error) {
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	for _, st := range Statuses {
		if string(st) == norm {
			return st, nil
		}
	}
	return "", invalid("status", "%q is not one of %s", s, statusList())
}

func statusList() string {
	names := make([]string, len(Statuses))
	for i, st := range Statuses {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, st := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// Closed reports whether s is done, cancelled or archived: a task in a
// closed state is not available, and neither are its descendants.
func (s Status) Closed() bool {
	return s == StatusDone || s == StatusCancelled || s == StatusArchived
}

// ParsePriority returns the priority score named by s: "low", "medium" or
// "high" (PriorityLow, PriorityMedium, PriorityHigh; case-insensitive), or a
// whole number from MinPriority to MaxPriority. Anything else fails with an
// *InvalidError (ErrInvalid) for field "priority".
func ParsePriority(s string) (int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "low":
		return PriorityLow, nil
	case "medium":
		return PriorityMedium, nil
	case "high":
		return PriorityHigh, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < MinPriority || n > MaxPriority {
		return 0, invalid("priority", "%q is not low, medium, high or a whole number from %d to %d", s, MinPriority, MaxPriority)
	}
	return n, nil
}

// PriorityLevel names the level of a priority score: "low" below 20, "high"
// above 70, "medium" in between (inclusive).
func PriorityLevel(score int) string {
	switch {
	case score < 20:
		return "low"
	case score > 70:
		return "high"
	default:
		return "medium"
	}
}

// ValidateTaskID reports whether id can name a task. A valid ID is 1 to
// MaxIDLen ASCII letters, digits, '-', '_' and '.', starts and ends with a
// letter or digit, and has no two separators in a row: generated IDs
// ("ABCD", "ABCD-EFGH"), numbered IDs ("12", "3.1") and ProjectRootID all
// pass. Failures are *InvalidError (ErrInvalid) for field "id".
func ValidateTaskID(id string) error {
	if id == ProjectRootID {
		return nil
	}
	if id == "" {
		return invalid("id", "task ID is empty")
	}
	if len(id) > MaxIDLen {
		return invalid("id", "task ID is longer than %d characters", MaxIDLen)
	}
	prevSep := true // a separator may not come first
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case isAlnum(c):
			prevSep = false
		case c == '-' || c == '_' || c == '.':
			if prevSep {
				return invalid("id", "task ID %q has a misplaced %q", id, string(c))
			}
			prevSep = true
		default:
			return invalid("id", "task ID %q may only contain letters, digits, '-', '_' and '.'", printable(id))
		}
	}
	if prevSep {
		return invalid("id", "task ID %q ends with a separator", id)
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// printable makes s safe to quote in a one-line message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// checkText validates a free-text field: valid UTF-8, no control characters
// other than tab and newlines, at most max characters, and (when required)
// not blank.
func checkText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if required && strings.TrimSpace(s) == "" {
		return invalid(field, "is required")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "is %d characters long; the limit is %d", n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return invalid(field, "contains the control character %U", r)
		}
	}
	return nil
}

// checkTitle validates a task or context slice title: a required text
// field of at most MaxTitleLen characters that is one line, so that a title
// can never pass for several rows of a listing. A tab is allowed; a carriage
// return or line feed is not.
func checkTitle(s string) error {
	if err := checkText("title", s, MaxTitleLen, true); err != nil {
		return err
	}
	if strings.ContainsAny(s, "\r\n") {
		return invalid("title", "contains a line break (CR or LF); a title is one line")
	}
	return nil
}

func checkStatus(s Status) error {
	if !s.Valid() {
		return invalid("status", "%q is not one of %s", printable(string(s)), statusList())
	}
	return nil
}

func checkPriority(p int) error {
	if p < MinPriority || p > MaxPriority {
		return invalid("priority", "%d is outside %d..%d", p, MinPriority, MaxPriority)
	}
	return nil
}

// normalize fills NewTask defaults and validates every field except the
// parent's existence, which needs the database.
func (t NewTask) normalize() (NewTask, error) {
	if t.Status == "" {
		t.Status = StatusPending
	}
	if t.PriorityScore == nil {
		p := DefaultPriority
		t.PriorityScore = &p
	}
	if t.ParentID == "" {
		t.ParentID = ProjectRootID
	}
	if err := checkTitle(t.Title); err != nil {
		return t, err
	}
	if err := checkText("description", t.Description, MaxDescriptionLen, false); err != nil {
		return t, err
	}
	if err := checkStatus(t.Status); err != nil {
		return t, err
	}
	if err := checkPriority(*t.PriorityScore); err != nil {
		return t, err
	}
	if err := checkText("prd", t.PRD, MaxPRDLen, false); err != nil {
		return t, err
	}
	if err := checkText("contextDigest", t.ContextDigest, MaxContextDigestLen, false); err != nil {
		return t, err
	}
	if err := ValidateTaskID(t.ParentID); err != nil {
		return t, invalid("parentId", "%s", err.(*InvalidError).Reason)
	}
	return t, nil
}

// check validates every field the patch sets.
func (p TaskPatch) check() error {
	if p.Title != nil {
		if err := checkTitle(*p.Title); err != nil {
			return err
		}
	}
	if p.Description != nil {
		if err := checkText("description", *p.Description, MaxDescriptionLen, false); err != nil {
			return err
		}
	}
	if p.Status != nil {
		if err := checkStatus(*p.Status); err != nil {
			return err
		}
	}
	if p.PriorityScore != nil {
		if err := checkPriority(*p.PriorityScore); err != nil {
			return err
		}
	}
	if p.PRD != nil {
		if err := checkText("prd", *p.PRD, MaxPRDLen, false); err != nil {
			return err
		}
	}
	if p.ContextDigest != nil {
		if err := checkText("contextDigest", *p.ContextDigest, MaxContextDigestLen, false); err != nil {
			return err
		}
	}
	if p.ParentID != nil && *p.ParentID != "" {
		if err := ValidateTaskID(*p.ParentID); err != nil {
			return invalid("parentId", "%s", err.(*InvalidError).Reason)
		}
	}
	return nil
}

// normalize fills NewContextSlice defaults and validates it.
func (c NewContextSlice) normalize() (NewContextSlice, error) {
	if c.ContextType == "" {
		c.ContextType = DefaultContextType
	}
	if err := ValidateTaskID(c.TaskID); err != nil {
		return c, invalid("taskId", "%s", err.(*InvalidError).Reason)
	}
	if err := checkTitle(c.Title); err != nil {
		return c, err
	}
	if err := checkText("description", c.Description, MaxContextDescriptionLen, false); err != nil {
		return c, err
	}
	if err := checkText("contextType", c.ContextType, MaxContextTypeLen, true); err != nil {
		return c, err
	}
	return c, nil
}
