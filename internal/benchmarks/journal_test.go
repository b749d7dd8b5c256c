package benchmarks

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// BenchmarkJournalSale is a card sale one at a time, without a journal
// and with the bbolt journal: what a sale pays for its two synced records
// (the intent, then the outcome) when nothing shares the syncs.
func BenchmarkJournalSale(b *testing.B) {
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

// BenchmarkJournalSideBySide runs 256 goroutines on a client without a
// journal and 256 on one with the bbolt journal, at the same time against
// one fake, as BenchmarkConcurrentSideBySide does for raw net/http: the
// machine's slow moments slow both. none/bbolt is how many sales the
// unjournaled client completed for each journaled one, which the gate
// checks (at most 1/0.8); syncs/sale is how far group commit spread each
// sync.
func BenchmarkJournalSideBySide(b *testing.B) {
	const goroutines = 256
	srv := startFake(b)
	plain := sdkSale(b, srv)
	journaled, j := journaledSale(b, srv)
	sides := []struct {
		call func() error
		done atomic.Int64
	}{{call: plain}, {call: journaled}}
	run := func(tickets int64) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for k := range sides {
			side := &sides[k]
			for range goroutines {
				wg.Go(func() {
					for next.Add(1) <= tickets {
						if err := side.call(); err != nil {
							b.Error(err)
							return
						}
						side.done.Add(1)
					}
				})
			}
		}
		wg.Wait()
	}
	run(4 * 2 * goroutines) // pools at their steady size
	sides[0].done.Store(0)
	sides[1].done.Store(0)
	before := j.Stats()
	b.ResetTimer()
	start := time.Now()
	run(int64(max(b.N, 2*goroutines)))
	elapsed := time.Since(start).Seconds()
	b.StopTimer()
	none, bbolt := float64(sides[0].done.Load()), float64(sides[1].done.Load())
	if bbolt == 0 {
		b.Fatal("no journaled sale completed")
	}
	st := j.Stats()
	b.ReportMetric(none/elapsed, "none-req/s")
	b.ReportMetric(bbolt/elapsed, "bbolt-req/s")
	b.ReportMetric(none/bbolt, "none/bbolt")
	b.ReportMetric(float64(st.Commits-before.Commits)/bbolt, "syncs/sale")
	b.ReportMetric(float64(st.Records-before.Records)/float64(max(st.Commits-before.Commits, 1)), "records/sync")
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
		{"none", func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal) { return sdkSale(b, srv), nil }},
		{"bbolt", journaledSale},
	}
	for _, impl := range impls {
		b.Run("goroutines=256/impl="+impl.name, func(b *testing.B) {
			srv := startFake(b)
			call, j := impl.call(b, srv)
			var warm sync.WaitGroup
			for range 256 {
				warm.Go(func() {
					for range 4 {
						if err := call(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			warm.Wait()
			var before journal.Stats
			if j != nil {
				before = j.Stats()
			}
			conns0 := srv.Connections()
			var done atomic.Int64
			b.SetParallelism(128) // × GOMAXPROCS(2) = 256 goroutines
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := call(); err != nil {
						b.Error(err)
						return
					}
					done.Add(1)
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(done.Load())/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(srv.Connections()-conns0)/float64(done.Load()), "handshakes/op")
			if j != nil {
				st := j.Stats()
				b.ReportMetric(float64(st.Commits-before.Commits)/float64(done.Load()), "syncs/sale")
				b.ReportMetric(float64(st.Records-before.Records)/float64(max(st.Commits-before.Commits, 1)), "records/sync")
			}
		})
	}
}
