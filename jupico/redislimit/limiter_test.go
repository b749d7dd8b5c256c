package redislimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/redistest"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/jupico/redislimit"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// newKey returns a limiter key no other test uses, deleted when the test
// ends.
func newKey(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := "jupicotest:ratelimit:" + hex.EncodeToString(b[:])
	t.Cleanup(func() { rdb.Del(context.Background(), key) })
	return key
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// sendLog records when each attempt left a client.
type sendLog struct {
	mu   sync.Mutex
	sent []time.Time
}

func (s *sendLog) middleware(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		s.mu.Lock()
		s.sent = append(s.sent, time.Now())
		s.mu.Unlock()
		return next.RoundTrip(r)
	})
}

func (s *sendLog) between(from, to time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.sent {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

// TestFourClientsShareOneLimit: four API clients, each with its own Redis
// connection and Limiter on one key, send as fast as the limit lets them;
// between them they send 50 requests a second (within 10%), measured over
// three seconds once the initial burst is spent. It does not call
// t.Parallel: it measures a rate, so it runs alone.
func TestFourClientsShareOneLimit(t *testing.T) {
	const (
		limit   = 50
		burst   = 5
		clients = 4
		workers = 4 // concurrent callers per client
		warmup  = time.Second
		window  = 3 * time.Second
	)
	srv := jupicotest.NewServer(t)
	key := newKey(t, newClient(t, sharedAddr))
	var log sendLog
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(warmup+window+500*time.Millisecond))
	defer cancel()
	var unexpected atomic.Int32
	var wg sync.WaitGroup
	for range clients {
		lim, err := redislimit.New(newClient(t, sharedAddr), limit, burst, redislimit.WithKey(key))
		require.NoError(t, err)
		client := srv.Client(jupico.WithLimiter(lim), jupico.WithTransportMiddleware(log.middleware))
		for range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					_, err := client.Status(ctx)
					if errors.Is(err, context.DeadlineExceeded) {
						return // the next slot comes after the deadline
					}
					if err != nil && ctx.Err() == nil {
						unexpected.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)

	n := log.between(start.Add(warmup), start.Add(warmup+window))
	got := float64(n) / window.Seconds()
	t.Logf("%d requests in the %v window: %.1f a second; %d in all over %v", n, window, got, len(log.sent), elapsed)
	assert.InDelta(t, limit, got, limit*0.10, "aggregate rate %.1f/s, want %d/s within 10%%", got, limit)
	received := len(srv.RequestsTo("/status"))
	assert.LessOrEqual(t, received, len(log.sent), "the server counts no request the clients did not send")
	assert.LessOrEqual(t, float64(received), burst+limit*elapsed.Seconds()+1, "more requests than the limit allows")
	assert.Zero(t, unexpected.Load(), "calls that failed for another reason than the deadline")
}

// TestWaitHonoursContext: a Wait never outlives its context, and a wait that
// would pass the deadline fails at once without taking a slot.
func TestWaitHonoursContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline before the slot", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancelled while waiting", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"already cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"deadline already passed", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rdb := newClient(t, sharedAddr)
			key := newKey(t, rdb)
			lim, err := redislimit.New(rdb, 1.0/3600, 1, redislimit.WithKey(key)) // one an hour
			require.NoError(t, err)
			require.NoError(t, lim.Wait(context.Background()), "the burst lets the first request go")
			before, err := rdb.Get(context.Background(), key).Result()
			require.NoError(t, err)

			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			err = lim.Wait(ctx)
			require.ErrorIs(t, err, tc.want)
			assert.Less(t, time.Since(start), 10*time.Second, "Wait must return when its context ends")

			after, err := rdb.Get(context.Background(), key).Result()
			require.NoError(t, err)
			assert.Equal(t, before, after, "the failed Wait kept a slot")
		})
	}
}

