package pgjournal_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jupico/jupico-go/internal/testkit/benchload"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/jupico/pgjournal"
)

// counts returns how many records a journal wrote, in how many commits.
type counts func() (records, commits int64)

// journals builds the clients the benchmarks compare: no journal, the
// bbolt file, and PostgreSQL.
var journals = []struct {
	name string
	open func(b *testing.B) ([]jupico.Option, counts)
}{
	{"none", func(*testing.B) ([]jupico.Option, counts) { return nil, nil }},
	{"bbolt", func(b *testing.B) ([]jupico.Option, counts) {
		j, err := journal.Open(filepath.Join(b.TempDir(), "jupico.journal"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = j.Close() })
		return []jupico.Option{jupico.WithJournal(j)}, func() (int64, int64) { st := j.Stats(); return st.Records, st.Commits }
	}},
	{"postgres", func(b *testing.B) ([]jupico.Option, counts) {
		needPG(b)
		pool, err := pgxpool.New(context.Background(), sharedURL) // the default pool: four connections on two cores
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		j, err := pgjournal.Open(context.Background(), pool, pgjournal.WithTable(freshTable(b)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = j.Close() })
		return []jupico.Option{jupico.WithJournal(j)}, func() (int64, int64) { st := j.Stats(); return st.Records, st.Commits }
	}},
}

func saleOn(b *testing.B, opts []jupico.Option) func() error {
	srv := jupicotest.Start()
	b.Cleanup(srv.Close)
	c := srv.Client(opts...)
	b.Cleanup(func() { _ = c.Close() })
	req := &jupico.ChargeRequest{SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(2500),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: "order-1042"}
	return func() error { _, err := c.CreditCard.Sale(context.Background(), req); return err }
}

// BenchmarkJournalSequential is a card sale one at a time with each
// journal: what a sale pays for its two durable records (the intent, then
// the outcome) when nothing shares the commits.
func BenchmarkJournalSequential(b *testing.B) {
	for _, impl := range journals {
		b.Run("impl="+impl.name, func(b *testing.B) {
			opts, _ := impl.open(b)
			call := saleOn(b, opts)
			b.ReportAllocs()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJournalConcurrent runs 256 goroutines on one client with each
// journal in turn: the throughput a service sees.
func BenchmarkJournalConcurrent(b *testing.B) {
	for _, impl := range journals {
		b.Run("goroutines=256/impl="+impl.name, func(b *testing.B) {
			opts, count := impl.open(b)
			call := saleOn(b, opts)
			benchload.Warm(b, benchload.Goroutines, call)
			var records0, commits0 int64
			if count != nil {
				records0, commits0 = count()
			}
			benchload.Parallel(b, call)
			if count != nil {
				records, commits := count()
				b.ReportMetric(float64(records-records0)/float64(max(commits-commits0, 1)), "records/commit")
			}
		})
	}
}
