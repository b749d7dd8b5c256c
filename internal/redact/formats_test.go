package redact

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPANs are the card networks' published test numbers: 13 to 19 digits,
// each passing the Luhn check.
var testPANs = []string{
	"4111111111111111",    // Visa
	"4222222222222",       // Visa, 13 digits
	"5555555555554444",    // Mastercard
	"2223003122003222",    // Mastercard 2-series
	"378282246310005",     // American Express
	"371449635398431",     // American Express
	"6011111111111117",    // Discover
	"6011000990139424",    // Discover
	"3530111333300000",    // JCB
	"30569309025904",      // Diners Club, 14 digits
	"6304000000000000",    // Maestro
	"4000000000000000006", // 19 digits
}

// inScript writes the ASCII digits of s with the digits of the script whose
// zero is zero.
func inScript(s string, zero rune) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return zero + r - '0'
		}
		return r
	}, s)
}

// grouped writes pan in groups of four joined by sep.
func grouped(pan, sep string) string {
	var b strings.Builder
	for i := 0; i < len(pan); i += 4 {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(pan[i:min(i+4, len(pan))])
	}
	return b.String()
}

func TestLuhnOfTestPANs(t *testing.T) {
	t.Parallel()
	for _, pan := range testPANs {
		assert.True(t, FindPAN(pan), "%s passes the Luhn check", pan)
		assert.Equal(t, strings.Repeat("*", len(pan)), MaskPANs(pan))
	}
}

// cardForms are the ways a card number is written that the guard must
// recognise, each a function of the bare number.
var cardForms = []struct {
	name string
	form func(pan string) string
}{
	{"single spaces", func(p string) string { return grouped(p, " ") }},
	{"dashes", func(p string) string { return grouped(p, "-") }},
	{"dots", func(p string) string { return grouped(p, ".") }},
	{"slashes", func(p string) string { return grouped(p, "/") }},
	{"underscores", func(p string) string { return grouped(p, "_") }},
	{"commas", func(p string) string { return grouped(p, ",") }},
	{"comma and space", func(p string) string { return grouped(p, ", ") }},
	{"double spaces", func(p string) string { return grouped(p, "  ") }},
	{"spaced dash", func(p string) string { return grouped(p, " - ") }},
	{"spaced slash", func(p string) string { return grouped(p, " / ") }},
	{"spaced dot", func(p string) string { return grouped(p, " . ") }},
	{"en dash", func(p string) string { return grouped(p, "\u2013") }},
	{"spaced en dash", func(p string) string { return grouped(p, " \u2013 ") }},
	{"em dash", func(p string) string { return grouped(p, "\u2014") }},
	{"minus sign", func(p string) string { return grouped(p, "\u2212") }},
	{"non-breaking spaces", func(p string) string { return grouped(p, "\u00a0") }},
	{"narrow non-breaking spaces", func(p string) string { return grouped(p, "\u202f") }},
	{"ideographic spaces", func(p string) string { return grouped(p, "\u3000") }},
	{"zero-width spaces", func(p string) string { return grouped(p, "\u200b") }},
	{"tabs", func(p string) string { return grouped(p, "\t") }},
	{"full-width digits", func(p string) string { return inScript(p, '０') }},
	{"full-width digits and spaces", func(p string) string { return inScript(grouped(p, " "), '０') }},
	{"full-width digits and hyphens", func(p string) string { return inScript(grouped(p, "\uff0d"), '０') }},
	{"Arabic-Indic digits", func(p string) string { return inScript(p, '٠') }},
	{"Arabic-Indic digits and spaces", func(p string) string { return inScript(grouped(p, " "), '٠') }},
	{"Eastern Arabic-Indic digits", func(p string) string { return inScript(p, '۰') }},
	{"Devanagari digits", func(p string) string { return inScript(p, '०') }},
	{"mathematical bold digits", func(p string) string { return inScript(p, '𝟎') }},
	{"mixed scripts", func(p string) string {
		return inScript(p[:4], '０') + " " + inScript(p[4:8], '٠') + " " + p[8:]
	}},
	{"after 30 short groups", func(p string) string { return strings.Repeat("12 ", 30) + grouped(p, " ") }},
	{"after 40 dotted groups", func(p string) string { return strings.Repeat("7.", 40) + grouped(p, ".") }},
	{"after a long number", func(p string) string { return "ref 12345678901234567890123 " + grouped(p, " ") }},
	{"in a sentence", func(p string) string { return "Please charge card " + grouped(p, " - ") + " today, thanks!" }},
	{"glued to letters", func(p string) string { return "card#" + inScript(p, '０') + "exp" }},
}

func TestFindPANFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range cardForms {
		for _, pan := range testPANs {
			s := tc.form(pan)
			assert.True(t, FindPAN(s), "%s: %q holds a card number", tc.name, s)
			masked := MaskPANs(s)
			assert.True(t, utf8.ValidString(masked), "%s: the mask keeps valid UTF-8: %q", tc.name, masked)
			assert.Len(t, masked, len(s), "%s: the mask keeps the length in bytes", tc.name)
			assert.False(t, FindPAN(masked), "%s: %q: nothing is left to find", tc.name, masked)
			require.True(t, strings.HasSuffix(digitsOf(s), pan), "%s: the card's digits are the last of %q", tc.name, s)
			assert.Zero(t, unmaskedTail(s, masked, len(pan)), "%s: every digit of the card is masked: %q", tc.name, masked)
		}
	}
}