// TestRedisUnavailable: without a fallback the client sends nothing and
// its error matches jupico.ErrRateLimiter; with one, requests go on. Each
// failure reaches OnRedisError, without the Redis password.
func TestRedisUnavailable(t *testing.T) {
	t.Parallel()
	const canary = "redis-password-canary-51d0"
	tests := []struct {
		name     string
		addr     func(t testing.TB) string
		fallback bool
	}{
		{"nothing listens, fail closed", redistest.DeadAddr, false},
		{"server hangs, fail closed", redistest.BlackHole, false},
		{"nothing listens, fallback", redistest.DeadAddr, true},
		{"server hangs, fallback", redistest.BlackHole, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rdb := redis.NewClient(&redis.Options{Addr: tc.addr(t), Password: canary, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = rdb.Close() })
			var reported []error
			var mu sync.Mutex
			opts := []redislimit.Option{
				redislimit.WithTimeout(300 * time.Millisecond),
				redislimit.OnRedisError(func(err error) {
					mu.Lock()
					defer mu.Unlock()
					reported = append(reported, err)
				}),
			}
			if tc.fallback {
				opts = append(opts, redislimit.WithFallback(rate.NewLimiter(10, 1)))
			}
			lim, err := redislimit.New(rdb, 50, 5, opts...)
			require.NoError(t, err)
			srv := jupicotest.NewServer(t)
			client := srv.Client(jupico.WithLimiter(lim))

			start := time.Now()
			st, err := client.Status(context.Background())
			assert.Less(t, time.Since(start), 10*time.Second)
			if tc.fallback {
				require.NoError(t, err)
				assert.True(t, st.Online)
				assert.Len(t, srv.RequestsTo("/status"), 1)
			} else {
				require.ErrorIs(t, err, jupico.ErrRateLimiter)
				assert.NotContains(t, err.Error(), canary)
				assert.Empty(t, srv.Requests(), "a request went out without the limiter's go-ahead")
			}
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, reported, 1)
			assert.NotContains(t, reported[0].Error(), canary)
			assert.Contains(t, reported[0].Error(), "redislimit:")
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	rdb := newClient(t, sharedAddr)
	tests := []struct {
		name  string
		rdb   redis.UniversalClient
		r     rate.Limit
		burst int
		opts  []redislimit.Option
	}{
		{"nil client", nil, 50, 1, nil},
		{"zero rate", rdb, 0, 1, nil},
		{"negative rate", rdb, -1, 1, nil},
		{"infinite rate", rdb, rate.Inf, 1, nil},
		{"NaN rate", rdb, rate.Limit(math.NaN()), 1, nil},
		{"rate above the maximum", rdb, redislimit.MaxRate * 2, 1, nil},
		{"rate below the minimum", rdb, redislimit.MinRate / 2, 1, nil},
		{"zero burst", rdb, 50, 0, nil},
		{"empty key", rdb, 50, 1, []redislimit.Option{redislimit.WithKey("")}},
		{"zero timeout", rdb, 50, 1, []redislimit.Option{redislimit.WithTimeout(0)}},
		{"nil fallback", rdb, 50, 1, []redislimit.Option{redislimit.WithFallback(nil)}},
		{"nil error hook", rdb, 50, 1, []redislimit.Option{redislimit.OnRedisError(nil)}},
		{"nil option", rdb, 50, 1, []redislimit.Option{nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lim, err := redislimit.New(tc.rdb, tc.r, tc.burst, tc.opts...)
			require.ErrorIs(t, err, jupico.ErrInvalidOption)
			assert.Nil(t, lim)
		})
	}
	t.Run("limits are accepted", func(t *testing.T) {
		t.Parallel()
		for _, r := range []rate.Limit{redislimit.MinRate, redislimit.MaxRate} {
			lim, err := redislimit.New(rdb, r, 1)
			require.NoError(t, err)
			assert.NotNil(t, lim)
		}
	})
}

// TestClusterClient: the limiter's state is one key and its scripts touch
// only that key, so it works through a *redis.ClusterClient against a
// Redis in cluster mode (here one node owning every slot).
func TestClusterClient(t *testing.T) {
	t.Parallel()
	addr := redistest.NewCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })

	lim, err := redislimit.New(rdb, 1.0/3600, 2, redislimit.WithKey("jupicotest:{ratelimit}:cluster"))
	require.NoError(t, err)
	for i := range 2 {
		require.NoError(t, lim.Wait(ctx), "request %d of the burst", i+1)
	}
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	require.ErrorIs(t, lim.Wait(short), context.DeadlineExceeded, "the burst is spent")
	ttl, err := rdb.PTTL(ctx, "jupicotest:{ratelimit}:cluster").Result()
	require.NoError(t, err)
	assert.Positive(t, ttl, "the state expires once the limiter is idle")
}
