package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/redistest"
	"github.com/jupico/jupico-go/webhook"
	"github.com/jupico/jupico-go/webhook/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clientKinds are the go-redis clients a Store is tested with. setup
// returns a function that makes clients for one Redis, so that each replica
// can have its own; the Cluster kind starts a redis-server of its own in
// cluster mode, and the Sentinel kind a primary, a replica and a Sentinel,
// its clients finding the primary through the Sentinel.
var clientKinds = []struct {
	name  string
	setup func(t *testing.T) func() redis.UniversalClient
}{
	{"single node client", func(t *testing.T) func() redis.UniversalClient {
		return func() redis.UniversalClient { return newClient(t, sharedAddr) }
	}},
	{"universal client", func(t *testing.T) func() redis.UniversalClient {
		return func() redis.UniversalClient {
			rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{sharedAddr}, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = rdb.Close() })
			return rdb
		}
	}},
	{"cluster client", func(t *testing.T) func() redis.UniversalClient {
		addr := redistest.NewCluster(t)
		return func() redis.UniversalClient {
			rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = rdb.Close() })
			return rdb
		}
	}},
	{"sentinel client", func(t *testing.T) func() redis.UniversalClient {
		g := redistest.NewSentinel(t)
		return func() redis.UniversalClient { return newSentinelClient(t, g) }
	}},
}

// newPrefix returns a key prefix no other test uses, and deletes the keys
// under it when the test ends.
func newPrefix(t *testing.T, rdb redis.UniversalClient) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "jupicotest:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			_ = rdb.Del(ctx, iter.Val()).Err()
		}
	})
	return prefix
}

func newStore(t *testing.T, rdb redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(rdb, opts...)
	require.NoError(t, err)
	return s
}

// TestStoreClaimDoneRelease runs the ReplayStore contract through two
// replicas' Stores (each with its own client) on the same Redis.
func TestStoreClaimDoneRelease(t *testing.T) {
	t.Parallel()
	const (
		lease = time.Minute
		short = 150 * time.Millisecond // a lease or ttl the test outlives
		pause = 400 * time.Millisecond // comfortably longer than short
	)
	type step struct {
		op      string // seen, done, release, release-first, sleep
		replica int    // 0 or 1
		d       time.Duration
		want    bool
		wantErr error
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"new id is claimed, then in progress for every replica", []step{
			{op: "seen", replica: 0, d: lease, want: false},
			{op: "seen", replica: 0, d: lease, wantErr: webhook.ErrInProgress},
			{op: "seen", replica: 1, d: lease, wantErr: webhook.ErrInProgress},
		}},
		{"done id is seen by every replica", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "done", replica: 0, d: time.Hour},
			{op: "seen", replica: 0, d: lease, want: true},
			{op: "seen", replica: 1, d: lease, want: true},
		}},
		{"released id is claimable by another replica", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "release", replica: 0},
			{op: "seen", replica: 1, d: lease, want: false},
		}},
		{"release never drops a done mark", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "done", replica: 0, d: time.Hour},
			{op: "release", replica: 0},
			{op: "seen", replica: 1, d: lease, want: true},
		}},
		{"a replica without the claim cannot release it", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "release", replica: 1},
			{op: "seen", replica: 1, d: lease, wantErr: webhook.ErrInProgress},
		}},
		{"any replica given the claim can release it: no claim is kept in a process", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "release-first", replica: 1},
			{op: "seen", replica: 1, d: lease, want: false},
		}},
		{"release after the lease never drops the next claim", []step{
			{op: "seen", replica: 0, d: short},
			{op: "sleep", d: pause},
			{op: "seen", replica: 1, d: lease, want: false},
			{op: "release", replica: 0},
			{op: "seen", replica: 0, d: lease, wantErr: webhook.ErrInProgress},
		}},
		{"the same store claiming again keeps the two claims apart", []step{
			{op: "seen", replica: 0, d: short},
			{op: "sleep", d: pause},
			{op: "seen", replica: 0, d: lease, want: false},
			{op: "release-first", replica: 0},
			{op: "seen", replica: 1, d: lease, wantErr: webhook.ErrInProgress},
		}},
		{"expired claim is claimable again", []step{
			{op: "seen", replica: 0, d: short},
			{op: "sleep", d: pause},
			{op: "seen", replica: 1, d: lease, want: false},
		}},
		{"done mark expires after its ttl", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "done", replica: 0, d: short},
			{op: "seen", replica: 1, d: lease, want: true},
			{op: "sleep", d: pause},
			{op: "seen", replica: 1, d: lease, want: false},
		}},
		{"done without a claim records a done mark", []step{
			{op: "done", replica: 1, d: time.Hour},
			{op: "seen", replica: 0, d: lease, want: true},
		}},
		{"done replaces another replica's claim, which can no longer be released", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "done", replica: 1, d: time.Hour},
			{op: "release", replica: 0},
			{op: "seen", replica: 0, d: lease, want: true},
		}},
		{"releasing twice is harmless", []step{
			{op: "seen", replica: 0, d: lease},
			{op: "release", replica: 0},
			{op: "release", replica: 0},
			{op: "seen", replica: 1, d: lease, want: false},
		}},
	}
	for _, kind := range clientKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			newRDB := kind.setup(t)
			first := newRDB()
			prefix := newPrefix(t, first)
			stores := []*redisstore.Store{
				newStore(t, first, redisstore.WithPrefix(prefix)),
				newStore(t, newRDB(), redisstore.WithPrefix(prefix)),
			}
			for i, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					ctx := context.Background()
					id := fmt.Sprintf("msg_%d_{slot%d}", i, i) // hash tags spread ids over slots
					var all []webhook.Claim                    // every claim made, oldest first
					mine := map[int]webhook.Claim{}            // replica -> the last claim it made
					for n, st := range tc.steps {
						s := stores[st.replica]
						switch st.op {
						case "seen":
							c, err := s.Claim(ctx, id, st.d)
							if err == nil {
								assert.Equal(t, id, c.ID, "step %d", n)
								assert.NotEmpty(t, c.Token, "step %d", n)
								all = append(all, c)
								mine[st.replica] = c
							}
							got := errors.Is(err, webhook.ErrDuplicate)
							if got {
								err = nil
							}
							if st.wantErr != nil {
								require.ErrorIs(t, err, st.wantErr, "step %d", n)
								continue
							}
							require.NoError(t, err, "step %d", n)
							assert.Equal(t, st.want, got, "step %d: seen", n)
						case "done":
							c, ok := mine[st.replica]
							if !ok {
								c = webhook.Claim{ID: id}
							}
							require.NoError(t, s.Done(ctx, c, st.d), "step %d", n)
						case "release":
							c, ok := mine[st.replica]
							if !ok {
								c = webhook.Claim{ID: id}
							}
							require.NoError(t, s.Release(ctx, c), "step %d", n)
						case "release-first":
							require.NotEmpty(t, all, "step %d", n)
							require.NoError(t, s.Release(ctx, all[0]), "step %d", n)
						case "sleep":
							time.Sleep(st.d)
						}
					}
				})
			}
		})
	}
}

