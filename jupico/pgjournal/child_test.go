//go:build linux

package pgjournal_test

import (
	"context"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jupico/jupico-go/internal/testkit/crashtest"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/pgjournal"
)

// runChild is the child's part: crashtest's, with a PostgreSQL journal in
// JOURNAL_TABLE of JOURNAL_URL, named JOURNAL_OWNER, with a lease of
// JOURNAL_LEASE.
func runChild(mode string) int {
	return crashtest.Main(mode, func(ctx context.Context) (jupico.Journal, func() error, error) {
		pool, err := pgxpool.New(ctx, os.Getenv("JOURNAL_URL"))
		if err != nil {
			return nil, nil, err
		}
		lease, err := time.ParseDuration(os.Getenv("JOURNAL_LEASE"))
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		j, err := pgjournal.Open(ctx, pool, pgjournal.WithTable(os.Getenv("JOURNAL_TABLE")),
			pgjournal.WithOwner(os.Getenv("JOURNAL_OWNER")), pgjournal.WithLease(lease))
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		return j, func() error {
			defer pool.Close()
			return j.Close()
		}, nil
	})
}
