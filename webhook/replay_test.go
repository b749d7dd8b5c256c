package webhook_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manualClock is a clock the test moves by hand.
type manualClock struct{ ns atomic.Int64 }

func newManualClock() *manualClock {
	c := &manualClock{}
	c.ns.Store(testNow.UnixNano())
	return c
}
func (c *manualClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *manualClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

var _ webhook.ReplayStore = (*webhook.MemoryStore)(nil)

func TestMemoryStoreClaimDoneRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type step struct {
		op      string // seen, done, release, advance
		id      string
		d       time.Duration
		want    bool
		wantErr error
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"new id is claimed, then in progress", []step{
			{op: "seen", id: "a", d: time.Minute, want: false},
			{op: "seen", id: "a", d: time.Minute, wantErr: webhook.ErrInProgress},
		}},
		{"done id is seen", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "done", id: "a", d: time.Hour},
			{op: "seen", id: "a", d: time.Minute, want: true},
		}},
		{"released id is claimable again", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "release", id: "a"},
			{op: "seen", id: "a", d: time.Minute, want: false},
		}},
		{"release never drops a done mark", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "done", id: "a", d: time.Hour},
			{op: "release", id: "a"},
			{op: "seen", id: "a", d: time.Minute, want: true},
		}},
		{"expired claim is claimable again", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "advance", d: time.Minute},
			{op: "seen", id: "a", d: time.Minute, want: false},
		}},
		{"claim live one ns before its lease ends", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "advance", d: time.Minute - 1},
			{op: "seen", id: "a", d: time.Minute, wantErr: webhook.ErrInProgress},
		}},
		{"done mark expires after its ttl", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "done", id: "a", d: time.Hour},
			{op: "advance", d: time.Hour - 1},
			{op: "seen", id: "a", d: time.Minute, want: true},
			{op: "advance", d: 1},
			{op: "seen", id: "a", d: time.Minute, want: false},
		}},
		{"done again extends the mark", []step{
			{op: "done", id: "a", d: time.Minute},
			{op: "advance", d: 30 * time.Second},
			{op: "done", id: "a", d: time.Minute},
			{op: "advance", d: 45 * time.Second},
			{op: "seen", id: "a", d: time.Minute, want: true},
		}},
		{"ids are independent", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "seen", id: "b", d: time.Minute, want: false},
		}},
		{"non-positive ttl", []step{
			{op: "seen", id: "a", d: 0, wantErr: webhook.ErrInvalidOption},
			{op: "done", id: "a", d: -1, wantErr: webhook.ErrInvalidOption},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newManualClock()
			s := webhook.NewMemoryStore(10, clock.now)
			for i, st := range tt.steps {
				var got bool
				var err error
				switch st.op {
				case "seen":
					got, err = s.Seen(ctx, st.id, st.d)
				case "done":
					err = s.Done(ctx, st.id, st.d)
				case "release":
					err = s.Release(ctx, st.id)
				case "advance":
					clock.advance(st.d)
				}
				if st.wantErr != nil {
					require.ErrorIs(t, err, st.wantErr, "step %d", i)
					continue
				}
				require.NoError(t, err, "step %d", i)
				assert.Equal(t, st.want, got, "step %d", i)
			}
		})
	}
}

func TestMemoryStoreIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newManualClock()
	s := webhook.NewMemoryStore(3, clock.now)

	for i, ttl := range []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour} {
		id := strconv.Itoa(i)
		_, err := s.Seen(ctx, id, time.Minute)
		require.NoError(t, err)
		require.NoError(t, s.Done(ctx, id, ttl))
	}
	require.Equal(t, 3, s.Len())

	// Full: the done mark closest to expiry ("1", 1h) makes room.
	seen, err := s.Seen(ctx, "new", time.Minute)
	require.NoError(t, err)
	assert.False(t, seen)
	assert.Equal(t, 3, s.Len())
	seen, err = s.Seen(ctx, "1", time.Minute)
	require.NoError(t, err)
	assert.False(t, seen, "evicted id is unknown again")

	// Expired entries go before anything live.
	clock.advance(2 * time.Hour)
	_, err = s.Seen(ctx, "later", time.Minute)
	require.NoError(t, err)
	seen, err = s.Seen(ctx, "0", time.Minute)
	require.NoError(t, err)
	assert.True(t, seen, "the 3h done mark is still live")

	// Live claims are never evicted: with only claims, Seen fails.
	claims := webhook.NewMemoryStore(2, clock.now)
	for _, id := range []string{"x", "y"} {
		_, err := claims.Seen(ctx, id, time.Minute)
		require.NoError(t, err)
	}
	_, err = claims.Seen(ctx, "z", time.Minute)
	assert.ErrorIs(t, err, webhook.ErrStoreFull)
	clock.advance(time.Minute)
	_, err = claims.Seen(ctx, "z", time.Minute)
	assert.NoError(t, err, "expired claims make room")
}

func TestMemoryStoreConcurrentClaims(t *testing.T) {
	t.Parallel()
	s := webhook.NewMemoryStore(0, nil)
	var claimed, inProgress atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			seen, err := s.Seen(context.Background(), "evt", time.Minute)
			switch {
			case err == nil && !seen:
				claimed.Add(1)
			case assert.ErrorIs(t, err, webhook.ErrInProgress):
				inProgress.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), claimed.Load())
	assert.Equal(t, int32(99), inProgress.Load())
}