// TestStoreKeys checks what a Store writes: one key per event under the
// prefix, a claim token with the lease as expiry, then a done mark with the
// replay TTL as expiry.
func TestStoreKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t, sharedAddr)
	prefix := newPrefix(t, rdb)
	s := newStore(t, rdb, redisstore.WithPrefix(prefix))

	c, err := s.Claim(ctx, "msg_keys", 30*time.Second)
	require.NoError(t, err)
	v, err := rdb.Get(ctx, prefix+"msg_keys").Result()
	require.NoError(t, err)
	assert.Regexp(t, `^claim:[0-9a-f]{32}$`, v)
	assert.Equal(t, v, c.Token, "the claim carries the token stored")
	ttl, err := rdb.PTTL(ctx, prefix+"msg_keys").Result()
	require.NoError(t, err)
	assert.True(t, ttl > 20*time.Second && ttl <= 30*time.Second, "claim expiry %v, want about 30s", ttl)

	require.NoError(t, s.Done(ctx, c, 72*time.Hour))
	v, err = rdb.Get(ctx, prefix+"msg_keys").Result()
	require.NoError(t, err)
	assert.Equal(t, "done", v)
	ttl, err = rdb.PTTL(ctx, prefix+"msg_keys").Result()
	require.NoError(t, err)
	assert.True(t, ttl > 71*time.Hour && ttl <= 72*time.Hour, "done expiry %v, want about 72h", ttl)

	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{prefix + "msg_keys"}, keys)
}

// TestStorePrefixesAreSeparate: two prefixes on one Redis de-duplicate
// independently, and the default prefix is DefaultPrefix.
func TestStorePrefixesAreSeparate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t, sharedAddr)
	a := newStore(t, rdb, redisstore.WithPrefix(newPrefix(t, rdb)))
	b := newStore(t, rdb, redisstore.WithPrefix(newPrefix(t, rdb)))
	require.NoError(t, a.Done(ctx, webhook.Claim{ID: "msg_shared_id"}, time.Minute))
	_, err := b.Claim(ctx, "msg_shared_id", time.Minute)
	require.NoError(t, err, "a store with another prefix saw the event")

	id := "msg_default_prefix_" + strings.TrimSuffix(newPrefix(t, rdb), ":")
	t.Cleanup(func() { rdb.Del(context.Background(), redisstore.DefaultPrefix+id) })
	d := newStore(t, rdb)
	require.NoError(t, d.Done(ctx, webhook.Claim{ID: id}, time.Minute))
	n, err := rdb.Exists(ctx, redisstore.DefaultPrefix+id).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

