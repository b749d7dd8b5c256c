package redact

import (
	"strings"
	"testing"
)

// The guard runs FindPAN on every string of every request, so plain text
// must stay cheap and allocation-free.
var benchTexts = []struct{ name, s string }{
	{"NoDigits", "Monthly subscription to the Gold plan, billed on the first business day"},
	{"FewDigits", "Order 12345 for customer 555-0104: 2 items, shipping to 221B Baker Street"},
	{"LongNoDigits", strings.Repeat("plain ascii words without any numbers ", 26)},
	{"ManyDigits", "sku 1234 5678 9012 3456 qty 10 20 30 40 50 60 70 80 90 ref 2024-11-28 10.00 12.50"},
	{"Unicode", "Café crème brûlée, naïve résumé — déjà vu à Zürich, 東京 の 注文"},
	{"Card", "please charge 4111 1111 1111 1111 today"},
}

func BenchmarkFindPAN(b *testing.B) {
	for _, tc := range benchTexts {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.s)))
			for b.Loop() {
				FindPAN(tc.s)
			}
		})
	}
}

func BenchmarkMaskPANs(b *testing.B) {
	for _, tc := range benchTexts {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.s)))
			for b.Loop() {
				MaskPANs(tc.s)
			}
		})
	}
}
