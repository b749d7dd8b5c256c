// Package redact finds and masks what must never leave the SDK in an error
// or a log line: card numbers (primary account numbers) and control
// characters in text that came from outside.
//
// # Card numbers
//
// A card number is 13 to 19 decimal digits that pass the Luhn check,
// written in one piece or in groups:
//
//   - A digit is any Unicode decimal digit, read at its value: "4",
//     full-width "４" and Arabic-Indic "٤" are all four.
//   - Groups of digits are joined by a separator: any run of spaces
//     (Unicode spaces such as the no-break space included, and invisible
//     format characters such as the zero-width space) and dashes (hyphen,
//     en and em dash, minus sign...), or one kind of punctuation among
//     '.', '/', '_' and ',' (and their full-width forms), with or without
//     spaces around it: "4111 - 1111", "4111 / 1111", "4111, 1111".
//   - A card number is a stretch of whole consecutive groups whose
//     separators are all of one kind (spaces and dashes, or one
//     punctuation), so "qty 2 4111 1111 1111 1111" is caught while a
//     23-digit order number with no group boundary inside, or a number
//     failing the Luhn check (most phone and order numbers), is not.
//   - When every separator of the stretch is a single ASCII space or
//     hyphen, its groups may have any length, as always. Other separators
//     join digits that text often holds for other reasons (dates such as
//     "2024-11-28 – 2024-12-05", amounts such as "12.50, 3.00", lists such
//     as "101, 102, 103"), so with them the groups must be shaped like a
//     card's: 4 to 6 digits each, the last one 1 to 6.
//
// The work is linear in the length of the text, however many digit groups
// it holds.
package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// minPANDigits and maxPANDigits bound a card number's length.
	minPANDigits = 13
	maxPANDigits = 19
	// ring is the scanner's memory of a run's last groups and digits: a
	// power of two no smaller than maxPANDigits (a card number spans no more
	// groups or digits than that).
	ring = 32
	// minCardGroup and maxCardGroup bound the groups of a card number
	// written with separators other than single ASCII spaces or hyphens
	// (the last group may be shorter).
	minCardGroup = 4
	maxCardGroup = 6
)

// FindPAN reports whether s contains a card number (see the package
// documentation for what counts as one). It allocates nothing.
func FindPAN(s string) bool {
	return enoughDigits(s) && scanPAN(s)
}

// scanPAN is FindPAN once the digits are counted: the scanner's large
// frame is set up only for text that needs it.
func scanPAN(s string) bool {
	sc := scanner{s: s}
	_, _, ok := sc.next()
	return ok
}

// MaskPANs replaces every digit of every card number in s with '*', keeping
// the separators, so "4111 1111 1111 1111" becomes "**** **** **** ****".
// A digit written in more than one byte (full-width, Arabic-Indic...)
// becomes as many '*', so the result is valid UTF-8 when s is, and as long
// in bytes. Text without a card number is returned unchanged and
// unallocated.
func MaskPANs(s string) string {
	if !enoughDigits(s) {
		return s
	}
	return maskPANs(s)
}

// maskPANs is MaskPANs once the digits are counted.
func maskPANs(s string) string {
	sc := scanner{s: s}
	start, end, ok := sc.next()
	if !ok {
		return s
	}
	b := []byte(s)
	for ok {
		for i := start; i < end; {
			r, size := utf8.DecodeRuneInString(s[i:end])
			if digitValue(r) >= 0 {
				for k := i; k < i+size; k++ {
					b[k] = '*'
				}
			}
			i += size
		}
		start, end, ok = sc.next()
	}
	return string(b)
}

// Text makes text from outside (an error message in a response) safe to put
// in an error string: control characters replaced by spaces, card numbers
// masked, and the length capped at max bytes (cut at a rune boundary, with
// "..." appended).
func Text(s string, max int) string {
	// Controls become spaces first, so that a card number whose groups a
	// tab, a newline or a NUL separates is masked like any other.
	if strings.IndexFunc(s, isControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if isControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	s = MaskPANs(s)
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !startsRune(s[cut]) {
			cut--
		}
		// Cutting a long number short can leave a card number's worth of
		// its digits: mask again.
		s = MaskPANs(s[:cut]) + "..."
	}
	return s
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func startsRune(b byte) bool { return b&0xC0 != 0x80 }

// enoughDigits reports whether s holds at least as many decimal digits as
// the shortest card number: most text does not, and one quick count
// settles it.
func enoughDigits(s string) bool {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		i++
		switch {
		case c-'0' <= 9:
		case !mayStartDigit(c):
			continue
		default:
			r, size := utf8.DecodeRuneInString(s[i-1:])
			if i += size - 1; !isDigit(r) {
				continue
			}
		}
		if n++; n == minPANDigits {
			return true
		}
	}
	return false
}

