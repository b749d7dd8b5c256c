package benchmarks

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/benchload"
	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// journaledSale returns a card sale through a client of srv that journals
// to a fresh bbolt file, and the journal.
func journaledSale(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal) {
	return journaledSaleWith(b, srv)
}

// journaledSaleWith is journaledSale with more client options.
func journaledSaleWith(b *testing.B, srv *jupicotest.Server, opts ...jupico.Option) (func() error, *journal.Journal) {
	j, err := journal.Open(filepath.Join(b.TempDir(), "jupico.journal"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = j.Close() })
	c := srv.Client(append([]jupico.Option{jupico.WithJournal(j)}, opts...)...)
	b.Cleanup(func() { _ = c.Close() })
	return func() error { _, err := c.CreditCard.Sale(context.Background(), saleReq); return err }, j
}

// BenchmarkJournalSequential is a card sale one at a time, without a
// journal and with the bbolt journal: what a sale pays for its two synced
// records (the intent, then the outcome) when nothing shares the syncs.
func BenchmarkJournalSequential(b *testing.B) {
	for _, impl := range journalImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			call, j := impl.build(b, startFake(b))
			syncs := countSyncs(j)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			syncs.report(b, int64(n))
		})
	}
}

// journalImpls are the clients the journal benchmarks compare: without a
// journal, and with the bbolt journal.
var journalImpls = []struct {
	name  string
	build func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal)
}{
	{"none", func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal) {
		return sdkSale(b, srv), nil
	}},
	{"bbolt", journaledSale},
}

// syncCount counts a journal's commits from when it was made.
type syncCount struct {
	j      *journal.Journal
	before journal.Stats
}

func countSyncs(j *journal.Journal) syncCount {
	if j == nil {
		return syncCount{}
	}
	return syncCount{j: j, before: j.Stats()}
}

// report reports the commits since then per sale (syncs/sale) and the
// records each carried (records/sync); nothing without a journal.
func (s syncCount) report(b *testing.B, sales int64) {
	if s.j == nil || sales == 0 {
		return
	}
	st := s.j.Stats()
	commits := st.Commits - s.before.Commits
	b.ReportMetric(float64(commits)/float64(sales), "syncs/sale")
	b.ReportMetric(float64(st.Records-s.before.Records)/float64(max(commits, 1)), "records/sync")
}

// BenchmarkJournalConcurrent runs 256 goroutines on one client, without a
// journal and with the bbolt journal, each alone: the throughput a
// service sees. The same with 8 goroutines shows what a lightly loaded
// service pays, where syncs have few sales to share them.
// BenchmarkJournalInterleaved is what the gate reads.
func BenchmarkJournalConcurrent(b *testing.B) {
	for _, n := range []int{8, benchload.Goroutines} {
		for _, impl := range journalImpls {
			b.Run(fmt.Sprintf("goroutines=%d/impl=%s", n, impl.name), func(b *testing.B) {
				journalLoad(b, n, impl.build, nil)
			})
		}
	}
}

// BenchmarkJournalSlowNetwork is a card sale whose answer takes 20 ms, as
// over a real network, from 16 goroutines, without a journal and with the
// bbolt journal: what the journal adds to a sale's latency (ms/sale) when
// transactions spend long in flight and records come seldom, so that
// waiting for them to share a sync would only hold each sale back.
func BenchmarkJournalSlowNetwork(b *testing.B) {
	for _, impl := range journalImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			journalLoad(b, 16, impl.build, &jupicotest.Fault{Delay: 20 * time.Millisecond})
		})
	}
}

// journalLoad times a sale through the client build makes from n
// goroutines, each sale's answer shaped by fault when there is one, with
// its mean latency, the journal's syncs and the process's CPU per sale.
func journalLoad(b *testing.B, n int, build func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal), fault *jupicotest.Fault) {
	srv := startFake(b)
	if fault != nil {
		srv.InjectFault(wire.CardSale.Path, *fault)
	}
	call, j := build(b, srv)
	benchload.Warm(b, n, call)
	syncs := countSyncs(j)
	conns0 := srv.Connections()
	cpu0 := processCPU(b)
	var latency atomic.Int64
	done := benchload.ParallelN(b, n, func() error {
		t0 := time.Now()
		err := call()
		latency.Add(int64(time.Since(t0)))
		return err
	})
	reportCPU(b, cpu0, int(done))
	b.ReportMetric(float64(srv.Connections()-conns0)/float64(done), "handshakes/op")
	b.ReportMetric(float64(latency.Load())/float64(max(done, 1))/1e6, "ms/sale")
	syncs.report(b, done)
}

