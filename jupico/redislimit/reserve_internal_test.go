package redislimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// newTestLimiter returns a Limiter on the shared Redis (REDIS_ADDR, set by
// TestMain) under a key of its own, deleted when the test ends.
func newTestLimiter(t *testing.T, r float64, burst int) (*Limiter, *redis.Client) {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	require.NotEmpty(t, addr, "REDIS_ADDR is set by TestMain")
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := "jupicotest:ratelimit:" + hex.EncodeToString(b[:])
	t.Cleanup(func() { rdb.Del(context.Background(), key) })
	l, err := New(rdb, rate.Limit(r), burst, WithKey(key))
	require.NoError(t, err)
	return l, rdb
}

// TestReserveQueuesAfterBurst: the first burst reservations wait nothing;
// each later one waits one interval more than the one before, and moves
// the theoretical arrival time on by exactly one interval.
func TestReserveQueuesAfterBurst(t *testing.T) {
	t.Parallel()
	const burst = 3
	l, _ := newTestLimiter(t, 1, burst) // one a second: the calls take far less
	ctx := context.Background()
	start := time.Now()
	var prevTAT int64
	for k := 1; k <= 6; k++ {
		wait, tat, err := l.reserve(ctx, -1)
		require.NoError(t, err)
		ideal := time.Duration(max(0, k-burst)) * time.Second
		got := time.Duration(wait) * time.Microsecond
		assert.LessOrEqual(t, got, ideal, "reservation %d waits %v, want at most %v", k, got, ideal)
		assert.Greater(t, got, ideal-time.Since(start)-time.Millisecond, "reservation %d waits %v, want about %v", k, got, ideal)
		if k > 1 {
			assert.Equal(t, int64(1_000_000), tat-prevTAT, "reservation %d moved TAT by %dµs", k, tat-prevTAT)
		}
		prevTAT = tat
	}
}

// TestReserveRefusesTooLongAWait: a reservation whose wait exceeds the
// caller's limit is refused, reports the wait, and changes nothing.
func TestReserveRefusesTooLongAWait(t *testing.T) {
	t.Parallel()
	l, rdb := newTestLimiter(t, 1, 1)
	ctx := context.Background()
	_, tat, err := l.reserve(ctx, -1)
	require.NoError(t, err)
	before, err := rdb.Get(ctx, l.key).Result()
	require.NoError(t, err)

	wait, needed, err := l.reserve(ctx, 100_000) // 100 ms, when a second is needed
	require.NoError(t, err)
	assert.Equal(t, int64(-1), wait)
	assert.Greater(t, needed, int64(100_000))
	assert.LessOrEqual(t, needed, int64(1_000_000))
	after, err := rdb.Get(ctx, l.key).Result()
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused reservation changed the state")
	assert.Equal(t, before, formatTAT(tat))
}

// TestGiveBack: the last reservation's slot is given back; an earlier
// one's is not, since a later caller already queued behind it.
func TestGiveBack(t *testing.T) {
	t.Parallel()
	l, rdb := newTestLimiter(t, 1, 1)
	ctx := context.Background()
	_, first, err := l.reserve(ctx, -1)
	require.NoError(t, err)
	_, second, err := l.reserve(ctx, -1)
	require.NoError(t, err)

	l.giveBack(ctx, first) // stale: the second reservation came after it
	v, err := rdb.Get(ctx, l.key).Result()
	require.NoError(t, err)
	assert.Equal(t, formatTAT(second), v)

	l.giveBack(ctx, second)
	v, err = rdb.Get(ctx, l.key).Result()
	require.NoError(t, err)
	assert.Equal(t, formatTAT(first), v)
}

func formatTAT(tat int64) string { return strconv.FormatInt(tat, 10) }