// unmaskedTail counts the digits among the last n digits of s that masked
// (MaskPANs(s), byte for byte as long) left in place.
func unmaskedTail(s, masked string, n int) int {
	var offs []int
	for i, r := range s {
		if unicode.IsDigit(r) {
			offs = append(offs, i)
		}
	}
	left := 0
	for _, i := range offs[max(0, len(offs)-n):] {
		if masked[i] != '*' {
			left++
		}
	}
	return left
}

// digitsOf returns the digits of s, in any script, as ASCII digits.
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) {
			b.WriteByte(byte('0' + digitValue(r)))
		}
	}
	return b.String()
}

// TestFindPANNotCards holds text the wider separators must not turn into
// card numbers: dates, amounts, lists, phone numbers and identifiers whose
// digit groups do not look like a card's.
func TestFindPANNotCards(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"stay 2024-11-28 \u2013 2024-12-05, checkout 11:00",
		"stay 2024-11-28 - 2024-12-05 and 2025-01-02 - 2025-01-09",
		"dates 28.11.2024 / 05.12.2024 / 06.01.2025",
		"dates 11/28/2024, 12/05/2024, 01/06/2025, 02/14/2025",
		"amounts 12.50, 3.00, 7.25, 100.00, 4.99, 12.00, 19.99, 45.10",
		"total 1,234,567,890,123.45",
		"ids 101, 102, 103, 104, 105, 106, 107, 108, 109",
		"ids 101  102  103  104  105  106  107  108  109",
		"seats 10 \u2013 20 \u2013 30 \u2013 40 \u2013 50 \u2013 60 \u2013 70 \u2013 80",
		"call +44\u00a020\u00a07946\u00a00958 or +1\u00a0555.010.4477",
		"hosts 192.168.100.200, 10.200.300.400",
		"ref ord_20241128_1234567 and inv_1700000000_123456",
		"version 1.22.3.4567.89",
		"full-width \uff11\uff12.\uff15\uff10 and \uff12\uff10\uff12\uff14/\uff11\uff11/\uff12\uff18",
		"٤١١١١١١١١١١١", // 12 digits
	} {
		assert.False(t, FindPAN(s), "%q holds no card number", s)
		assert.Equal(t, s, MaskPANs(s))
	}
}

// TestDigitValue holds every decimal digit Unicode knows to a value: the
// digit sets are runs of ten from zero, which digitValue relies on.
func TestDigitValue(t *testing.T) {
	t.Parallel()
	for _, rg := range unicode.Nd.R16 {
		require.EqualValues(t, 1, rg.Stride)
		require.Zero(t, (rg.Hi-rg.Lo+1)%10, "range %U-%U holds whole digit sets", rg.Lo, rg.Hi)
		require.False(t, unicode.IsDigit(rune(rg.Lo)-1), "range %U-%U starts a digit set", rg.Lo, rg.Hi)
	}
	for _, rg := range unicode.Nd.R32 {
		require.EqualValues(t, 1, rg.Stride)
		require.Zero(t, (rg.Hi-rg.Lo+1)%10, "range %U-%U holds whole digit sets", rg.Lo, rg.Hi)
		require.False(t, unicode.IsDigit(rune(rg.Lo)-1), "range %U-%U starts a digit set", rg.Lo, rg.Hi)
	}
	for r, want := range map[rune]int{'0': 0, '7': 7, '４': 4, '٤': 4, '۹': 9, '९': 9, '𝟗': 9, '𝟘': 0, '𝟡': 9, 'a': -1, '²': -1, '①': -1} {
		assert.Equal(t, want, digitValue(r), "%U", r)
	}
}

// TestNoDigitsBetween holds isDigit's shortcut to the Unicode tables.
func TestNoDigitsBetween(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if isDigit(r) != unicode.IsDigit(r) {
			t.Fatalf("isDigit(%U) = %v, want %v", r, isDigit(r), unicode.IsDigit(r))
		}
		if b := []byte(string(r)); !mayStartDigit(b[0]) && unicode.IsDigit(r) && utf8.ValidRune(r) {
			t.Fatalf("%U is a digit whose first byte %#x mayStartDigit refuses", r, b[0])
		}
	}
}

// TestFindPANAllocatesNothing holds the guard's hot path to no allocation:
// it runs on every string of every request. (Not parallel: AllocsPerRun
// counts every allocation of the process.)
func TestFindPANAllocatesNothing(t *testing.T) {
	for _, tc := range benchTexts {
		assert.Zero(t, testing.AllocsPerRun(100, func() { FindPAN(tc.s) }), "FindPAN(%q)", tc.s)
		if !FindPAN(tc.s) {
			assert.Zero(t, testing.AllocsPerRun(100, func() { MaskPANs(tc.s) }), "MaskPANs(%q)", tc.s)
		}
	}
}
