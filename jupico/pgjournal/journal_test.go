package pgjournal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/pgjournal"
)

// open opens a journal on table, closed when the test ends.
func open(t testing.TB, table string, opts ...pgjournal.Option) *pgjournal.Journal {
	t.Helper()
	j, err := pgjournal.Open(context.Background(), newPool(t), append([]pgjournal.Option{pgjournal.WithTable(table)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	return j
}

// The journal closes like every other io.Closer of the module.
var _ io.Closer = (*pgjournal.Journal)(nil)

// TestOpenRefusesBadOptions: a nil pool, a nil option or a bad one is
// refused with the module's one sentinel before any query (the pool here
// points nowhere and is never dialled).
func TestOpenRefusesBadOptions(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	tests := map[string]struct {
		pool *pgxpool.Pool
		opts []pgjournal.Option
	}{
		"nil pool":    {nil, nil},
		"nil option":  {pool, []pgjournal.Option{nil}},
		"bad table":   {pool, []pgjournal.Option{pgjournal.WithTable("Bad-Name")}},
		"short lease": {pool, []pgjournal.Option{pgjournal.WithLease(time.Millisecond)}},
		"empty owner": {pool, []pgjournal.Option{pgjournal.WithOwner("")}},
	}
	for name, tc := range tests {
		j, err := pgjournal.Open(context.Background(), tc.pool, tc.opts...)
		require.ErrorIs(t, err, jupico.ErrInvalidOption, name)
		require.ErrorIs(t, err, credentials.ErrInvalidOption, name)
		assert.Nil(t, j, name)
	}
	assert.Zero(t, pool.Stat().TotalConns(), "no connection was made")
}

func entry(id, ref string, state jupico.JournalState) *jupico.JournalEntry {
	now := time.Now().UTC().Truncate(time.Microsecond) // PostgreSQL keeps microseconds
	return &jupico.JournalEntry{ID: id, Operation: "creditcard.sale", Reference: ref, State: state,
		Body: json.RawMessage(`{"reference":"` + ref + `","amount":"10.00"}`), Created: now, Updated: now}
}

func ids(entries []jupico.JournalEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

func TestRecordClaimCompact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := freshTable(t)
	j := open(t, table, pgjournal.WithOwner("replica-1"))
	assert.Equal(t, "replica-1", j.Owner())

	intent := entry("01", "order-1", jupico.JournalStateIntent)
	owed := entry("02", "order-2", jupico.JournalStateRollbackOwed)
	owed.Attempts, owed.Err = 3, "503 Service Unavailable"
	old := entry("03", "order-3", jupico.JournalStateDone)
	old.Outcome, old.TransactionID = jupico.JournalOutcomeApproved, "tx-3"
	old.Updated = old.Updated.Add(-48 * time.Hour)
	for _, e := range []*jupico.JournalEntry{intent, owed, old} {
		require.NoError(t, j.Record(ctx, e))
		assert.Equal(t, "replica-1", e.Owner, "Record sets the owner")
	}

	// Entries round-trips every field.
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, *owed, all[1])
	assert.JSONEq(t, string(intent.Body), string(all[0].Body))

	// Claim returns this journal's open entries, not the done one.
	claimed, err := j.Claim(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"01", "02"}, ids(claimed))

	// Recording again replaces the entry.
	intent.State, intent.Outcome, intent.Updated = jupico.JournalStateDone, jupico.JournalOutcomeApproved, intent.Updated.Add(time.Second)
	require.NoError(t, j.Record(ctx, intent))
	claimed, err = j.Claim(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"02"}, ids(claimed))

	// Compact deletes only done entries older than the cut.
	n, err := j.Compact(ctx, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	all, err = j.Entries(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"01", "02"}, ids(all))

	// The table is readable by operators.
	var state, owner string
	require.NoError(t, newPool(t).QueryRow(ctx, "SELECT state, owner FROM "+table+" WHERE reference = 'order-2'").Scan(&state, &owner))
	assert.Equal(t, "rollback-owed", state)
	assert.Equal(t, "replica-1", owner)
}

