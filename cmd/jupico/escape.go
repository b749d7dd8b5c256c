package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// printable returns s with every character a terminal would act on
// escaped, for text output meant for a person: a value from a journal, a
// webhook or Jupico cannot then move the cursor, recolour, retitle or
// clear the operator's terminal, nor reorder what they read. Escaped are
// the C0 controls (tab and newline included: a value is one table cell),
// DEL and a byte that is not UTF-8, as \xHH; the C1 controls, the Unicode
// bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E,
// U+2066 to U+2069) and the line and paragraph separators (U+2028,
// U+2029), as \uHHHH. Everything else, backslashes included, is kept.
// JSON output (--json) is for programs and is not escaped: encoding/json
// quotes it.
func printable(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if escaped(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case !escaped(r, n):
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError || r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// escaped reports whether the rune r, n bytes long in its string, is one
// printable escapes.
func escaped(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1: // not UTF-8
		return true
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == '\u061c', r == '\u200e', r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069',
		r == '\u2028', r == '\u2029':
		return true
	}
	return false
}
