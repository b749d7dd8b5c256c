package benchmarks

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jupico/jupico-go/internal/benchload"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// journaledSale returns a card sale through a client of srv that journals
// to a fresh bbolt file, and the journal.
func journaledSale(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal) {
	j, err := journal.Open(filepath.Join(b.TempDir(), "jupico.journal"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = j.Close() })
	c := srv.Client(jupico.WithJournal(j))
	b.Cleanup(func() { _ = c.Close() })
	return func() error { _, err := c.CreditCard.Sale(context.Background(), saleReq); return err }, j
}

// BenchmarkJournalSequential is a card sale one at a time, without a
// journal and with the bbolt journal: what a sale pays for its two synced
// records (the intent, then the outcome) when nothing shares the syncs.
func BenchmarkJournalSequential(b *testing.B) {
	b.Run("impl=none", func(b *testing.B) {
		call := sdkSale(b, startFake(b))
		b.ReportAllocs()
		for b.Loop() {
			if err := call(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=bbolt", func(b *testing.B) {
		call, j := journaledSale(b, startFake(b))
		before := j.Stats()
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if err := call(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		st := j.Stats()
		b.ReportMetric(float64(st.Commits-before.Commits)/float64(n), "syncs/sale")
	})
}

// BenchmarkJournalConcurrent runs 256 goroutines on one client, without a
// journal and with the bbolt journal, each alone: the throughput a
// service sees. Rounds of the two run back to back, and the gate compares
// them round by round.
func BenchmarkJournalConcurrent(b *testing.B) {
	impls := []struct {
		name string
		call func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal)
	}{
		{"none", func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal) {
			return sdkSale(b, srv), nil
		}},
		{"bbolt", journaledSale},
	}
	for _, impl := range impls {
		b.Run("goroutines=256/impl="+impl.name, func(b *testing.B) {
			srv := startFake(b)
			call, j := impl.call(b, srv)
			benchload.Warm(b, benchload.Goroutines, call)
			var before journal.Stats
			if j != nil {
				before = j.Stats()
			}
			conns0 := srv.Connections()
			done := benchload.Parallel(b, call)
			b.ReportMetric(float64(srv.Connections()-conns0)/float64(done), "handshakes/op")
			if j != nil {
				st := j.Stats()
				b.ReportMetric(float64(st.Commits-before.Commits)/float64(done), "syncs/sale")
				b.ReportMetric(float64(st.Records-before.Records)/float64(max(st.Commits-before.Commits, 1)), "records/sync")
			}
		})
	}
}