// Replicas that claim at the same time share a dead replica's entries:
// each is taken by exactly one, and none is left.
func TestConcurrentClaimsTakeEachOrphanOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := freshTable(t)
	const orphans, replicas = 400, 6
	dead := open(t, table, pgjournal.WithOwner("dead"))
	for i := range orphans {
		require.NoError(t, dead.Record(ctx, entry(fmt.Sprintf("%04d", i), fmt.Sprintf("o%d", i), jupico.JournalStateIntent)))
	}
	require.NoError(t, dead.Close()) // its lease ends: its entries are orphans now

	peers := make([]*pgjournal.Journal, replicas)
	for i := range peers {
		peers[i] = open(t, table, pgjournal.WithOwner(fmt.Sprintf("peer-%d", i)))
	}
	var wg sync.WaitGroup
	got := make([][]jupico.JournalEntry, replicas)
	start := make(chan struct{})
	for i, p := range peers {
		wg.Go(func() {
			<-start
			var err error
			got[i], err = p.Claim(ctx)
			assert.NoError(t, err)
		})
	}
	close(start)
	wg.Wait()
	seen := map[string]string{}
	for i, entries := range got {
		for _, e := range entries {
			if prev, dup := seen[e.ID]; dup {
				t.Errorf("%s claimed by %s and peer-%d", e.ID, prev, i)
			}
			seen[e.ID] = fmt.Sprintf("peer-%d", i)
			assert.Equal(t, fmt.Sprintf("peer-%d", i), e.Owner)
		}
		t.Logf("peer-%d claimed %d", i, len(entries))
	}
	assert.Len(t, seen, orphans, "every orphan claimed")
	// Claiming again moves nothing: each peer gets what it holds.
	for i, p := range peers {
		again, err := p.Claim(ctx)
		require.NoError(t, err)
		assert.Equal(t, ids(got[i]), ids(again))
	}
}

// A live replica's heartbeat keeps its entries its own; once it closes,
// a peer takes them.
func TestHeartbeatKeepsEntriesUntilClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := freshTable(t)
	live := open(t, table, pgjournal.WithOwner("live"), pgjournal.WithLease(300*time.Millisecond))
	peer := open(t, table, pgjournal.WithOwner("peer"))
	require.NoError(t, live.Record(ctx, entry("01", "in-flight", jupico.JournalStateIntent)))

	time.Sleep(time.Second) // three leases: only the heartbeat keeps it
	claimed, err := peer.Claim(ctx)
	require.NoError(t, err)
	assert.Empty(t, claimed, "a live replica's entries are left to it")
	require.NoError(t, live.Record(ctx, entry("02", "next", jupico.JournalStateIntent)), "the live replica still records")

	require.NoError(t, live.Close())
	claimed, err = peer.Claim(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"01", "02"}, ids(claimed))
	assert.NoError(t, live.Close(), "Close twice is harmless")
}