// TestStoreClaimIsAtomic: of many concurrent Claim calls for one id, spread
// over four replicas' Stores, exactly one claims it.
func TestStoreClaimIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := newClient(t, sharedAddr)
	prefix := newPrefix(t, first)
	var stores []*redisstore.Store
	for i := range 4 {
		rdb := first
		if i > 0 {
			rdb = newClient(t, sharedAddr)
		}
		stores = append(stores, newStore(t, rdb, redisstore.WithPrefix(prefix)))
	}
	for id := range 20 {
		var claimed, busy, other atomic.Int32
		var wg sync.WaitGroup
		for g := range 32 {
			wg.Go(func() {
				_, err := stores[g%4].Claim(ctx, fmt.Sprint("msg_atomic_", id), time.Minute)
				switch {
				case err == nil:
					claimed.Add(1)
				case err != nil && assert.ErrorIs(t, err, webhook.ErrInProgress):
					busy.Add(1)
				default:
					other.Add(1)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), claimed.Load(), "id %d: claims", id)
		assert.Equal(t, int32(31), busy.Load(), "id %d: in progress", id)
		assert.Zero(t, other.Load(), "id %d: other answers", id)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	rdb := newClient(t, sharedAddr)
	tests := []struct {
		name string
		rdb  redis.UniversalClient
		opts []redisstore.Option
	}{
		{"nil client", nil, nil},
		{"empty prefix", rdb, []redisstore.Option{redisstore.WithPrefix("")}},
		{"zero timeout", rdb, []redisstore.Option{redisstore.WithTimeout(0)}},
		{"negative timeout", rdb, []redisstore.Option{redisstore.WithTimeout(-time.Second)}},
		{"nil fail-open report", rdb, []redisstore.Option{redisstore.WithFailOpen(nil)}},
		{"nil option", rdb, []redisstore.Option{nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := redisstore.New(tc.rdb, tc.opts...)
			require.ErrorIs(t, err, webhook.ErrInvalidOption)
			assert.Nil(t, s)
		})
	}
}

func TestStoreRejectsNonPositiveTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, newClient(t, redistest.DeadAddr(t))) // refused before any I/O
	for _, d := range []time.Duration{0, -time.Second} {
		_, err := s.Claim(ctx, "msg_ttl", d)
		assert.ErrorIs(t, err, webhook.ErrInvalidOption, "Claim(%v)", d)
		assert.ErrorIs(t, s.Done(ctx, webhook.Claim{ID: "msg_ttl"}, d), webhook.ErrInvalidOption, "Done(%v)", d)
	}
}

// TestStoreUnavailable: when Redis is down, refuses the password, or hangs,
// Claim fails within its timeout, and the error says nothing of the
// password.
func TestStoreUnavailable(t *testing.T) {
	t.Parallel()
	const canary = "redis-password-canary-8c1f"
	tests := []struct {
		name string
		addr func(t testing.TB) string
	}{
		{"nothing listens", redistest.DeadAddr},
		{"wrong password", func(t testing.TB) string {
			return redistest.NewServer(t, append([]string{"--requirepass", "the-real-password"}, redistest.NoPersistence...)...).Addr()
		}},
		{"server hangs", redistest.BlackHole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rdb := redis.NewClient(&redis.Options{Addr: tc.addr(t), Password: canary, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = rdb.Close() })
			s := newStore(t, rdb, redisstore.WithTimeout(300*time.Millisecond))
			start := time.Now()
			c, err := s.Claim(context.Background(), "msg_down", time.Minute)
			require.Error(t, err)
			assert.Zero(t, c)
			assert.NotErrorIs(t, err, webhook.ErrInProgress)
			assert.NotContains(t, err.Error(), canary)
			assert.Less(t, time.Since(start), 10*time.Second, "Claim must give up within its timeout")
		})
	}
}

// TestFailOpenIgnoresCallerCancellation: a sender that went away is no
// Redis outage, so even a fail-open Store reports an error and processes
// nothing.
func TestFailOpenIgnoresCallerCancellation(t *testing.T) {
	t.Parallel()
	var reports atomic.Int32
	s := newStore(t, newClient(t, redistest.DeadAddr(t)), redisstore.WithFailOpen(func(string, error) { reports.Add(1) }))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := s.Claim(ctx, "msg_gone", time.Minute)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, c)
	assert.Zero(t, reports.Load(), "fail-open reports")
}
