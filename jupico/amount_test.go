package jupico_test

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
)

func TestAmountRoundTripEveryCentToTenMillion(t *testing.T) {
	t.Parallel()
	for c := int64(0); c <= 10_000_000; c++ {
		a := jupico.Cents(c)
		s := a.String()
		back, err := jupico.ParseAmount(s)
		if err != nil || back != a {
			t.Fatalf("ParseAmount(%q) = %v, %v; want %d cents", s, back, err, c)
		}
	}
}

func TestAmountRoundTripRandomLarge(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		a := jupico.Cents(r.Int64N(int64(jupico.MaxAmount) + 1))
		b, err := json.Marshal(a)
		require.NoError(t, err)
		var back jupico.Amount
		require.NoError(t, json.Unmarshal(b, &back), string(b))
		require.Equal(t, a, back, string(b))
		p, err := jupico.ParseAmount(a.String())
		require.NoError(t, err)
		require.Equal(t, a, p)
	}
}

func TestAmountFormatting(t *testing.T) {
	t.Parallel()
	cases := map[int64]string{0: "0.00", 5: "0.05", 10: "0.10", 9020: "90.20", 100: "1.00", 123456789: "1234567.89", -150: "-1.50"}
	for c, want := range cases {
		assert.Equal(t, want, jupico.Cents(c).String())
	}
	tenCents, _ := jupico.ParseAmount("0.10")
	twentyCents, _ := jupico.ParseAmount("0.20")
	b, err := json.Marshal(tenCents + twentyCents)
	require.NoError(t, err)
	assert.Equal(t, "0.30", string(b))
	b, err = json.Marshal(struct {
		Amount jupico.Amount `json:"amount"`
	}{jupico.Cents(9020)})
	require.NoError(t, err)
	assert.Equal(t, `{"amount":90.20}`, string(b))
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	good := map[string]int64{"90.20": 9020, "90.2": 9020, "90": 9000, "0.05": 5, "0": 0, "0.5": 50, "90000000000000.00": 9_000_000_000_000_000}
	for s, want := range good {
		a, err := jupico.ParseAmount(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, a.Cents(), s)
	}
	for _, s := range []string{"", "-1", "+1", "1.234", "1.", ".5", "1e2", "1E2", "0x10", "NaN", "Inf", "1,000.00", " 1", "1 ", "01", "00.10", "90000000000000.01", "99999999999999999999", "1.2.3", "١٢"} {
		_, err := jupico.ParseAmount(s)
		assert.ErrorIs(t, err, jupico.ErrInvalidAmount, "%q", s)
	}
}

func TestAmountUnmarshalJSON(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{`90.2`: 9020, `90.20`: 9020, `"90.20"`: 9020, `0`: 0, `12`: 1200} {
		var a jupico.Amount
		require.NoError(t, json.Unmarshal([]byte(in), &a), in)
		assert.Equal(t, want, a.Cents(), in)
	}
	for _, in := range []string{`90.201`, `-1`, `1e3`, `"NaN"`, `"1e3"`, `1.5E1`, `"-0.01"`, `"abc"`, `null1`, strconv.Quote("1 ")} {
		var a jupico.Amount
		err := json.Unmarshal([]byte(in), &a)
		assert.Error(t, err, in)
	}
	var s struct{ A jupico.Amount }
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"A":1.001}`), &s), jupico.ErrInvalidAmount)
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"90.20", "0", "1.", "1e2", "-5", "999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := jupico.ParseAmount(s)
		if err != nil {
			return
		}
		if a < 0 || a > jupico.MaxAmount {
			t.Fatalf("ParseAmount(%q) = %d outside [0, MaxAmount]", s, a)
		}
		back, err := jupico.ParseAmount(a.String())
		if err != nil || back != a {
			t.Fatalf("round trip of %q: %v %v", s, back, err)
		}
		var u jupico.Amount
		if err := json.Unmarshal([]byte(s), &u); err == nil && u != a {
			t.Fatalf("json and ParseAmount disagree on %q: %d vs %d", s, u, a)
		}
	})
}