// isDigit is unicode.IsDigit, quick for the punctuation, symbols and CJK
// text between U+1C5A and U+A61F, where Unicode has no decimal digit (a
// test holds it to that).
func isDigit(r rune) bool {
	if r > 0x1C59 && r < 0xA620 {
		return false
	}
	return unicode.IsDigit(r)
}

// mayStartDigit reports whether byte c can start the UTF-8 encoding of a
// decimal digit: an ASCII digit, or the lead byte of a rune from U+0640 on
// (the first decimal digit beyond ASCII is U+0660). Latin, Greek and
// Cyrillic letters, and continuation bytes, cannot.
func mayStartDigit(c byte) bool { return c-'0' <= 9 || c >= 0xD9 }

// digitValue returns the value of a Unicode decimal digit, -1 for any
// other rune. Unicode encodes every set of decimal digits as ten
// consecutive code points from zero to nine, and unicode.Nd lists them as
// ranges of whole sets (a test holds it to that).
func digitValue(r rune) int {
	if r < utf8.RuneSelf {
		if r >= '0' && r <= '9' {
			return int(r - '0')
		}
		return -1
	}
	if !isDigit(r) {
		return -1
	}
	if r <= 0xFFFF {
		for _, rg := range unicode.Nd.R16 {
			if c := uint16(r); c >= rg.Lo && c <= rg.Hi {
				return int(c-rg.Lo) % 10
			}
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if c := uint32(r); c >= rg.Lo && c <= rg.Hi {
			return int(c-rg.Lo) % 10
		}
	}
	return -1
}

// sepKind is what a rune is to the scanner when it is not a digit.
type sepKind uint8

const (
	notSep   sepKind = iota // ends a run of digit groups
	sepSpace                // spaces and invisible format characters
	sepDash                 // hyphens, dashes, the minus sign
	sepDot
	sepSlash
	sepUnderscore
	sepComma
)

var asciiSep = [utf8.RuneSelf]sepKind{
	' ': sepSpace, '\t': sepSpace, '\n': sepSpace, '\v': sepSpace, '\f': sepSpace, '\r': sepSpace,
	'-': sepDash, '.': sepDot, '/': sepSlash, '\\': sepSlash, '_': sepUnderscore, ',': sepComma,
}

// sepOf classifies a rune that is not a digit.
func sepOf(r rune) sepKind {
	if r < utf8.RuneSelf {
		return asciiSep[r]
	}
	switch r {
	case '\u00ad', '\u2043', '\u2212', '\ufe63', '\uff0d': // soft hyphen, hyphen bullet, minus signs
		return sepDash
	case '\u00b7', '\u066b', '\u06d4', '\u2024', '\u2027', '\u3002', '\u30fb', '\ufe52', '\uff0e', '\uff61':
		return sepDot
	case '\u2044', '\u2215', '\u29f8', '\uff0f', '\uff3c':
		return sepSlash
	case '\uff3f', '\ufe4d', '\ufe4e', '\ufe4f':
		return sepUnderscore
	case '\u060c', '\u066c', '\u3001', '\ufe50', '\uff0c', '\uff64':
		return sepComma
	}
	switch {
	case unicode.IsSpace(r), unicode.Is(unicode.Cf, r):
		return sepSpace
	case unicode.Is(unicode.Pd, r):
		return sepDash
	}
	return notSep
}

// group is a maximal run of digits in the text.
type group struct {
	start, end int // byte offsets in the text
	n          int // digits; may exceed maxPANDigits
	last       int // index in the run's digits just past the group's last
	// sep is the kind of the separator joining the group to the one before
	// (sepSpace for spaces and dashes, else the punctuation), and simple
	// says it is a single ASCII space or hyphen. Unused for a run's first
	// group.
	sep    sepKind
	simple bool
}

// scanner finds card numbers in s, one per group that ends one, in the
// order their last digits come. It keeps only the last ring groups and digits
// of the current run (a card number spans no more), so its
// work and memory do not grow with the number of groups.
type scanner struct {
	s      string
	i      int
	groups [ring]group // the run's last groups, by index modulo ring
	ng     int         // groups in the run so far
	digits [ring]int8  // the run's last digits, by index modulo ring
	nd     int         // digits in the run so far
	// inGroup is set while the run's last group is being read.
	inGroup bool
	// The separator being read after the run's last group: inSep is set
	// while it can still join the next group; sepPunct is its punctuation
	// (notSep for spaces and dashes only), sepDash whether it holds a dash,
	// sepRunes its length and sepFirst its first rune.
	inSep    bool
	sepPunct sepKind
	sepDash  bool
	sepRunes int
	sepFirst rune
}

// next returns the byte span of the next card number: the longest one
// that ends with the next group ending any. Spans may overlap.
func (sc *scanner) next() (start, end int, ok bool) {
	for sc.i < len(sc.s) {
		if sc.ng == 0 {
			// Outside a run, skip what cannot start one: most text.
			for sc.i < len(sc.s) && !mayStartDigit(sc.s[sc.i]) {
				sc.i++
			}
			if sc.i == len(sc.s) {
				break
			}
		}
		at := sc.i
		r, size := rune(sc.s[at]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(sc.s[at:])
		}
		sc.i += size
		if d := digitValue(r); d >= 0 {
			sc.digit(at, d)
			continue
		}
		found, fresh := false, sc.inGroup
		if fresh {
			sc.inGroup = false
			sc.groups[(sc.ng-1)&(ring-1)].end = at
			start, end, found = sc.candidate()
		}
		sc.separator(r, fresh)
		if found {
			return start, end, true
		}
	}
	if sc.inGroup {
		sc.inGroup = false
		sc.groups[(sc.ng-1)&(ring-1)].end = len(sc.s)
		return sc.candidate()
	}
	return 0, 0, false
}

// digit adds a digit at byte offset at to the run, and the ASCII digits
// right after it.
func (sc *scanner) digit(at, d int) {
	if !sc.inGroup {
		g := group{start: at}
		if sc.ng > 0 && sc.inSep {
			g.sep, g.simple = sc.sepPunct, sc.sepRunes == 1 && (sc.sepFirst == ' ' || sc.sepFirst == '-')
			if g.sep == notSep {
				g.sep = sepSpace
			}
		} else {
			sc.ng, sc.nd = 0, 0 // a new run
		}
		g.last = sc.nd
		sc.inSep = false
		sc.groups[sc.ng&(ring-1)] = g
		sc.ng++
		sc.inGroup = true
	}
	sc.digits[sc.nd&(ring-1)] = int8(d) // #nosec G115 -- a decimal digit's value, 0 to 9
	sc.nd++
	s, i := sc.s, sc.i
	for ; i < len(s) && s[i]-'0' <= 9; i++ {
		sc.digits[sc.nd&(ring-1)] = int8(s[i] - '0') // #nosec G115 -- the loop condition holds it to 0..9
		sc.nd++
	}
	sc.i = i
	g := &sc.groups[(sc.ng-1)&(ring-1)]
	g.n += sc.nd - g.last
	g.last = sc.nd
}

// separator reads a rune that is not a digit, found after the run's last
// group (fresh: right after it): it extends the separator that may join
// the next group, or ends the run.
func (sc *scanner) separator(r rune, fresh bool) {
	if sc.ng == 0 {
		return // no run to join
	}
	if fresh {
		sc.inSep, sc.sepPunct, sc.sepDash, sc.sepRunes, sc.sepFirst = true, notSep, false, 0, r
	}
	ok := true
	switch kind := sepOf(r); kind {
	case notSep:
		ok = false
	case sepSpace:
	case sepDash:
		ok = sc.sepPunct == notSep
		sc.sepDash = true
	default:
		ok = !sc.sepDash && (sc.sepPunct == notSep || sc.sepPunct == kind)
		sc.sepPunct = kind
	}
	sc.sepRunes++
	if !ok {
		sc.inSep, sc.ng, sc.nd = false, 0, 0 // the run ends
	}
}

// candidate returns the longest card number ending with the run's last
// group, if any.
func (sc *scanner) candidate() (start, end int, ok bool) {
	if sc.nd < minPANDigits {
		return 0, 0, false
	}
	b := sc.ng - 1
	sum, pos, total := 0, 0, 0
	kind := notSep
	allSimple, cardLike := true, true
	best := -1
	for k := b; k >= 0 && k > b-ring; k-- {
		g := &sc.groups[k&(ring-1)]
		if total+g.n > maxPANDigits {
			break
		}
		if k < b {
			after := &sc.groups[(k+1)&(ring-1)]
			if kind == notSep {
				kind = after.sep
			} else if after.sep != kind {
				break
			}
			allSimple = allSimple && after.simple
			cardLike = cardLike && g.n >= minCardGroup && g.n <= maxCardGroup
		} else {
			cardLike = g.n <= maxCardGroup
		}
		if !allSimple && !cardLike {
			break
		}
		for di := g.last - 1; di >= g.last-g.n; di-- {
			d := int(sc.digits[di&(ring-1)])
			if pos&1 == 1 {
				if d *= 2; d > 9 {
					d -= 9
				}
			}
			sum += d
			pos++
		}
		total += g.n
		if total >= minPANDigits && sum%10 == 0 {
			best = k
		}
	}
	if best < 0 {
		return 0, 0, false
	}
	return sc.groups[best&(ring-1)].start, sc.groups[b&(ring-1)].end, true
}
