package pgjournal_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/crashtest"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/pgjournal"
)

// The replicas of a first deploy open the journal at once on an empty
// database: every one succeeds (PostgreSQL's CREATE TABLE IF NOT EXISTS
// races with itself; the schema step is serialised).
func TestReplicasOpenAtOnceOnAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	for round := range 3 {
		table := freshTable(t)
		pool := newPool(t)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() {
				j, err := pgjournal.Open(context.Background(), pool, pgjournal.WithTable(table), pgjournal.WithOwner(fmt.Sprintf("r%d-%d", round, i)))
				errs[i] = err
				if err == nil {
					_ = j.Close()
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			assert.NoError(t, err, "round %d, replica %d", round, i)
		}
	}
}

// A table written by the previous schema (without the recovery's columns)
// is brought up to date by Open, and what it held is kept.
func TestOpenMigratesThePreviousSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := freshTable(t)
	pool := newPool(t)
	_, err := pool.Exec(ctx, `CREATE TABLE `+table+` (
	id text PRIMARY KEY, owner text NOT NULL, operation text NOT NULL, body bytea NOT NULL,
	reference text NOT NULL DEFAULT '', state text NOT NULL, outcome text NOT NULL DEFAULT '',
	transaction_id text NOT NULL DEFAULT '', attempts integer NOT NULL DEFAULT 0, error text NOT NULL DEFAULT '',
	created timestamptz NOT NULL, updated timestamptz NOT NULL);
CREATE TABLE `+table+`_leases (owner text PRIMARY KEY, expires timestamptz NOT NULL);
INSERT INTO `+table+` (id, owner, operation, body, reference, state, attempts, created, updated)
	VALUES ('old-1', 'gone', 'creditcard.sale', '{"reference":"o-1"}', 'o-1', 'rollback-owed', 3, now(), now());`)
	require.NoError(t, err)

	j := open(t, table)
	got, err := j.Claim(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1, "the dead owner's entry is claimed")
	assert.Equal(t, "o-1", got[0].Reference)
	assert.Equal(t, 3, got[0].Attempts)
	assert.Zero(t, got[0].Tries)
	assert.True(t, got[0].NextTry.IsZero())

	// The new columns round-trip.
	e := got[0]
	e.Tries, e.NextTry, e.FoundStatus = 4, time.Now().UTC().Truncate(time.Microsecond).Add(time.Hour), "pending"
	require.NoError(t, j.Record(ctx, &e))
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, 4, all[0].Tries)
	assert.True(t, e.NextTry.Equal(all[0].NextTry), "%v, want %v", all[0].NextTry, e.NextTry)
	assert.Equal(t, "pending", all[0].FoundStatus)
	assert.Equal(t, jupico.JournalStateRollbackOwed, all[0].State)
}

// Every field of an entry survives the table, also one a later version
// adds to jupico.JournalEntry: the payload column holds them all.
func TestEveryEntryFieldRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	j := open(t, freshTable(t), pgjournal.WithOwner("full"))
	want := crashtest.FullEntry(1)
	e := want
	require.NoError(t, j.Record(ctx, &e))
	want.Owner = "full"
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, want, all[0])
}
