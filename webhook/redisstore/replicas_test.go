package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/redistest"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
	"github.com/jupico/jupico-go/webhook/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sizes from the issue: four replicas, 500 events, each delivered three
// times.
const (
	replicas = 4
	events   = 500
	copies   = 3
	senders  = 16 // deliveries in flight at once
)

// ledger records what the replicas' event functions did.
type ledger struct {
	mu        sync.Mutex
	calls     map[string]int // runs of fn per event
	processed map[string]int // successful runs per event
	running   map[string]bool
	overlaps  int // runs of fn that started while another ran for the same event
}

func newLedger() *ledger {
	return &ledger{calls: map[string]int{}, processed: map[string]int{}, running: map[string]bool{}}
}

// enter records the start of a run and returns its number for the event
// (1 for the first).
func (l *ledger) enter(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[id] {
		l.overlaps++
	}
	l.running[id] = true
	l.calls[id]++
	return l.calls[id]
}

func (l *ledger) exit(id string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running[id] = false
	if ok {
		l.processed[id]++
	}
}

// recordIn returns an event function that succeeds, recording each run in
// the ledger cur returns at that moment. Each run lasts a millisecond, to
// widen the window in which duplicates meet.
func recordIn(cur func() *ledger) func(context.Context, *webhook.Event) error {
	return func(_ context.Context, e *webhook.Event) error {
		l := cur()
		l.enter(e.ID)
		time.Sleep(time.Millisecond)
		l.exit(e.ID, true)
		return nil
	}
}

// newOutageFleet is newFleet for tests that take Redis away mid-run: the
// store's Claim gives up well within the outage, so deliveries meet it, and
// a claim whose reply the outage lost lapses soon.
func newOutageFleet(t *testing.T, newRDB func() redis.UniversalClient, prefix string, fn func(context.Context, *webhook.Event) error) *fleet {
	return newFleet(t, newRDB, prefix, fn,
		[]redisstore.Option{redisstore.WithTimeout(300 * time.Millisecond)},
		webhook.WithProcessingTimeout(3*time.Second))
}

// fleet is several replicas of a webhook endpoint, each an HTTPS server
// with its own handler, Redis client (from newRDB) and Store, sharing one
// Redis.
type fleet struct {
	secret  string
	servers []*httptest.Server
	clients []*http.Client // clients[i] trusts servers[i] and keeps a connection per sender

	storeRejects  atomic.Int64 // deliveries answered 503 because Redis failed
	lastStoreErr  atomic.Value // string: the reason of the last of them, for failure messages
	busyRejects   atomic.Int64 // deliveries answered 503 because another held the claim
	failedRejects atomic.Int64 // deliveries answered 500
}

// clientsOf returns a function that makes clients of the Redis at addr,
// each closed when the test ends.
func clientsOf(t *testing.T, addr string) func() redis.UniversalClient {
	return func() redis.UniversalClient { return newClient(t, addr) }
}

func newFleet(t *testing.T, newRDB func() redis.UniversalClient, prefix string, fn func(context.Context, *webhook.Event) error, storeOpts []redisstore.Option, opts ...webhook.Option) *fleet {
	t.Helper()
	var key [32]byte
	_, _ = rand.Read(key[:])
	f := &fleet{secret: "whsec_" + base64.StdEncoding.EncodeToString(key[:])}
	v, err := webhook.NewVerifier(f.secret)
	require.NoError(t, err)
	for range replicas {
		rdb := newRDB() // each replica has its own connections
		store := newStore(t, rdb, append([]redisstore.Option{redisstore.WithPrefix(prefix)}, storeOpts...)...)
		h, err := webhook.NewHandler(v, fn, append([]webhook.Option{
			webhook.WithReplayStore(store),
			webhook.WithReplayTTL(10 * time.Minute),
			webhook.OnReject(func(_ *http.Request, reason error) {
				switch {
				case errors.Is(reason, webhook.ErrInProgress):
					f.busyRejects.Add(1)
				case errors.Is(reason, webhook.ErrReplayStore):
					f.storeRejects.Add(1)
					f.lastStoreErr.Store(reason.Error())
				case errors.Is(reason, webhook.ErrHandlerFailed):
					f.failedRejects.Add(1)
				}
			}),
		}, opts...)...)
		require.NoError(t, err)
		srv := httptest.NewTLSServer(h)
		t.Cleanup(srv.Close)
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = senders // no TLS handshake per delivery
		t.Cleanup(tr.CloseIdleConnections)
		f.servers = append(f.servers, srv)
		f.clients = append(f.clients, &http.Client{Transport: tr})
	}
	return f
}

