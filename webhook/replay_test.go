package webhook_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newManualClock returns a clock the test moves by hand.
func newManualClock() *fakeclock.Clock { return fakeclock.NewAt(testNow) }

var _ webhook.ReplayStore = (*webhook.MemoryStore)(nil)

func TestMemoryStoreClaimDoneRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type step struct {
		op      string // seen, done, release, release-old, advance
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
		{"release by a lapsed claim keeps the newer claim", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "advance", d: time.Minute},
			{op: "seen", id: "a", d: time.Minute, want: false},
			{op: "release-old", id: "a"},
			{op: "seen", id: "a", d: time.Minute, wantErr: webhook.ErrInProgress},
			{op: "release", id: "a"},
			{op: "seen", id: "a", d: time.Minute, want: false},
		}},
		{"release without a token does nothing", []step{
			{op: "seen", id: "a", d: time.Minute},
			{op: "release-untokened", id: "a"},
			{op: "seen", id: "a", d: time.Minute, wantErr: webhook.ErrInProgress},
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
			s := webhook.NewMemoryStore(10, clock)
			held := map[string][]webhook.Claim{} // id -> claims made, oldest first
			last := func(id string) webhook.Claim {
				if cs := held[id]; len(cs) > 0 {
					return cs[len(cs)-1]
				}
				return webhook.Claim{ID: id}
			}
			for i, st := range tt.steps {
				var got bool
				var err error
				switch st.op {
				case "seen":
					var c webhook.Claim
					c, err = s.Claim(ctx, st.id, st.d)
					if err == nil {
						require.Equal(t, st.id, c.ID, "step %d", i)
						require.NotEmpty(t, c.Token, "step %d", i)
						for _, old := range held[st.id] {
							require.NotEqual(t, old.Token, c.Token, "step %d: tokens are unique", i)
						}
						held[st.id] = append(held[st.id], c)
					}
					if errors.Is(err, webhook.ErrDuplicate) {
						got, err = true, nil
					}
				case "done":
					err = s.Done(ctx, last(st.id), st.d)
				case "release":
					err = s.Release(ctx, last(st.id))
				case "release-old":
					require.GreaterOrEqual(t, len(held[st.id]), 2)
					err = s.Release(ctx, held[st.id][0])
				case "release-untokened":
					err = s.Release(ctx, webhook.Claim{ID: st.id})
				case "advance":
					clock.Advance(st.d)
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
	s := webhook.NewMemoryStore(3, clock)

	for i, ttl := range []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour} {
		id := strconv.Itoa(i)
		c, err := s.Claim(ctx, id, time.Minute)
		require.NoError(t, err)
		require.NoError(t, s.Done(ctx, c, ttl))
	}
	require.Equal(t, 3, s.Len())

	// Full: the done mark closest to expiry ("1", 1h) makes room.
	_, err := s.Claim(ctx, "new", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 3, s.Len())
	_, err = s.Claim(ctx, "1", time.Minute)
	require.NoError(t, err, "evicted id is unknown again")

	// Expired entries go before anything live.
	clock.Advance(2 * time.Hour)
	_, err = s.Claim(ctx, "later", time.Minute)
	require.NoError(t, err)
	_, err = s.Claim(ctx, "0", time.Minute)
	require.ErrorIs(t, err, webhook.ErrDuplicate, "the 3h done mark is still live")

	// Live claims are never evicted: with only claims, Claim fails.
	claims := webhook.NewMemoryStore(2, clock)
	for _, id := range []string{"x", "y"} {
		_, err := claims.Claim(ctx, id, time.Minute)
		require.NoError(t, err)
	}
	_, err = claims.Claim(ctx, "z", time.Minute)
	assert.ErrorIs(t, err, webhook.ErrStoreFull)
	clock.Advance(time.Minute)
	_, err = claims.Claim(ctx, "z", time.Minute)
	assert.NoError(t, err, "expired claims make room")
}

func TestMemoryStoreConcurrentClaims(t *testing.T) {
	t.Parallel()
	s := webhook.NewMemoryStore(0, nil)
	var claimed, inProgress atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			_, err := s.Claim(context.Background(), "evt", time.Minute)
			switch {
			case err == nil:
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

// A ReplayStore of one's own embeds ReplayStoreBase, so that the interface
// can grow without breaking it; the handler uses it like any other.
type countingStore struct {
	webhook.ReplayStoreBase
	inner  *webhook.MemoryStore
	claims atomic.Int32
}

func (s *countingStore) Claim(ctx context.Context, id string, lease time.Duration) (webhook.Claim, error) {
	s.claims.Add(1)
	return s.inner.Claim(ctx, id, lease)
}

func (s *countingStore) Done(ctx context.Context, c webhook.Claim, ttl time.Duration) error {
	return s.inner.Done(ctx, c, ttl)
}

func (s *countingStore) Release(ctx context.Context, c webhook.Claim) error {
	return s.inner.Release(ctx, c)
}

func TestReplayStoreEmbedsBase(t *testing.T) {
	t.Parallel()
	s := &countingStore{inner: webhook.NewMemoryStore(0, nil)}
	var _ webhook.ReplayStore = s
	h, err := webhook.NewHandler(newVerifier(t, secretA), func(context.Context, *webhook.Event) error { return nil }, webhook.WithReplayStore(s))
	require.NoError(t, err)
	body := []byte(sampleEvent)
	assert.Equal(t, 200, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code)
	assert.Equal(t, 200, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code)
	assert.Equal(t, int32(2), s.claims.Load())
	_, err = s.inner.Claim(context.Background(), "msg_1", time.Minute)
	assert.ErrorIs(t, err, webhook.ErrDuplicate, "the first delivery's claim became a done mark")
}
