package app

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes a stored or user-given value safe to print as part of a line
// of text: every character that could move the cursor, change colours or
// titles, or reorder what a terminal shows is written as an escape instead.
// C0 controls (tab, CR and LF included) and DEL become \x1b-style escapes,
// C1 controls, Unicode format characters (the bidirectional controls U+202A
// to U+202E and U+2066 to U+2069, the marks U+200E and U+200F, zero-width
// and invisible characters) and the line and paragraph separators become
// \u202e-style escapes, and a byte that is not UTF-8 becomes \xff. The
// zero-width joiner and non-joiner stay: emoji and several scripts need
// them. A backslash is left as it is, so the result is for reading, not
// parsing, and clean(clean(s)) == clean(s).
func clean(s string) string {
	return escapeText(s, false)
}

// cleanBlock is clean for multi-line text (a description) printed as an
// indented block: line breaks (LF or CRLF) and tabs are kept, each new line
// starting with indent; everything else is escaped as clean does.
func cleanBlock(s, indent string) string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	return strings.ReplaceAll(escapeText(s, true), "\n", "\n"+indent)
}

// escapeText escapes s as clean describes; multiline keeps LF and tab.
func escapeText(s string, multiline bool) string {
	if !needsEscape(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case multiline && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// needsEscape reports whether escapeText would change s.
func needsEscape(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && !(multiline && (c == '\n' || c == '\t')) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

// unsafeRune reports whether a terminal could act on r rather than show
// it: a control character (C0, DEL, C1), a format character other than the
// zero-width joiner and non-joiner, or the line or paragraph separator.
func unsafeRune(r rune) bool {
	switch {
	case r == '\u200c' || r == '\u200d':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// maxErrorBytes is the most bytes of an error message that astro prints.
const maxErrorBytes = 1000
