package wire

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// awkward holds strings that exercise every escaping rule of encoding/json.
var awkward = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr",
	"\b\f\x00\x01\x1f\x7f", "bad utf8 \xff\xfe end", "\xe2\x80", "line\u2028sep\u2029para", "é 日本 😀",
	"\xed\xa0\x80 surrogate half", "\U0010ffff", "ends with \\",
}

func fullCharge(s func(int) string) *Charge {
	addr := func(o int) *Address {
		return &Address{FirstName: s(o), LastName: s(o + 1), Company: s(o + 2), Line1: s(o + 3), Line2: s(o + 4), City: s(o + 5),
			State: s(o + 6), PostalCode: s(o + 7), Country: s(o + 8), Email: s(o + 9), Phone: s(o + 10)}
	}
	return &Charge{
		SubMerchantID: s(0), Amount: "25.00", PaymentToken: PaymentToken{Type: s(1), Token: s(2), Data: s(3)},
		Description: s(4), Items: []Item{{Name: s(5), Description: s(6), Quantity: -3, UnitPrice: "0.99"}, {}, {Quantity: 7}},
		TaxAmount: "1.5e2", TaxWithHold: true, DynamicFee: &DynamicFee{Fixed: "0", DiscountRatePerc: "-2.50"},
		Billing: addr(7), Shipping: addr(18), Metadata: map[string]string{s(29): s(30), "b": s(31), "a": "", s(32): "x"},
		BillingDescriptor: s(33), Reference: s(34),
	}
}

// assertSameAsEncodingJSON checks that v encodes as encoding/json encodes
// it: byte for byte, except where a string is not valid UTF-8. There Go's
// encoders differ between versions (up to 1.26 each bad byte becomes the
// escape \ufffd, from 1.27 the raw character U+FFFD), and the appender keeps
// the escape; the decoded values must still be equal.
func assertSameAsEncodingJSON(t *testing.T, v Appender, validUTF8 bool) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := v.AppendJSON(nil)
	if wantErr != nil {
		require.Error(t, err, "encoding/json refused %#v", v)
		return
	}
	require.NoError(t, err)
	require.True(t, json.Valid(got), "%s", got)
	marshalled, err := Marshal(v)
	require.NoError(t, err)
	require.Equal(t, string(got), string(marshalled))
	if validUTF8 {
		require.Equal(t, string(want), string(got))
		return
	}
	var a, b any
	require.NoError(t, json.Unmarshal(want, &a))
	require.NoError(t, json.Unmarshal(got, &b))
	require.Equal(t, a, b)
	require.True(t, utf8.Valid(got), "bad bytes must not pass through: %q", got)
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	pick := func(i int) string { return awkward[i%len(awkward)] }
	cases := map[string]Appender{
		"zero charge":       &Charge{},
		"minimal charge":    &Charge{SubMerchantID: "m1", Amount: "1.00", PaymentToken: PaymentToken{Type: "card", Token: "tok"}},
		"one-time token":    &Charge{SubMerchantID: "m1", Amount: "0.01", PaymentToken: PaymentToken{Data: "eyJ0b2tlbiI6MX0="}},
		"empty addresses":   &Charge{Billing: &Address{}, Shipping: &Address{}, DynamicFee: &DynamicFee{}, Items: []Item{}},
		"empty metadata":    &Charge{Metadata: map[string]string{}},
		"every field":       fullCharge(pick),
		"every field, all2": fullCharge(func(i int) string { return awkward[(i*7+3)%len(awkward)] }),
		"zero follow-up":    &FollowUp{},
		"full follow-up": &FollowUp{SubMerchantID: "m", TransactionID: "tx<1>", Amount: "3", TaxAmount: "0.5", TaxWithHold: true,
			TaxWithHoldRelease: true, TaxAmountRelease: "0.25", Description: "d\u2028", Metadata: map[string]string{"k": "v", "&": "<"}, Reference: "r"},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) { assertSameAsEncodingJSON(t, v, !strings.HasPrefix(name, "every field")) })
	}
}

func TestAppendJSONLargeMetadata(t *testing.T) {
	t.Parallel()
	// More keys than the encoder's on-stack key buffer.
	m := map[string]string{}
	for i := range 50 {
		m["key"+strconv.Itoa(rand.IntN(1000))] = strconv.Itoa(i)
	}
	assertSameAsEncodingJSON(t, &Charge{Metadata: m}, true)
	assertSameAsEncodingJSON(t, &FollowUp{Metadata: m}, true)
}

func TestAppendJSONRefusesInvalidNumbers(t *testing.T) {
	t.Parallel()
	for _, n := range []json.Number{"1.", ".5", "01", "+1", "1e", "1e+", "--1", "0x10", "NaN", " 1", "1 ", "1,00", "١"} {
		_, err := (&Charge{Amount: n}).AppendJSON(nil)
		assert.ErrorIs(t, err, ErrInvalidNumber, "amount %q", n)
		_, err = (&FollowUp{TaxAmountRelease: n}).AppendJSON(nil)
		assert.ErrorIs(t, err, ErrInvalidNumber, "taxAmountRelease %q", n)
		_, err = json.Marshal(&Charge{Amount: n})
		assert.Error(t, err, "encoding/json accepts %q", n)
	}
}

func TestMarshalFallsBackToEncodingJSON(t *testing.T) {
	t.Parallel()
	got, err := Marshal(&BrowserSessionRequest{SubMerchantID: "m<1>"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"subMerchantId":"m\u003c1\u003e"}`, string(got))
	assert.Contains(t, string(got), `\u003c`, "HTML-safe escaping as encoding/json")
}

func FuzzAppendString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendString(nil, s)
		want, err := json.Marshal(s)
		require.NoError(t, err)
		if utf8.ValidString(s) {
			require.Equal(t, string(want), string(got))
		}
		var back, oracle string
		require.NoError(t, json.Unmarshal(got, &back))
		require.NoError(t, json.Unmarshal(want, &oracle))
		require.Equal(t, oracle, back)
		require.True(t, utf8.Valid(got))
	})
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("m1", "25.00", "card", "tok", "desc", "k", "v", 2)
	f.Add("\xff", "1e5", "", "", "<&>", "", "\u2028", -1)
	f.Add("", "", "", "", "", "", "", 0)
	f.Fuzz(func(t *testing.T, id, amount, typ, tok, desc, k, v string, qty int) {
		c := &Charge{SubMerchantID: id, Amount: json.Number(amount), PaymentToken: PaymentToken{Type: typ, Token: tok},
			Description: desc, Items: []Item{{Name: desc, Quantity: qty, UnitPrice: json.Number(amount)}},
			Metadata: map[string]string{k: v, v: k}, Billing: &Address{City: k}, Reference: v}
		// Each string on its own: halves of a character in two fields
		// make a valid whole when concatenated.
		valid := true
		for _, s := range []string{id, typ, tok, desc, k, v} {
			valid = valid && utf8.ValidString(s)
		}
		assertSameAsEncodingJSON(t, c, valid)
		assertSameAsEncodingJSON(t, &FollowUp{SubMerchantID: id, Amount: json.Number(amount), Description: desc, Metadata: map[string]string{k: v}}, valid)
	})
}

func BenchmarkMarshalCharge(b *testing.B) {
	c := &Charge{SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: "25.00", PaymentToken: PaymentToken{Type: "card", Token: "tok_visa_4242"},
		Description: "Order 1042", Metadata: map[string]string{"order": "1042"}, Reference: "order-1042"}
	b.Run("impl=appender", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
