package benchmarks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkSale/impl=jupico-2   	 1000	 110000 ns/op	 19000 B/op	 175 allocs/op
BenchmarkSale/impl=jupico-2   	 1000	 130000 ns/op	 19000 B/op	 175 allocs/op
BenchmarkSale/impl=jupico-2   	 1000	 105000 ns/op	 19000 B/op	 175 allocs/op
BenchmarkSale/impl=raw-2      	 1000	 100000 ns/op	 16000 B/op	 151 allocs/op
BenchmarkCredentials/impl=cache-2   	 1000	 3.1 ns/op	 0 B/op	 0 allocs/op
BenchmarkSaleInterleaved-2   	 1000	 300000 ns/op	 155000 jupico-ns/sale	 1.05 jupico/raw	 147600 raw-ns/sale
BenchmarkSaleInterleaved-2   	 1000	 300000 ns/op	 170000 jupico-ns/sale	 1.30 jupico/raw	 130700 raw-ns/sale
BenchmarkSaleInterleaved-2   	 1000	 300000 ns/op	 156000 jupico-ns/sale	 1.08 jupico/raw	 144400 raw-ns/sale
BenchmarkConcurrentSideBySide-2   	 20000	 51000 ns/op	 9500 jupico-req/s	 10450 raw-req/s	 1.10 raw/jupico
BenchmarkJournalInterleaved-2   	 6	 500000000 ns/op	 0.83 bbolt/none
BenchmarkJournalInterleaved-2   	 6	 500000000 ns/op	 0.70 bbolt/none
BenchmarkJournalInterleaved-2   	 6	 500000000 ns/op	 0.81 bbolt/none
BenchmarkJournalSweeping-2      	 6	 500000000 ns/op	 0.99 sweeping/quiet
BenchmarkJournalSweeping-2      	 6	 500000000 ns/op	 0.85 sweeping/quiet
BenchmarkJournalSweeping-2      	 6	 500000000 ns/op	 1.01 sweeping/quiet
BenchmarkCallPath/op=sale-2   	 1000	 220000 ns/op	 13400 B/op	 132 allocs/op
BenchmarkCallPath/op=payout-2 	 1000	 230000 ns/op	 13100 B/op	 130 allocs/op
BenchmarkCallPath/op=plan-2   	 1000	 230000 ns/op	 13100 B/op	 132 allocs/op
PASS
`

func TestParseAndMedian(t *testing.T) {
	r, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	m, ok := r.Median("BenchmarkSale/impl=jupico", "ns/op")
	require.True(t, ok)
	assert.Equal(t, 110000.0, m, "median of three")
	a, _ := r.Median("BenchmarkSale/impl=jupico", "allocs/op")
	assert.Equal(t, 175.0, a)
	_, ok = r.Median("BenchmarkNope", "ns/op")
	assert.False(t, ok)
}

func TestBudgets(t *testing.T) {
	r, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	checks := Budgets(r)
	byName := map[string]Check{}
	for _, c := range checks {
		byName[c.Name] = c
	}
	sale := byName["card sale vs raw net/http, interleaved (time ratio)"]
	assert.True(t, sale.Pass, "median of 1.05, 1.30, 1.08 is within 1.10")
	assert.InDelta(t, 1.08, sale.Got, 1e-9)
	side := byName["256 goroutines: raw tuned req/s over ours, side by side (<= 1/0.9)"]
	assert.True(t, side.Pass, "raw 1.10x ours is within 1/0.9")
	worseSide, _ := Parse(strings.NewReader(strings.ReplaceAll(sample, "1.10 raw/jupico", "1.12 raw/jupico")))
	for _, c := range Budgets(worseSide) {
		if c.Name == side.Name {
			assert.False(t, c.Pass, "ours below 0.9x raw fails")
		}
	}
	assert.True(t, byName["platform call (payout) allocs vs card sale's"].Pass, "130 <= 132")
	assert.True(t, byName["platform call (plan) allocs vs card sale's"].Pass, "132 <= 132")
	heavier, _ := Parse(strings.NewReader(strings.Replace(sample, "13100 B/op	 130 allocs", "13100 B/op	 133 allocs", 1)))
	for _, c := range Budgets(heavier) {
		if c.Name == "platform call (payout) allocs vs card sale's" {
			assert.False(t, c.Pass, "133 > 132")
		}
	}
	journal := byName["256 goroutines: bbolt journal's req/s over none's, interleaved"]
	assert.True(t, journal.Pass, "median of 0.83, 0.70, 0.81 is at least 0.6")
	assert.InDelta(t, 0.81, journal.Got, 1e-9)
	slower, _ := Parse(strings.NewReader(strings.NewReplacer("0.83 bbolt/none", "0.59 bbolt/none", "0.81 bbolt/none", "0.56 bbolt/none").Replace(sample)))
	for _, c := range Budgets(slower) {
		if c.Name == journal.Name {
			assert.False(t, c.Pass, "a median of 0.59 misses the floor")
		}
	}
	sweeping := byName["256 goroutines: journaled req/s sweeping every 10 ms over not sweeping"]
	assert.True(t, sweeping.Pass, "median of 0.99, 0.85, 1.01 is at least 0.9")
	blocked, _ := Parse(strings.NewReader(strings.NewReplacer("0.99 sweeping", "0.80 sweeping", "1.01 sweeping", "0.88 sweeping").Replace(sample)))
	for _, c := range Budgets(blocked) {
		if c.Name == sweeping.Name {
			assert.False(t, c.Pass, "a median of 0.85 misses the floor")
		}
	}
	allocs := byName["card sale allocs vs raw net/http (+25)"]
	assert.True(t, allocs.Pass, "175 <= 151+25")
	assert.True(t, byName["cached credential lookup allocs"].Pass)
	assert.True(t, byName["verify 1KiB vs raw HMAC (ns/op)"].Missing, "absent benchmarks fail the gate")
	_, ok := Report(checks)
	assert.False(t, ok)

	worse, _ := Parse(strings.NewReader(strings.NewReplacer("175 allocs", "177 allocs", "1.05 jupico/raw", "1.12 jupico/raw").Replace(sample)))
	for _, c := range Budgets(worse) {
		switch c.Name {
		case "card sale allocs vs raw net/http (+25)":
			assert.False(t, c.Pass, "177 > 151+25")
		case "card sale vs raw net/http, interleaved (time ratio)":
			assert.False(t, c.Pass, "median of 1.12, 1.30, 1.08 exceeds 1.10")
			assert.Contains(t, c.String(), "FAIL")
		}
	}
}

func TestPairedRatio(t *testing.T) {
	r, err := Parse(strings.NewReader(`
BenchmarkX/impl=a-2 1 100 ns/op
BenchmarkX/impl=b-2 1 100 ns/op
BenchmarkX/impl=a-2 1 300 ns/op
BenchmarkX/impl=b-2 1 290 ns/op
BenchmarkX/impl=a-2 1 110 ns/op
BenchmarkX/impl=b-2 1 100 ns/op
`))
	require.NoError(t, err)
	got, ok := r.PairedRatio("BenchmarkX/impl=a", "BenchmarkX/impl=b", "ns/op")
	require.True(t, ok)
	// Rounds: 1.00, 1.034, 1.10 → median 1.034; the ratio of medians would
	// be 110/100 = 1.10, inflated by the noisy middle round.
	assert.InDelta(t, 300.0/290, got, 1e-9)
}
