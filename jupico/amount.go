package jupico

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jupico/jupico-go/internal/redact"
)

// Amount is a sum of money in integer cents (US dollars: Jupico documents no
// other currency). It is never a float: 0.10 + 0.20 dollars is exactly
// Cents(30), written as 0.30. The zero Amount is $0.00.
//
// On the wire an Amount is a JSON number in dollars with exactly two
// decimals, as Jupico expects. Decoding accepts a JSON number or a string
// holding one, with at most two decimals, and rejects exponents, signs,
// NaN, infinities and values beyond MaxAmount.
type Amount int64

// MaxAmount is the largest Amount the SDK reads or writes: $90 trillion,
// far beyond any payment, small enough that sums of a few amounts cannot
// overflow int64.
const MaxAmount Amount = 9_000_000_000_000_000

// ErrInvalidAmount is matched by every error ParseAmount and
// Amount.UnmarshalJSON return.
var ErrInvalidAmount = errors.New("jupico: invalid amount")

// Cents returns an Amount of c cents: Cents(9020) is $90.20.
func Cents(c int64) Amount { return Amount(c) }

// Cents returns the amount in cents.
func (a Amount) Cents() int64 { return int64(a) }

// ParseAmount parses a dollar amount such as "90.20", "90.2", "90" or "0.05".
// It rejects a sign, more than two decimals, exponents, thousands separators,
// surrounding space and values beyond MaxAmount, with an error matching
// ErrInvalidAmount.
func ParseAmount(s string) (Amount, error) {
	a, ok := parseDecimal(s)
	if !ok {
		return 0, amountError(s)
	}
	return a, nil
}

// amountError names the bad value for the developer, with anything that
// looks like a card number masked (a value may come from a response or
// from a form field a customer typed into) and at most 32 bytes of it.
func amountError(s string) error {
	return fmt.Errorf("%w %s: want a non-negative number of dollars with at most two decimals", ErrInvalidAmount, strconv.Quote(redact.Text(s, 32)))
}

// parseDecimal parses digits[.d[d]] into cents without floating point.
func parseDecimal(s string) (Amount, bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 16 || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, false
	}
	var cents int64
	for i := 0; i < len(whole); i++ {
		c := whole[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		cents = cents*10 + int64(c-'0')
	}
	if len(whole) > 1 && whole[0] == '0' {
		return 0, false // leading zeros are not JSON numbers
	}
	cents *= 100
	scale := int64(10)
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		cents += int64(c-'0') * scale
		scale /= 10
	}
	if cents > int64(MaxAmount) || cents < 0 {
		return 0, false
	}
	return Amount(cents), true
}

// String formats the amount in dollars with exactly two decimals: "90.20",
// "0.05", "-1.50".
func (a Amount) String() string {
	var buf [24]byte
	return string(a.appendTo(buf[:0]))
}

func (a Amount) appendTo(b []byte) []byte {
	v := int64(a)
	if v < 0 {
		b = append(b, '-')
		if v == math.MinInt64 {
			return append(b, "92233720368547758.08"...)
		}
		v = -v
	}
	b = strconv.AppendInt(b, v/100, 10)
	c := v % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10))
}

// MarshalJSON writes the amount as a JSON number in dollars with exactly two
// decimals, e.g. 90.20.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a > MaxAmount || a < -MaxAmount {
		return nil, amountError(a.String())
	}
	return a.appendTo(make([]byte, 0, 24)), nil
}

// UnmarshalJSON reads a JSON number (or a string holding one) in dollars.
// It rejects more than two decimals, exponents, negatives, NaN and values
// beyond MaxAmount with an error matching ErrInvalidAmount.
func (a *Amount) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return amountError(string(b))
		}
		b = []byte(s)
	}
	// The conversion does not escape, so a number is parsed in place: an
	// amount decodes without allocating.
	v, ok := parseDecimal(string(b))
	if !ok {
		return amountError(string(b))
	}
	*a = v
	return nil
}

// number returns the amount as a json.Number for the wire structs.
func (a Amount) number() json.Number { return json.Number(a.String()) }

// optNumber is number for an optional amount: nil gives "" (omitted).
func optNumber(a *Amount) json.Number {
	if a == nil {
		return ""
	}
	return a.number()
}

// parseNumber reads a wire amount; "" is zero.
func parseNumber(n json.Number) (Amount, error) {
	if n == "" {
		return 0, nil
	}
	return ParseAmount(string(n))
}