// A replica whose lease expired (a long pause, a partition) records
// nothing new, and cannot overwrite an entry a peer took over, even once
// it renews its lease.
func TestExpiredLeaseIsFenced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := freshTable(t)
	pool := newPool(t)
	paused := open(t, table, pgjournal.WithOwner("paused")) // 30 s lease: its next heartbeat is 10 s away
	peer := open(t, table, pgjournal.WithOwner("peer"))
	e := entry("01", "order-1", jupico.JournalStateIntent)
	require.NoError(t, paused.Record(ctx, e))

	_, err := pool.Exec(ctx, "UPDATE "+table+"_leases SET expires = now() - interval '1 second' WHERE owner = 'paused'")
	require.NoError(t, err)
	assert.ErrorIs(t, paused.Record(ctx, entry("02", "order-2", jupico.JournalStateIntent)), pgjournal.ErrNotOwner, "no new intent without a lease")
	_, err = paused.Claim(ctx)
	assert.ErrorIs(t, err, pgjournal.ErrNotOwner)

	claimed, err := peer.Claim(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"01"}, ids(claimed))

	// The paused replica wakes up and its lease is renewed: the entry is
	// the peer's now.
	_, err = pool.Exec(ctx, "UPDATE "+table+"_leases SET expires = now() + interval '30 seconds' WHERE owner = 'paused'")
	require.NoError(t, err)
	e.State, e.Outcome = jupico.JournalStateDone, jupico.JournalOutcomeApproved
	assert.ErrorIs(t, paused.Record(ctx, e), pgjournal.ErrNotOwner)
	all, err := peer.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1, "the refused intent left no row")
	assert.Equal(t, jupico.JournalStateIntent, all[0].State, "the refused outcome changed nothing")
	assert.Equal(t, "peer", all[0].Owner)
}

func TestOptionsAreValidated(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	for name, opt := range map[string]pgjournal.Option{
		"table with a quote":  pgjournal.WithTable(`x"; DROP TABLE y; --`),
		"upper-case table":    pgjournal.WithTable("Journal"),
		"empty table":         pgjournal.WithTable(""),
		"lease too short":     pgjournal.WithLease(time.Millisecond),
		"empty owner":         pgjournal.WithOwner(""),
		"owner over 200 byte": pgjournal.WithOwner(string(make([]byte, 201))),
	} {
		_, err := pgjournal.Open(context.Background(), pool, opt)
		assert.Error(t, err, name)
	}
	_, err := pgjournal.Open(context.Background(), nil)
	assert.Error(t, err, "a nil pool")

	// A pool whose commits are not durable is refused.
	cfg, err := pgxpool.ParseConfig(sharedURL)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	lax, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	defer lax.Close()
	_, err = pgjournal.Open(context.Background(), lax, pgjournal.WithTable(freshTable(t)))
	assert.ErrorIs(t, err, pgjournal.ErrNotDurable)

	// Unnamed journals get distinct names.
	table := freshTable(t)
	a, b := open(t, table), open(t, table)
	assert.NotEqual(t, a.Owner(), b.Owner())
	assert.NotEmpty(t, a.Owner())
}

// Concurrent records share statements, and each is fenced on its own: in
// a batch, a record over an entry a peer owns fails, the others land.
func TestConcurrentRecordsAreBatchedAndFencedOneByOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := freshTable(t)
	j := open(t, table, pgjournal.WithOwner("mine"))
	peer := open(t, table, pgjournal.WithOwner("peer"))
	const n = 300
	for i := 0; i < n; i += 2 { // the peer owns the even ones
		require.NoError(t, peer.Record(ctx, entry(fmt.Sprintf("%04d", i), "p", jupico.JournalStateIntent)))
	}
	before := j.Stats()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = j.Record(ctx, entry(fmt.Sprintf("%04d", i), "m", jupico.JournalStateDone))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 {
			assert.ErrorIs(t, err, pgjournal.ErrNotOwner, "%d", i)
		} else {
			assert.NoError(t, err, "%d", i)
		}
	}
	st := j.Stats()
	assert.Equal(t, int64(n), st.Records-before.Records)
	assert.Less(t, st.Commits-before.Commits, int64(n), "records shared statements")
	t.Logf("%d records in %d statements", st.Records-before.Records, st.Commits-before.Commits)
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, n)
	for _, e := range all {
		if e.Owner == "peer" {
			assert.Equal(t, jupico.JournalStateIntent, e.State, "the peer's entry is untouched")
		} else {
			assert.Equal(t, jupico.JournalStateDone, e.State)
		}
	}

	// After Close, nothing is recorded.
	require.NoError(t, j.Close())
	assert.ErrorIs(t, j.Record(ctx, entry("9999", "late", jupico.JournalStateIntent)), pgjournal.ErrClosed)
}
