package redisstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSentinelFailover: four replicas of an endpoint, each with its own
// client finding the primary through a Sentinel (redis.NewUniversalClient
// with MasterName, as the package docs show), de-duplicate before, while
// and after the primary crashes and the Sentinel promotes its replica.
//
// Replication to the replica is asynchronous, so a primary that crashes
// takes with it the writes it acknowledged but had not yet sent on. For a
// Store such a write is a claim (a redelivery can then be processed while
// the first delivery still runs) or a done mark (a redelivery is processed
// again): across a failover an event can be processed twice, as the
// package docs warn, but never lost, since the handler fails closed and
// the sender redelivers. The test therefore asserts exactly-once only
// where no acknowledged write can be lost:
//
//   - events processed before the crash, once the replica has confirmed
//     it holds their done marks: delivered again after the failover, none
//     is processed again;
//   - events first delivered after the failover: each is processed
//     exactly once, and none meets a store failure.
//
// Events delivered while the primary crashes must each be processed at
// least once, and deliveries must have met the outage as 503s; duplicates
// among them are allowed, and logged.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	const n = 100 // events in each phase, each delivered copies times
	g := redistest.NewSentinel(t)
	const prefix = "jupicotest:sentinel:" // the servers are this test's own
	var ledgers atomic.Pointer[ledger]    // the current phase's
	var (
		rdbMu sync.Mutex
		rdbs  []redis.UniversalClient // every replica's client, to see it follow the failover
	)
	f := newOutageFleet(t, func() redis.UniversalClient {
		c := newSentinelClient(t, g)
		rdbMu.Lock()
		rdbs = append(rdbs, c)
		rdbMu.Unlock()
		return c
	}, prefix, recordIn(ledgers.Load))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	phase := func(name string, ids []string, onDelivered func(int64)) *ledger {
		t.Helper()
		l := newLedger()
		ledgers.Store(l)
		start := time.Now()
		require.Empty(t, f.run(ctx, ids, onDelivered), "%s: deliveries never acknowledged", name)
		t.Logf("%s: %d events delivered %d times each in %v", name, len(ids), copies, time.Since(start).Round(time.Millisecond))
		return l
	}

	before := eventIDs("sentinel_before", n)
	assertExactlyOnce(t, phase("before the failover", before, nil), before)
	assert.Zero(t, f.storeRejects.Load(), "store failures before the failover")
	g.WaitReplicated(t)

	during := eventIDs("sentinel_during", n)
	var kill sync.Once
	l := phase("across the failover", during, func(k int64) {
		if k == n*copies/3 { // a third of the way through
			kill.Do(g.KillPrimary)
		}
	})
	primary := g.WaitFailover(t)
	// "After the failover" starts once every replica's client writes to the
	// promoted replica: the Sentinel naming it is not yet each client
	// having switched to it.
	rdbMu.Lock()
	for i, c := range rdbs {
		require.Eventually(t, func() bool {
			return c.Set(ctx, prefix+"probe", i, time.Minute).Err() == nil
		}, 30*time.Second, 20*time.Millisecond, "client %d never wrote to the promoted replica", i)
	}
	rdbMu.Unlock()
	l.mu.Lock()
	lost, twice, overlaps := 0, 0, l.overlaps
	for _, id := range during {
		switch l.processed[id] {
		case 0:
			lost++
		case 1:
		default:
			twice++
		}
	}
	l.mu.Unlock()
	assert.Zero(t, lost, "events never processed across the failover")
	rejects := f.storeRejects.Load()
	assert.Positive(t, rejects, "no delivery met the outage: the crash came too late")
	t.Logf("across the failover: 503 for a store failure %d, events processed twice %d, overlapping runs %d",
		rejects, twice, overlaps)

	again := phase("redelivered after the failover", before, nil)
	again.mu.Lock()
	assert.Empty(t, again.calls, "events processed again although their done marks had reached the replica")
	again.mu.Unlock()

	after := eventIDs("sentinel_after", n)
	l = phase("after the failover", after, nil)
	assertExactlyOnce(t, l, after)
	l.mu.Lock()
	for _, id := range after {
		assert.Equal(t, 1, l.calls[id], "runs of %s", id)
	}
	l.mu.Unlock()
	assert.Equal(t, rejects, f.storeRejects.Load(), "store failures after the failover; the last: %v", f.lastStoreErr.Load())

	// The done marks are on the promoted replica, which the clients found
	// through the Sentinel.
	rdb := newClient(t, primary)
	keys := make([]string, 0, len(before)+len(after))
	for _, id := range append(before, after...) {
		keys = append(keys, prefix+id)
	}
	vals, err := rdb.MGet(ctx, keys...).Result()
	require.NoError(t, err)
	missing := 0
	for _, v := range vals {
		if v != "done" {
			missing++
		}
	}
	assert.Zero(t, missing, "done marks missing on the new primary")
}
