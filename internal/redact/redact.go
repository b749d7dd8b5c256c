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

// nextPAN finds the first card number in s at or after from. A run is a
// maximal sequence of digit groups joined by single spaces or dashes. A card
// number is a run, or a stretch of whole consecutive groups of a run, that
// has 13 to 19 digits in all and passes the Luhn check, so "qty 2 4111 1111
// 1111 1111" is caught while a 23-digit order number (no group boundary
// inside) or a number failing Luhn (most phone and order numbers) is not.
func nextPAN(s string, from int) (start, end int, ok bool) {
	// Most text holds fewer digits than the shortest card number: one
	// quick count settles it.
	digits := 0
	for k := from; k < len(s) && digits < 13; k++ {
		if isDigit(s[k]) {
			digits++
		}
	}
	if digits < 13 {
		return 0, 0, false
	}
	i := from
	for i < len(s) {
		if !isDigit(s[i]) {
			i++
			continue
		}
		// Collect the run's groups as [start, end) byte offsets.
		var groups [32][2]int
		ng := 0
		j := i
		for {
			g := j
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			groups[ng] = [2]int{g, j}
			ng++
			if ng < len(groups) && j+1 < len(s) && isSep(s[j]) && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		for a := 0; a < ng; a++ {
			digits := 0
			for b := a; b < ng; b++ {
				digits += groups[b][1] - groups[b][0]
				if digits > 19 {
					break
				}
				if digits >= 13 && luhnGroups(s, groups[a:b+1]) {
					return groups[a][0], groups[b][1], true
				}
			}
		}
		i = j
	}
	return 0, 0, false
}

func luhnGroups(s string, groups [][2]int) bool {
	sum := 0
	double := false
	for k := len(groups) - 1; k >= 0; k-- {
		for p := groups[k][1] - 1; p >= groups[k][0]; p-- {
			d := int(s[p] - '0')
			if double {
				d *= 2
				if d > 9 {
					d -= 9
				}
			}
			sum += d
			double = !double
		}
	}
	return sum%10 == 0
}
