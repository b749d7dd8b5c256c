package redislimit_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/redistest"
	"github.com/jupico/jupico-go/jupico/redislimit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSentinelFailover: four limiters, each with its own client finding the
// primary through a Sentinel (redis.NewUniversalClient with MasterName, as
// the package docs show), share 50 requests a second while the primary
// crashes and the Sentinel promotes its replica. It asserts that:
//
//   - before the crash they let through 50 requests a second between them,
//     within 10%;
//   - while no primary answers, Wait fails (there is no fallback) instead
//     of letting requests through unlimited;
//   - from half a second after the Sentinel names the new primary, they
//     again let through 50 requests a second within 10%, no Wait begun
//     then fails, and the limiter's state is on the new primary;
//   - no one-second window of the whole run, the failover included, holds
//     more than burst + 50 + 1 requests, the most the algorithm admits
//     (the burst once the budget is unused, a slot every 20 ms, one more
//     where a window's two ends each catch a slot), plus 2 for the
//     scheduling delay between a slot and the moment the test records it.
//
// Replication to the replica is asynchronous, so the crash can lose the
// reservations the primary made in its last instant. That does not raise
// the rate here: each of the 16 callers holds at most one reservation, so
// the reservations reach at most about 300 ms past the crash, while the
// clients reach the new primary only once the Sentinel has found the old
// one down and seen the replica take over (more than the Sentinel's
// one-second down-after time after the crash). By then every reservation, lost or kept,
// lies in the past, and the new primary admits what the old one would
// have: the burst, then a slot every 20 ms. A failover faster than the
// callers' queue could admit a lost reservation's slot a second time.
//
// It does not call t.Parallel: it measures rates, so it runs alone.
func TestSentinelFailover(t *testing.T) {
	const (
		limit    = 50
		burst    = 5
		limiters = 4
		workers  = 4 // concurrent callers per limiter
		warmup   = 500 * time.Millisecond
		before   = 1500 * time.Millisecond // measured before the crash
		settle   = 500 * time.Millisecond  // after the Sentinel names the new primary
		after    = 2 * time.Second         // measured after the failover
		key      = "jupicotest:ratelimit:sentinel"
	)
	g := redistest.NewSentinel(t)
	var (
		mu       sync.Mutex
		admitted []time.Time // when each Wait let a request go
		failed   []time.Time // when each Wait that failed began
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	start := time.Now()
	for range limiters {
		lim, err := redislimit.New(newSentinelClient(t, g), limit, burst,
			redislimit.WithKey(key), redislimit.WithTimeout(300*time.Millisecond))
		require.NoError(t, err)
		for range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					began := time.Now()
					err := lim.Wait(ctx)
					now := time.Now()
					switch {
					case err == nil:
						mu.Lock()
						admitted = append(admitted, now)
						mu.Unlock()
					case ctx.Err() != nil:
						return
					default: // no primary answers
						// Counted from when the Wait began: one that began
						// against the dead primary may fail a timeout later.
						mu.Lock()
						failed = append(failed, began)
						mu.Unlock()
						time.Sleep(10 * time.Millisecond)
					}
				}
			})
		}
	}

	time.Sleep(time.Until(start.Add(warmup + before)))
	crash := time.Now()
	g.KillPrimary()
	primary := g.WaitFailover(t)
	switched := time.Now()
	from, to := switched.Add(settle), switched.Add(settle+after)
	time.Sleep(time.Until(to))
	// The state is on the new primary while the limiters are busy: it
	// expires as soon as they are idle.
	tat, err := newClient(t, primary).Get(ctx, key).Result()
	require.NoError(t, err, "the limiter's state on the new primary")
	_, err = strconv.ParseInt(tat, 10, 64)
	assert.NoError(t, err, "the limiter's state on the new primary")
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	count := func(ts []time.Time, from, to time.Time) int {
		n := 0
		for _, t := range ts {
			if !t.Before(from) && t.Before(to) {
				n++
			}
		}
		return n
	}
	rateBefore := float64(count(admitted, start.Add(warmup), crash)) / before.Seconds()
	rateAfter := float64(count(admitted, from, to)) / after.Seconds()
	slices.SortFunc(admitted, func(a, b time.Time) int { return a.Compare(b) })
	busiest, j := 0, 0
	for i := range admitted {
		for admitted[i].Sub(admitted[j]) >= time.Second {
			j++
		}
		busiest = max(busiest, i-j+1)
	}
	t.Logf("%.1f requests a second before the crash, %.1f after; failover in %v; %d Waits failed; busiest second %d requests",
		rateBefore, rateAfter, switched.Sub(crash).Round(time.Millisecond), len(failed), busiest)

	assert.InDelta(t, limit, rateBefore, limit*0.10, "rate before the crash %.1f/s, want %d/s within 10%%", rateBefore, limit)
	assert.InDelta(t, limit, rateAfter, limit*0.10, "rate after the failover %.1f/s, want %d/s within 10%%", rateAfter, limit)
	assert.Positive(t, count(failed, crash, switched), "no Wait failed while no primary answered")
	assert.Zero(t, count(failed, from, to), "Waits begun after the failover that failed")
	assert.LessOrEqual(t, busiest, burst+limit+1+2, "requests in the busiest second")
}
