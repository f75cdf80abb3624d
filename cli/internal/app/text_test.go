package app

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Write the parser", "Write the parser"},
		{"", ""},
		{"naïve café 日本語 🙂", "naïve café 日本語 🙂"},
		{"family 👨\u200d👩\u200d👧", "family 👨\u200d👩\u200d👧"}, // ZWJ stays
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"one\r\ntwo\tthree", `one\x0d\x0atwo\x09three`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"\u200e\u200f\u2066x\u2069", `\u200e\u200f\u2066x\u2069`},
		{"zero\u200bwidth \ufeff", `zero\u200bwidth \ufeff`},
		{"line\u2028para\u2029", `line\u2028para\u2029`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{`back\slash \x1b`, `back\slash \x1b`},
	} {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanBlock(t *testing.T) {
	in := "first\r\n\tsecond \x1b[2J\nthird\u202e\n\n"
	want := "first\n    \tsecond \\x1b[2J\n    third\\u202e"
	if got := cleanBlock(in, "    "); got != want {
		t.Errorf("cleanBlock(%q) = %q, want %q", in, got, want)
	}
}

// unsafeIn returns the first byte or rune of s that a terminal could act
// on (anything clean escapes), or "" when there is none. keepLines allows
// LF and tab.
func unsafeIn(s string, keepLines bool) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return s[i : i+1]
		case keepLines && (r == '\n' || r == '\t'):
		case r == 0x7f || unsafeRune(r):
			return string(r)
		}
		i += size
	}
	return ""
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31m", "\r\n", "\u202e", "\xff", "\u009b", "a\u200db"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := clean(s)
		if u := unsafeIn(got, false); u != "" {
			t.Fatalf("clean(%q) = %q still holds %q", s, got, u)
		}
		if again := clean(got); again != got {
			t.Fatalf("clean(clean(%q)) = %q, want %q", s, again, got)
		}
		if !needsEscape(s, false) && got != s {
			t.Fatalf("clean(%q) = %q changed a safe string", s, got)
		}
		if b := cleanBlock(s, "  "); unsafeIn(b, true) != "" {
			t.Fatalf("cleanBlock(%q) = %q is unsafe", s, b)
		}
	})
}

func TestJSONSafe(t *testing.T) {
	v := map[string]string{"title": "a\x1b[31m\r\n\x7f\u009b\u202e\u2028\U000e0041\u200d<&> é 🙂"}
	var buf bytes.Buffer
	if err := writeJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	if u := unsafeIn(buf.String(), true); u != "" {
		t.Errorf("writeJSON wrote %q raw: %s", u, buf.String())
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["title"] != v["title"] {
		t.Errorf("writeJSON round trip = %q, %v; want %q", back["title"], err, v["title"])
	}
	if !strings.Contains(buf.String(), `\u007f\u009b\u202e\u2028\udb40\udc41`+"\u200d<&> é 🙂") {
		t.Errorf("writeJSON = %s, want the escapes and the safe characters as they are", buf.String())
	}
}
