// Package redact finds and masks what must never leave the SDK in an error
// or a log line: card numbers (primary account numbers) and control
// characters in text that came from outside.
package redact

import "strings"

// FindPAN reports whether s contains a run of 13 to 19 digits, optionally
// separated by single spaces or dashes, that passes the Luhn check: a card
// number. It allocates nothing.
func FindPAN(s string) bool {
	_, _, ok := nextPAN(s, 0)
	return ok
}

// MaskPANs replaces the digits of every card number in s with '*', keeping
// the separators, so "4111 1111 1111 1111" becomes "**** **** **** ****".
// Text without a card number is returned unchanged and unallocated.
func MaskPANs(s string) string {
	start, end, ok := nextPAN(s, 0)
	if !ok {
		return s
	}
	b := []byte(s)
	for ok {
		for i := start; i < end; i++ {
			if isDigit(b[i]) {
				b[i] = '*'
			}
		}
		start, end, ok = nextPAN(s, end)
	}
	return string(b)
}

// Text makes text from outside (an error message in a response) safe to put
// in an error string: card numbers masked, control characters replaced by
// spaces, and the length capped at max bytes (cut at a rune boundary, with
// "..." appended).
func Text(s string, max int) string {
	s = MaskPANs(s)
	if strings.IndexFunc(s, isControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if isControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !startsRune(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func startsRune(b byte) bool { return b&0xC0 != 0x80 }

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isSep(b byte) bool { return b == ' ' || b == '-' }

// nextPAN finds the first card number in s at or after from. A candidate is
// a maximal run of digits with single spaces or dashes between digits; it is a card number when it has 13 to
// 19 digits in all and passes the Luhn check. Longer runs (order numbers,
// references) are not card numbers, and neither are runs that fail Luhn
// (most phone and order numbers).
func nextPAN(s string, from int) (start, end int, ok bool) {
	i := from
	for i < len(s) {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j, n := i, 0
		var pos [19]int
		for j < len(s) {
			if isDigit(s[j]) {
				if n < len(pos) {
					pos[n] = j
				}
				n++
				j++
				continue
			}
			if isSep(s[j]) && j+1 < len(s) && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		if n >= 13 && n <= 19 && luhn(s, pos[:n]) {
			return i, j, true
		}
		i = j
	}
	return 0, 0, false
}

func luhn(s string, pos []int) bool {
	sum := 0
	double := false
	for k := len(pos) - 1; k >= 0; k-- {
		d := int(s[pos[k]] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
