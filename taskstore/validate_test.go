package taskstore

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]Status{
		"pending": StatusPending, "In-Progress": StatusInProgress, "in_progress": StatusInProgress,
		" done ": StatusDone, "BLOCKED": StatusBlocked, "cancelled": StatusCancelled, "archived": StatusArchived,
	} {
		if got, err := ParseStatus(in); got != want || err != nil {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "open", "canceled", "in progress"} {
		_, err := ParseStatus(in)
		wantInvalid(t, err, "status")
		if !strings.Contains(err.Error(), "pending, in-progress, blocked, done, cancelled, archived") {
			t.Errorf("ParseStatus(%q) error %q does not list the valid statuses", in, err)
		}
	}
}

func TestParsePriority(t *testing.T) {
	for in, want := range map[string]int{"low": 10, "Medium": 50, "HIGH": 80, "0": 0, "100": 100, " 42 ": 42} {
		if got, err := ParsePriority(in); got != want || err != nil {
			t.Errorf("ParsePriority(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "101", "urgent", "5.5", "0x10"} {
		_, err := ParsePriority(in)
		wantInvalid(t, err, "priority")
	}
}

func TestPriorityLevel(t *testing.T) {
	for score, want := range map[int]string{0: "low", 19: "low", 20: "medium", 70: "medium", 71: "high", 100: "high",
		PriorityLow: "low", PriorityMedium: "medium", PriorityHigh: "high"} {
		if got := PriorityLevel(score); got != want {
			t.Errorf("PriorityLevel(%d) = %q, want %q", score, got, want)
		}
	}
}

func TestValidateTaskID(t *testing.T) {
	for _, id := range []string{"ABCD", "ABCD-EFGH", "ABCD-EFGH-IJKL", "12", "3.1", "task_7", ProjectRootID, "a", strings.Repeat("A", MaxIDLen),
		"0b8c7c1e-2f4a-4a57-9d6e-1c1b5e0a9f3d"} {
		if err := ValidateTaskID(id); err != nil {
			t.Errorf("ValidateTaskID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range []string{"", "-A", "A-", "A--B", "A-.B", "_A", "A B", "A/B", "Ä", "A\x00", strings.Repeat("A", MaxIDLen+1), "__PROJECT_ROOT"} {
		err := ValidateTaskID(id)
		wantInvalid(t, err, "id")
	}
}

func FuzzValidateTaskID(f *testing.F) {
	for _, s := range []string{"ABCD", "ABCD-EFGH", ProjectRootID, "", "-", "a..b", "x\xff", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := ValidateTaskID(id)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) || ie.Field != "id" {
				t.Fatalf("ValidateTaskID(%q) = %v, not an *InvalidError for id", id, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		// Accepted IDs are safe to print, quote and use in paths and SQL.
		if id == ProjectRootID {
			return
		}
		if len(id) == 0 || len(id) > MaxIDLen {
			t.Fatalf("accepted ID of length %d", len(id))
		}
		for _, r := range id {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				t.Fatalf("accepted %q with %q", id, r)
			}
		}
		if strings.Contains(id, "--") || strings.HasPrefix(id, "-") || strings.HasSuffix(id, "-") || strings.HasPrefix(id, ".") {
			t.Fatalf("accepted malformed ID %q", id)
		}
		// A generated child ID under an accepted ID is accepted too.
		if len(id)+5 <= MaxIDLen {
			if err := ValidateTaskID(id + "-ABCD"); err != nil {
				t.Fatalf("child of %q rejected: %v", id, err)
			}
		}
	})
}

// TestTitleIsOneLine: a CR or LF in a title is refused however the title
// arrives (add, batch, update, import, context slice), and nothing is
// written; other text fields keep their line breaks.
func TestTitleIsOneLine(t *testing.T) {
	ctx := context.Background()
	s := keepOpen(t)(OpenLocal(ctx, sqliteDB.new(t)))
	task := mustAddID(t, s, "KEEP", NewTask{Title: "kept", Description: "line one\r\nline two"})
	for _, title := range []string{"fake\n[ ] ROW  pending  medium (50)  injected", "carriage\rreturn", "trailing\n"} {
		_, err := s.AddTask(ctx, NewTask{Title: title})
		wantInvalid(t, err, "title")
		if !strings.Contains(err.Error(), "line break") {
			t.Errorf("AddTask(title %q) = %q, want it to name the line break", title, err)
		}
		_, err = s.AddTasks(ctx, []BatchTask{{NewTask: NewTask{Title: "fine"}}, {NewTask: NewTask{Title: title}}})
		wantInvalid(t, err, "batch[1].title")
		_, err = s.UpdateTask(ctx, task.ID, TaskPatch{Title: &title})
		wantInvalid(t, err, "title")
		_, err = s.Import(ctx, Document{Version: 1, Tasks: []Task{{ID: "IMP", Title: title}}}, ImportOptions{})
		wantInvalid(t, err, "tasks[0].title")
		_, err = s.AddContextSlice(ctx, NewContextSlice{TaskID: task.ID, Title: title})
		wantInvalid(t, err, "title")
	}
	if got := allTasks(t, s); len(got) != 1 || got[0].Title != "kept" {
		t.Errorf("tasks after refused titles = %+v, want KEEP alone, unchanged", got)
	}
	if sl, err := s.ListContextSlices(ctx, task.ID); err != nil || len(sl) != 0 {
		t.Errorf("context slices after refused titles = %v, %v; want none", sl, err)
	}
	if _, err := s.AddTask(ctx, NewTask{Title: "a\ttab is fine"}); err != nil {
		t.Errorf("AddTask(title with a tab) = %v", err)
	}
}