// deliver sends one delivery of event id to a random replica and, as Jupico
// does, sends it again (to whichever replica) until it is acknowledged with
// 2xx. It returns the number of attempts, or an error when ctx ends first.
func (f *fleet) deliver(ctx context.Context, rng *mrand.Rand, id string) (int, error) {
	ev := jupicotest.WebhookEvent{
		ID:   id,
		Type: webhook.EventMerchantActivation,
		Data: []byte(fmt.Sprintf(`{"onboardingId":"onb_%s","subMerchantId":"sm_%s"}`, id, id)),
	}
	for attempt := 1; ; attempt++ {
		i := rng.IntN(len(f.servers))
		req, err := jupicotest.NewWebhookRequest(f.secret, f.servers[i].URL+"/webhooks/jupico", ev)
		if err != nil {
			return attempt, err
		}
		resp, err := f.clients[i].Do(req.WithContext(ctx))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return attempt, nil
			}
		}
		// Jupico waits before redelivering; the test waits 5 to 25 ms.
		t := time.NewTimer(time.Duration(5+rng.IntN(20)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, fmt.Errorf("event %s never acknowledged after %d attempts: %w", id, attempt, ctx.Err())
		case <-t.C:
		}
	}
}

// run delivers each of n events copies times, in random order, from
// senders goroutines at once. onDelivered, if not nil, is called after each
// acknowledged delivery with the count so far. It returns the errors of
// deliveries that were never acknowledged.
func (f *fleet) run(ctx context.Context, ids []string, onDelivered func(n int64)) []error {
	var order []string
	for _, id := range ids {
		for range copies {
			order = append(order, id)
		}
	}
	mrand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	work := make(chan string)
	var delivered atomic.Int64
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
			for id := range work {
				if _, err := f.deliver(ctx, rng, id); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					continue
				}
				n := delivered.Add(1)
				if onDelivered != nil {
					onDelivered(n)
				}
			}
		})
	}
	for _, id := range order {
		work <- id
	}
	close(work)
	wg.Wait()
	return errs
}

// eventIDs returns n event ids, distinct for each prefix.
func eventIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("msg_%s_%03d", prefix, i)
	}
	return ids
}

// assertExactlyOnce checks that every event was processed exactly once and
// that no two runs for one event overlapped.
func assertExactlyOnce(t *testing.T, l *ledger, ids []string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	lost, twice := 0, 0
	for _, id := range ids {
		switch n := l.processed[id]; {
		case n == 0:
			lost++
		case n > 1:
			twice++
		}
	}
	assert.Zero(t, lost, "events never processed")
	assert.Zero(t, twice, "events processed more than once")
	assert.Len(t, l.processed, len(ids), "processed events")
	assert.Zero(t, l.overlaps, "runs that overlapped another run of the same event")
}

// TestReplicasProcessEachEventOnce: four replicas receive each of 500
// events three times, concurrently and in random order; every event is
// processed exactly once.
func TestReplicasProcessEachEventOnce(t *testing.T) {
	t.Parallel()
	rdb := newClient(t, sharedAddr)
	prefix := newPrefix(t, rdb)
	l := newLedger()
	f := newFleet(t, clientsOf(t, sharedAddr), prefix, recordIn(func() *ledger { return l }), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ids := eventIDs("once", events)
	require.Empty(t, f.run(ctx, ids, nil))

	assertExactlyOnce(t, l, ids)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		assert.Equal(t, 1, l.calls[id], "runs of %s", id)
	}
	assert.Zero(t, f.storeRejects.Load(), "store failures")
	t.Logf("503 for a delivery in progress: %d", f.busyRejects.Load())
	n, err := rdb.Keys(context.Background(), prefix+"*").Result()
	require.NoError(t, err)
	assert.Len(t, n, events, "one done mark per event")
}

// TestReplicasRedeliverAfterFailure: every event's first run fails (an
// error or a panic); the redelivery is processed and nothing is lost.
func TestReplicasRedeliverAfterFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func(id string) error
	}{
		{"error", func(id string) error { return fmt.Errorf("downstream unavailable for %s", id) }},
		{"panic", func(id string) error { panic("event function panicked for " + id) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rdb := newClient(t, sharedAddr)
			prefix := newPrefix(t, rdb)
			l := newLedger()
			f := newFleet(t, clientsOf(t, sharedAddr), prefix, func(ctx context.Context, e *webhook.Event) (err error) {
				run := l.enter(e.ID)
				defer func() { l.exit(e.ID, err == nil && run > 1) }()
				if run == 1 {
					return tc.fail(e.ID)
				}
				return nil
			}, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			ids := eventIDs("fail_"+tc.name, events)
			require.Empty(t, f.run(ctx, ids, nil))

			assertExactlyOnce(t, l, ids)
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, id := range ids {
				assert.Equal(t, 2, l.calls[id], "runs of %s: one failure, then one success", id)
			}
			assert.Equal(t, int64(events), f.failedRejects.Load(), "deliveries answered 500")
		})
	}
}