// BenchmarkJournalInterleaved measures what the journal costs a service
// under 256-way load the way a noisy machine cannot skew much: one client
// without a journal and one with the bbolt journal, against one fake
// server, take turns (which goes first alternates) running 256 goroutines
// for a slice of sales each, so a slow stretch of the shared machine hits
// both sides alike. Each slice is timed from its first call to its last
// answer; its ramp and drain take about one sale's latency under load,
// which is 256 sales' worth of time on either side, so they weigh the two
// alike. bbolt/none is the journaled client's throughput over the other's:
// the gate reads it.
func BenchmarkJournalInterleaved(b *testing.B) {
	sides := interleave(b, journalImpls[0].build, journalImpls[1].build)
	b.ReportMetric(sides[0].rate(), "none-req/s")
	b.ReportMetric(sides[1].rate(), "bbolt-req/s")
	b.ReportMetric(sides[1].rate()/sides[0].rate(), "bbolt/none")
	b.ReportMetric(sides[0].cpuPerSale(), "none-cpu-ns/sale")
	b.ReportMetric(sides[1].cpuPerSale(), "bbolt-cpu-ns/sale")
	sides[1].syncs.report(b, sides[1].sales)
}

// sweepEvery is how often the sweeping client of BenchmarkJournalSweeping
// sweeps its journal: 6,000 times the default interval's rate, so that
// sweeps run all through its turns.
const sweepEvery = 10 * time.Millisecond

// BenchmarkJournalSweeping measures what the background recovery costs
// live traffic: two clients with the bbolt journal take turns as in
// BenchmarkJournalInterleaved, one without background recovery and one
// sweeping its journal every 10 ms (the default is a minute), each sweep
// reading the open entries while 256 sales record theirs.
// sweeping/quiet is the sweeping client's throughput over the other's.
func BenchmarkJournalSweeping(b *testing.B) {
	build := func(opts ...jupico.Option) func(*testing.B, *jupicotest.Server) (func() error, *journal.Journal) {
		return func(b *testing.B, srv *jupicotest.Server) (func() error, *journal.Journal) {
			return journaledSaleWith(b, srv, opts...)
		}
	}
	sides := interleave(b, build(jupico.WithoutBackgroundRecovery()), build(jupico.WithRecoveryInterval(sweepEvery)))
	b.ReportMetric(sides[0].rate(), "quiet-req/s")
	b.ReportMetric(sides[1].rate(), "sweeping-req/s")
	b.ReportMetric(sides[1].rate()/sides[0].rate(), "sweeping/quiet")
	b.ReportMetric(sides[1].cpuPerSale()-sides[0].cpuPerSale(), "sweep-cpu-ns/sale")
}

// side is one client of an interleaved benchmark and what it did.
type side struct {
	call    func() error
	syncs   syncCount
	sales   int64
	elapsed time.Duration
	cpu     time.Duration
}

func (s *side) rate() float64       { return float64(s.sales) / s.elapsed.Seconds() }
func (s *side) cpuPerSale() float64 { return float64(s.cpu.Nanoseconds()) / float64(s.sales) }

// interleave runs the clients that first and second build against one
// fake, taking turns (which goes first alternates) of 256 goroutines and
// a slice of sales each, b.N pairs of turns.
func interleave(b *testing.B, first, second func(*testing.B, *jupicotest.Server) (func() error, *journal.Journal)) [2]*side {
	const slice = 3072 // sales per turn: 12 per goroutine
	srv := startFake(b)
	var sides [2]*side
	for k, build := range [2]func(*testing.B, *jupicotest.Server) (func() error, *journal.Journal){first, second} {
		call, j := build(b, srv)
		sides[k] = &side{call: call}
		benchload.Warm(b, benchload.Goroutines, call)
		if j != nil {
			sides[k].syncs = countSyncs(j)
		}
	}
	turn := func(k int) {
		side := sides[k]
		var next atomic.Int64
		var wg sync.WaitGroup
		cpu0, t0 := processCPU(b), time.Now()
		for range benchload.Goroutines {
			wg.Go(func() {
				for next.Add(1) <= slice {
					if err := side.call(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		side.elapsed += time.Since(t0)
		side.cpu += processCPU(b) - cpu0
		side.sales += slice
	}
	i := 0
	for b.Loop() {
		turn(i % 2)
		turn(1 - i%2)
		i++
	}
	return sides
}
