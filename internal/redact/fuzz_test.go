package redact

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// Digit sets a card number may be written in: ASCII, full-width,
// Arabic-Indic, Eastern Arabic-Indic, Devanagari, Bengali, Thai, Myanmar,
// mathematical bold and monospace.
var digitZeros = []rune{'0', '0', '0', '０', '٠', '۰', '०', '০', '๐', '၀', '𝟎', '𝟶'}

// Separators that join a card's groups of any length: one ASCII space or
// hyphen.
var simpleSeps = []string{" ", "-"}

// Separators that join groups shaped like a card's (4 to 6 digits).
var (
	spaceRunes = []string{" ", " ", "\u00a0", "\u202f", "\u2009", "\u3000", "\t", "\u200b", "\u2060", "\ufeff"}
	dashRunes  = []string{"-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d", "\u00ad"}
	puncts     = [][]string{
		{".", "\uff0e", "\u00b7", "\u3002"},
		{"/", "\uff0f", "\u2044", "\\"},
		{"_", "\uff3f"},
		{",", "\uff0c", "\u3001", "\u060c"},
	}
)

// hidePAN writes pan into a text built from rng and the fuzzer's prefix and
// suffix, and returns the text and the byte offsets of the card's digits.
func hidePAN(rng *rand.Rand, pan, prefix, suffix string) (string, []int) {
	var b strings.Builder
	b.WriteString(prefix)
	// Digit groups before the card, joined like it or not.
	for range rng.IntN(4) * rng.IntN(40) {
		for range 1 + rng.IntN(3) {
			b.WriteRune(digitZeros[rng.IntN(len(digitZeros))] + rune(rng.IntN(10)))
		}
		b.WriteString(separator(rng, rng.IntN(len(puncts)+1)))
	}
	if s := b.String(); s != "" {
		if r, _ := utf8.DecodeLastRuneInString(s); digitValue(r) >= 0 {
			b.WriteString("x") // a digit right before would lengthen the card's first group
		}
	}
	style := rng.IntN(3) // 0: simple separators, 1: spaces and dashes, 2: one punctuation
	sizes := groupSizes(rng, len(pan), style == 0)
	punct := rng.IntN(len(puncts))
	zero := digitZeros[rng.IntN(len(digitZeros))]
	mixed := rng.IntN(4) == 0
	var offs []int
	k := 0
	for gi, n := range sizes {
		if gi > 0 {
			switch style {
			case 0:
				b.WriteString(simpleSeps[rng.IntN(len(simpleSeps))])
			case 1:
				b.WriteString(separator(rng, 0))
			default:
				b.WriteString(separator(rng, 1+punct))
			}
		}
		for range n {
			if mixed {
				zero = digitZeros[rng.IntN(len(digitZeros))]
			}
			offs = append(offs, b.Len())
			b.WriteRune(zero + rune(pan[k]-'0'))
			k++
		}
	}
	if r, _ := utf8.DecodeRuneInString(suffix); digitValue(r) >= 0 {
		b.WriteString("y")
	}
	b.WriteString(suffix)
	return b.String(), offs
}

// groupSizes splits n digits into groups: none, a card's groups of 4 to 6
// (the last 1 to 6), or, when any is set (single spaces and hyphens), any.
func groupSizes(rng *rand.Rand, n int, any bool) []int {
	var sizes []int
	switch rng.IntN(3) {
	case 0:
		return []int{n}
	case 1:
		if !any {
			break
		}
		for n > 0 {
			g := min(n, 1+rng.IntN(8))
			sizes = append(sizes, g)
			n -= g
		}
		return sizes
	}
	for n > maxCardGroup {
		g := minCardGroup + rng.IntN(maxCardGroup-minCardGroup+1)
		sizes = append(sizes, g)
		n -= g
	}
	return append(sizes, n)
}

// separator returns a random separator run: spaces and dashes (kind 0), or
// the punctuation puncts[kind-1] with or without spaces around it.
func separator(rng *rand.Rand, kind int) string {
	var b strings.Builder
	if kind == 0 {
		for range 1 + rng.IntN(4) {
			if rng.IntN(2) == 0 {
				b.WriteString(spaceRunes[rng.IntN(len(spaceRunes))])
			} else {
				b.WriteString(dashRunes[rng.IntN(len(dashRunes))])
			}
		}
		return b.String()
	}
	p := puncts[kind-1]
	for range rng.IntN(3) {
		b.WriteString(spaceRunes[rng.IntN(len(spaceRunes))])
	}
	for range 1 + rng.IntN(2) {
		b.WriteString(p[rng.IntN(len(p))])
	}
	for range rng.IntN(3) {
		b.WriteString(spaceRunes[rng.IntN(len(spaceRunes))])
	}
	return b.String()
}

// FuzzFindPAN hides a test card number in text, in any of the ways a card
// number is written (digit scripts, separators, groupings, digit groups
// before it, the fuzzer's text around it), and checks that FindPAN finds
// it, that MaskPANs masks every one of its digits and leaves nothing to
// find, and that Text does the same.
func FuzzFindPAN(f *testing.F) {
	f.Add(uint8(0), uint64(1), "card ", " please")
	f.Add(uint8(2), uint64(7), "", "")
	f.Add(uint8(4), uint64(42), "order 12 34 56 ", ", thanks")
	f.Add(uint8(6), uint64(99), "٤١", "۰")
	f.Add(uint8(9), uint64(2024), "2024-11-28 – ", " 4111")
	f.Add(uint8(11), uint64(3), "\xd9", "\x80x")
	f.Fuzz(func(t *testing.T, pick uint8, seed uint64, prefix, suffix string) {
		pan := testPANs[int(pick)%len(testPANs)]
		rng := rand.New(rand.NewPCG(seed, uint64(pick)))
		s, offs := hidePAN(rng, pan, prefix, suffix)
		if !FindPAN(s) {
			t.Fatalf("FindPAN(%q) = false, the text holds %s", s, pan)
		}
		masked := MaskPANs(s)
		if len(masked) != len(s) {
			t.Fatalf("MaskPANs(%q) = %q, %d bytes, want %d", s, masked, len(masked), len(s))
		}
		if utf8.ValidString(s) && !utf8.ValidString(masked) {
			t.Fatalf("MaskPANs(%q) = %q, not valid UTF-8", s, masked)
		}
		for _, i := range offs {
			if masked[i] != '*' {
				t.Fatalf("MaskPANs(%q) = %q leaves the card's digit at byte %d", s, masked, i)
			}
		}
		if FindPAN(masked) {
			t.Fatalf("MaskPANs(%q) = %q leaves a card number", s, masked)
		}
		if text := Text(s, 0); FindPAN(text) || strings.Contains(digitsOf(text), pan) && !strings.Contains(digitsOf(prefix+suffix), pan) {
			t.Fatalf("Text(%q) = %q leaves the card number", s, text)
		}
	})
}
