package redact

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFindPAN(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"4111111111111111",
		"card 4111 1111 1111 1111 please",
		"4111-1111-1111-1111",
		"amex 3782 822463 10005",
		"5555555555554444.",
		"visa13 4222222222222",
		"19 digits 6011000990139424 ok? no: 4000000000000000006",
		"x4242424242424242y",
		"4111 1111  1111 1111", // a double space joins groups of four
	} {
		assert.True(t, FindPAN(s), "%q holds a card number", s)
	}
	for _, s := range []string{
		"",
		"order 4111111111111112",               // fails Luhn
		"order number 12345678901234567890123", // 23 digits: too long to be a card
		"call +1 (555) 010-4477",
		"phone 5550104477123", // 13 digits, fails Luhn
		"411111111111",        // 12 digits
		"2024-11-28 10:00",
	} {
		assert.False(t, FindPAN(s), "%q holds no card number", s)
	}
}

func TestMaskPANs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "card **** **** **** **** and ****-****-****-****", MaskPANs("card 4111 1111 1111 1111 and 5555-5555-5555-4444"))
	s := "no card 12345"
	assert.Equal(t, s, MaskPANs(s))
}

func TestText(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a b c", Text("a\nb\x00c", 0))
	long := strings.Repeat("é", 100)
	got := Text(long, 11)
	assert.Equal(t, strings.Repeat("é", 5)+"...", got)
	assert.Equal(t, "pan ****************", Text("pan 4111111111111111", 100))
}

func BenchmarkFindPANClean(b *testing.B) {
	s := "Order 12345 for customer 555-0104: 2 items, shipping to 221B Baker Street"
	b.ReportAllocs()
	for b.Loop() {
		FindPAN(s)
	}
}
