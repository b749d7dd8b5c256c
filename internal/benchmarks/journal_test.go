package benchmarks

import (
	"context"
	"fmt"
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
// them round by round. The same with 8 goroutines shows what a lightly
// loaded service pays, where syncs have few sales to share them.
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
	for _, n := range []int{8, benchload.Goroutines} {
		for _, impl := range impls {
			b.Run(fmt.Sprintf("goroutines=%d/impl=%s", n, impl.name), func(b *testing.B) {
				journalLoad(b, n, impl.call)
			})
		}
	}
}

// journalLoad times a sale through the client call builds from n
// goroutines, with the journal's syncs and the process's CPU per sale.
func journalLoad(b *testing.B, n int, build func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal)) {
	srv := startFake(b)
	call, j := build(b, srv)
	benchload.Warm(b, n, call)
	var before journal.Stats
	if j != nil {
		before = j.Stats()
	}
	conns0 := srv.Connections()
	cpu0 := processCPU(b)
	done := benchload.ParallelN(b, n, call)
	reportCPU(b, cpu0, int(done))
	b.ReportMetric(float64(srv.Connections()-conns0)/float64(done), "handshakes/op")
	if j != nil {
		st := j.Stats()
		b.ReportMetric(float64(st.Commits-before.Commits)/float64(done), "syncs/sale")
		b.ReportMetric(float64(st.Records-before.Records)/float64(max(st.Commits-before.Commits, 1)), "records/sync")
	}
}