// TestReplicasSurviveRedisRestart: Redis is killed and restarted while 500
// events are being delivered three times each. Deliveries that meet the
// outage are answered 503 (fail closed) and redelivered; no event is lost
// and none is processed twice. The server keeps its data in an append-only
// file synced on every write, as a Redis used for de-duplication should.
func TestReplicasSurviveRedisRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.NewServer(t, redistest.Durable...)
	rdb := newClient(t, srv.Addr())
	prefix := newPrefix(t, rdb)
	l := newLedger()
	f := newOutageFleet(t, clientsOf(t, srv.Addr()), prefix, recordIn(func() *ledger { return l }))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	restarted := make(chan error, 1)
	var once sync.Once
	ids := eventIDs("restart", events)
	errs := f.run(ctx, ids, func(n int64) {
		if n == events*copies/3 { // a third of the way through
			once.Do(func() {
				go func() { restarted <- srv.Restart(time.Second) }()
			})
		}
	})
	require.NoError(t, <-restarted)
	require.Empty(t, errs)

	assertExactlyOnce(t, l, ids)
	assert.Positive(t, f.storeRejects.Load(), "no delivery met the outage: the restart came too late")
	t.Logf("503 for a store failure: %d, for a delivery in progress: %d", f.storeRejects.Load(), f.busyRejects.Load())
}

// TestHandlerFailsClosed: with Redis unreachable, the handler answers 503
// with Retry-After and does not process; with WithFailOpen it processes and
// reports, and a redelivery is then processed again (the documented risk).
func TestHandlerFailsClosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		failOpen   bool
		wantStatus int
		wantRuns   int // after two deliveries of one event
	}{
		{"fail closed by default", false, http.StatusServiceUnavailable, 0},
		{"fail open when asked", true, http.StatusOK, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rdb := newClient(t, redistest.DeadAddr(t))
			var reported []string
			var mu sync.Mutex
			opts := []redisstore.Option{redisstore.WithTimeout(300 * time.Millisecond)}
			if tc.failOpen {
				opts = append(opts, redisstore.WithFailOpen(func(id string, err error) {
					mu.Lock()
					defer mu.Unlock()
					assert.Error(t, err)
					reported = append(reported, id)
				}))
			}
			store := newStore(t, rdb, opts...)
			var runs atomic.Int32
			var reasons []error
			v, err := webhook.NewVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
			require.NoError(t, err)
			h, err := webhook.NewHandler(v, func(context.Context, *webhook.Event) error {
				runs.Add(1)
				return nil
			}, webhook.WithReplayStore(store), webhook.OnReject(func(_ *http.Request, reason error) {
				mu.Lock()
				defer mu.Unlock()
				reasons = append(reasons, reason)
			}))
			require.NoError(t, err)
			srv := httptest.NewTLSServer(h)
			t.Cleanup(srv.Close)

			for range 2 {
				req, err := jupicotest.NewWebhookRequest("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", srv.URL,
					jupicotest.WebhookEvent{ID: "msg_outage", Type: webhook.EventMerchantActivation})
				require.NoError(t, err)
				start := time.Now()
				resp, err := srv.Client().Do(req)
				require.NoError(t, err)
				_ = resp.Body.Close()
				assert.Less(t, time.Since(start), 10*time.Second)
				assert.Equal(t, tc.wantStatus, resp.StatusCode)
				if tc.wantStatus == http.StatusServiceUnavailable {
					assert.Equal(t, "5", resp.Header.Get("Retry-After"))
				}
			}
			assert.Equal(t, int32(tc.wantRuns), runs.Load(), "runs of the event function")
			mu.Lock()
			defer mu.Unlock()
			if tc.failOpen {
				assert.Equal(t, []string{"msg_outage", "msg_outage"}, reported)
				return
			}
			require.Len(t, reasons, 2)
			for _, r := range reasons {
				assert.ErrorIs(t, r, webhook.ErrReplayStore)
			}
		})
	}
}
