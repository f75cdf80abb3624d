package taskstore

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutMiddle(t *testing.T) {
	if got := CutMiddle("short", 10); got != "short" {
		t.Errorf("CutMiddle(short) = %q", got)
	}
	long := "start " + strings.Repeat("é", 5000) + " the end"
	got := CutMiddle(long, 1000)
	if len(got) > 1000 || !utf8.ValidString(got) {
		t.Fatalf("CutMiddle(%d bytes) = %d bytes, valid UTF-8 %v; want at most %d, valid", len(long), len(got), utf8.ValidString(got), 1000)
	}
	if !strings.HasPrefix(got, "start ") || !strings.HasSuffix(got, " the end") || !strings.Contains(got, " bytes cut] ... ") {
		t.Errorf("CutMiddle(...) = %q, want the start, a marker and the end", got)
	}
	for limit := 0; limit < 60; limit++ {
		if got := CutMiddle(long, limit); len(got) > max(limit, len(" ... [10014 bytes cut] ... ")) || !utf8.ValidString(got) {
			t.Errorf("CutMiddle(long, %d) = %q", limit, got)
		}
	}
}
