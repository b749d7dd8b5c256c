package credentials

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
)

// scripted is a Provider whose answers the test controls. Each call takes
// the next answer; gate, when set, holds calls until it is closed.
type scripted struct {
	mu      sync.Mutex
	answers []answer
	calls   atomic.Int32
	entered chan struct{} // receives one value per call, if non-nil
	gate    chan struct{}
}

type answer struct {
	c   Credentials
	err error
}

func (s *scripted) push(c Credentials, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, answer{c, err})
}

func (s *scripted) Retrieve(ctx context.Context) (Credentials, error) {
	s.calls.Add(1)
	s.mu.Lock()
	gate, entered := s.gate, s.entered
	s.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return Credentials{}, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.answers) == 0 {
		return Credentials{}, errors.New("credentials: test provider has no more answers")
	}
	a := s.answers[0]
	if len(s.answers) > 1 {
		s.answers = s.answers[1:]
	}
	return a.c, a.err
}

func (s *scripted) setGate(g chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = g
}

func mustBasic(t testing.TB, user string, expires time.Time) Credentials {
	t.Helper()
	c, err := NewBasic(user, "pw-"+user)
	require.NoError(t, err)
	c.Expires = expires
	return c
}

// newTestCache returns a cache on a fake clock with jitter off and backoff
// drawn at its minimum (random 0), closed at the end of the test.
func newTestCache(t *testing.T, p Provider, opts ...Option) (*Cache, *fakeclock.Clock) {
	clock := fakeclock.New()
	base := []Option{WithClock(clock), WithJitter(0), WithRandom(func() float64 { return 0 })}
	c, cerr := NewCache(p, append(base, opts...)...)
	require.NoError(t, cerr)
	t.Cleanup(func() { _ = c.Close() })
	return c, clock
}

// rotationLog records the rotations a Cache reports, as "old->new" user
// names.
type rotationLog struct {
	mu   sync.Mutex
	seen []string
}

func (r *rotationLog) option() Option {
	return WithOnRotate(func(old, new Credentials) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.seen = append(r.seen, old.Username()+"->"+new.Username())
	})
}

func (r *rotationLog) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// waitIdle waits until no refresh is running.
func waitIdle(t *testing.T, c *Cache) {
	t.Helper()
	require.Eventually(t, func() bool { return !c.e.busy.Load() }, 10*time.Second, time.Millisecond)
}

func TestCacheServesFromMemory(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	p.push(mustBasic(t, "one", time.Time{}), nil)
	c, _ := newTestCache(t, p)
	for range 100 {
		got, err := c.Retrieve(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "one", got.Username())
	}
	assert.EqualValues(t, 1, p.calls.Load())
}

// TestCacheThousandCallersThroughExpiry is the refresh storm: 1,000
// goroutines keep calling Retrieve while the credentials pass their advisory
// window, mandatory window and expiry. The provider is called exactly once
// more, and every caller gets the old or the new credentials, never empty.
func TestCacheThousandCallersThroughExpiry(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New()
	p := &scripted{}
	old := mustBasic(t, "old", clock.Now().Add(time.Hour))
	fresh := mustBasic(t, "new", clock.Now().Add(3*time.Hour))
	p.push(old, nil)
	p.push(fresh, nil)
	c, cerr := NewCache(p, WithClock(clock), WithRefreshInterval(0))
	require.NoError(t, cerr)
	t.Cleanup(func() { _ = c.Close() })
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)

	gate := make(chan struct{})
	p.setGate(gate)
	const n = 1000
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	failures := make(chan string, n)
	for i := range n {
		go func() {
			defer done.Done()
			first := true
			for {
				got, err := c.Retrieve(t.Context())
				if first {
					started.Done()
					first = false
				}
				switch {
				case err != nil:
					failures <- fmt.Sprintf("caller %d: %v", i, err)
					return
				case got.IsZero():
					failures <- fmt.Sprintf("caller %d: empty credentials", i)
					return
				case got.Equal(fresh):
					return
				case !got.Equal(old):
					failures <- fmt.Sprintf("caller %d: unexpected %v", i, got)
					return
				}
				// Keep calling through the expiry without starving the
				// goroutine that moves the clock.
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}
	started.Wait()
	clock.Advance(2 * time.Hour) // through both windows and past expiry
	close(gate)
	done.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	assert.EqualValues(t, 2, p.calls.Load(), "exactly one refresh for 1,000 callers")
}

// TestCacheStormAtExpiry: all callers arrive after expiry, so all must wait,
// and all get the new value from a single provider call.
func TestCacheStormAtExpiry(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	c, clock := newTestCache(t, p, WithRefreshInterval(0))
	old := mustBasic(t, "old", clock.Now().Add(time.Hour))
	fresh := mustBasic(t, "new", clock.Now().Add(5*time.Hour))
	p.push(old, nil)
	p.push(fresh, nil)
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	clock.Advance(2 * time.Hour)

	gate := make(chan struct{})
	p.setGate(gate)
	const n = 1000
	results := make([]Credentials, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = c.Retrieve(t.Context()) })
	}
	require.Eventually(t, func() bool { return p.calls.Load() == 2 }, 10*time.Second, time.Millisecond)
	close(gate)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.True(t, results[i].Equal(fresh), "caller %d got %v", i, results[i])
	}
	assert.EqualValues(t, 2, p.calls.Load())
}

func TestCacheAdvisoryRefreshInBackground(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	rotations := &rotationLog{}
	c, clock := newTestCache(t, p, WithRefreshInterval(0), WithRefreshWindows(10*time.Minute, 2*time.Minute), rotations.option())
	old := mustBasic(t, "old", clock.Now().Add(time.Hour))
	p.push(old, nil)
	p.push(mustBasic(t, "new", clock.Now().Add(2*time.Hour)), nil)
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)

	clock.Advance(50*time.Minute - time.Second)
	got, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "old", got.Username())
	assert.EqualValues(t, 1, p.calls.Load(), "not yet in the advisory window (50m = 60m - 10m)")

	gate := make(chan struct{})
	p.setGate(gate)
	clock.Advance(time.Second)
	got, err = c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "old", got.Username(), "advisory: served at once while refreshing")
	require.Eventually(t, func() bool { return p.calls.Load() == 2 }, 10*time.Second, time.Millisecond)
	for range 10 {
		got, err = c.Retrieve(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "old", got.Username())
	}
	close(gate)
	waitIdle(t, c)
	got, err = c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "new", got.Username())
	assert.EqualValues(t, 2, p.calls.Load())
	assert.Equal(t, []string{"->old", "old->new"}, rotations.list())
}

func TestCacheMandatoryWindowBlocks(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	c, clock := newTestCache(t, p, WithRefreshInterval(0), WithRefreshWindows(10*time.Minute, 2*time.Minute))
	p.push(mustBasic(t, "old", clock.Now().Add(time.Hour)), nil)
	p.push(mustBasic(t, "new", clock.Now().Add(2*time.Hour)), nil)
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)

	// Past the advisory start without anyone calling, then into the
	// mandatory window: the next caller waits for the refresh.
	clock.Advance(58 * time.Minute)
	gate := make(chan struct{})
	p.setGate(gate)
	res := make(chan Credentials, 1)
	go func() {
		got, _ := c.Retrieve(t.Context())
		res <- got
	}()
	require.Eventually(t, func() bool { return p.calls.Load() == 2 }, 10*time.Second, time.Millisecond)
	select {
	case got := <-res:
		t.Fatalf("Retrieve returned %v before the refresh finished", got)
	default:
	}
	close(gate)
	assert.Equal(t, "new", (<-res).Username())
}

func TestCacheSchedule(t *testing.T) {
	t.Parallel()
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name              string
		interval          time.Duration
		adv, mand         time.Duration
		jitter, random    float64
		life              time.Duration // 0: no expiry
		wantRefresh, want time.Duration // offsets from fetch; want is mustAt (0: none)
	}{
		{name: "interval only", interval: 5 * time.Minute, adv: 5 * time.Minute, mand: time.Minute, wantRefresh: 5 * time.Minute},
		{name: "interval, full jitter draw", interval: 5 * time.Minute, adv: 5 * time.Minute, mand: time.Minute, jitter: 0.5, random: 1, wantRefresh: 150 * time.Second},
		{name: "expiry beats interval", interval: time.Hour, adv: 5 * time.Minute, mand: time.Minute, life: 30 * time.Minute, wantRefresh: 25 * time.Minute, want: 29 * time.Minute},
		{name: "expiry, jitter moves advisory later", adv: 5 * time.Minute, mand: time.Minute, jitter: 0.5, random: 1, life: time.Hour, wantRefresh: 57 * time.Minute, want: 59 * time.Minute},
		{name: "short-lived shrinks windows", adv: 5 * time.Minute, mand: time.Minute, life: 2 * time.Minute, wantRefresh: time.Minute, want: 90 * time.Second},
		{name: "windows zero: refresh at expiry", life: time.Hour, wantRefresh: time.Hour, want: time.Hour},
		{name: "floor of one backoff minimum", adv: 5 * time.Minute, mand: time.Minute, life: time.Second, wantRefresh: time.Second, want: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaultRefreshConfig()
			cfg.interval, cfg.advisory, cfg.mandatory, cfg.jitter = tt.interval, tt.adv, tt.mand, tt.jitter
			cfg.random = func() float64 { return tt.random }
			e := newEngine(cfg, nil, Credentials.Equal)
			en := &entry[Credentials]{ok: true}
			if tt.life > 0 {
				en.expires = base.Add(tt.life)
			}
			e.schedule(en, base)
			assert.Equal(t, tt.wantRefresh, en.refreshAt.Sub(base), "refreshAt")
			if tt.want == 0 {
				assert.True(t, en.mustAt.IsZero())
			} else {
				assert.Equal(t, tt.want, en.mustAt.Sub(base), "mustAt")
			}
		})
	}
}

func TestCacheIntervalRefreshWithJitter(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	p.push(mustBasic(t, "one", time.Time{}), nil)
	p.push(mustBasic(t, "two", time.Time{}), nil)
	// random 0.5, jitter 0.5: refresh after 10m - 0.25*10m = 7m30s.
	clock := fakeclock.New()
	c, cerr := NewCache(p, WithClock(clock), WithRefreshInterval(10*time.Minute), WithJitter(0.5), WithRandom(func() float64 { return 0.5 }))
	require.NoError(t, cerr)
	t.Cleanup(func() { _ = c.Close() })
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	clock.Advance(7*time.Minute + 29*time.Second)
	got, _ := c.Retrieve(t.Context())
	assert.Equal(t, "one", got.Username())
	assert.EqualValues(t, 1, p.calls.Load())
	clock.Advance(time.Second)
	got, _ = c.Retrieve(t.Context())
	assert.Equal(t, "one", got.Username(), "advisory: old value while refreshing")
	waitIdle(t, c)
	got, _ = c.Retrieve(t.Context())
	assert.Equal(t, "two", got.Username())
	assert.EqualValues(t, 2, p.calls.Load())
}

func TestCacheFailureKeepsLastGoodAndBacksOff(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	var reported atomic.Int32
	c, clock := newTestCache(t, p, WithRefreshInterval(time.Minute), WithBackoff(2*time.Second, 8*time.Second),
		WithOnRefreshError(func(error) { reported.Add(1) }))
	good := mustBasic(t, "good", time.Time{})
	p.push(good, nil)
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)

	boom := errors.New("credentials: secret manager unavailable")
	p.mu.Lock()
	p.answers = []answer{{err: boom}}
	p.mu.Unlock()

	clock.Advance(time.Minute)
	// Backoff with random 0 is half the step: 1s, 2s, 4s, 4s (capped at 8s/2).
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		got, err := c.Retrieve(t.Context())
		require.NoError(t, err)
		assert.True(t, got.Equal(good), "attempt %d: last good value kept", i)
		waitIdle(t, c)
		calls := p.calls.Load()
		clock.Advance(wait - time.Millisecond)
		_, _ = c.Retrieve(t.Context())
		waitIdle(t, c)
		assert.Equal(t, calls, p.calls.Load(), "attempt %d: no call during backoff", i)
		clock.Advance(time.Millisecond)
	}
	assert.EqualValues(t, 4, reported.Load())
}

func TestCacheErrorWithoutValue(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	boom := &ValidationError{Source: EnvAPIKey, Reason: ReasonEmpty}
	p.push(Credentials{}, boom)
	c, clock := newTestCache(t, p)
	_, err := c.Retrieve(t.Context())
	require.ErrorIs(t, err, boom)
	for range 50 {
		_, err = c.Retrieve(t.Context())
		require.ErrorIs(t, err, boom, "the last error is served during backoff")
	}
	assert.EqualValues(t, 1, p.calls.Load())

	p.mu.Lock()
	p.answers = []answer{{c: mustBasic(t, "fixed", time.Time{})}}
	p.mu.Unlock()
	clock.Advance(DefaultBackoffMin)
	got, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "fixed", got.Username())
	assert.EqualValues(t, 2, p.calls.Load())
}

func TestCacheMandatoryFailureServesUntilExpiry(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	c, clock := newTestCache(t, p, WithRefreshInterval(0), WithRefreshWindows(10*time.Minute, 5*time.Minute))
	old := mustBasic(t, "old", clock.Now().Add(time.Hour))
	p.push(old, nil)
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	boom := errors.New("credentials: down")
	p.mu.Lock()
	p.answers = []answer{{err: boom}}
	p.mu.Unlock()

	clock.Advance(56 * time.Minute) // mandatory window
	got, err := c.Retrieve(t.Context())
	require.NoError(t, err, "a failed mandatory refresh keeps the unexpired value")
	assert.True(t, got.Equal(old))

	clock.Advance(4 * time.Minute) // expired
	_, err = c.Retrieve(t.Context())
	require.ErrorIs(t, err, boom)
}

func TestCacheRejectsBadProviderAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    func(now time.Time) Credentials
		want error
	}{
		{name: "zero credentials", c: func(time.Time) Credentials { return Credentials{} }, want: errEmptyCredentials},
		{name: "already expired", c: func(now time.Time) Credentials { return mustBasic(t, "x", now) }, want: errExpiredValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := fakeclock.New()
			p := ProviderFunc(func(context.Context) (Credentials, error) { return tt.c(clock.Now()), nil })
			c, cerr := NewCache(p, WithClock(clock))
			require.NoError(t, cerr)
			t.Cleanup(func() { _ = c.Close() })
			_, err := c.Retrieve(t.Context())
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestCacheInvalidate(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	c, _ := newTestCache(t, p)
	one := mustBasic(t, "one", time.Time{})
	two := mustBasic(t, "two", time.Time{})
	p.push(one, nil)
	p.push(two, nil)
	got, err := c.Retrieve(t.Context())
	require.NoError(t, err)

	c.Invalidate(two)           // not the cached value
	c.Invalidate(Credentials{}) // zero
	got2, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.True(t, got2.Equal(one))
	assert.EqualValues(t, 1, p.calls.Load())

	// A burst of 401s with the same credentials: one refresh.
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			c.Invalidate(got)
			r, err := c.Retrieve(t.Context())
			assert.NoError(t, err)
			assert.True(t, r.Equal(two))
		})
	}
	wg.Wait()
	assert.EqualValues(t, 2, p.calls.Load())
}

func TestCacheInvalidateSameValueHolds(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	c, clock := newTestCache(t, p, WithBackoff(2*time.Second, time.Minute))
	same := mustBasic(t, "same", time.Time{})
	p.push(same, nil) // the provider keeps answering with the rejected value
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)

	c.Invalidate(same)
	got, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.True(t, got.Equal(same))
	assert.EqualValues(t, 2, p.calls.Load())
	for range 20 {
		c.Invalidate(same)
		_, err = c.Retrieve(t.Context())
		require.NoError(t, err)
	}
	assert.EqualValues(t, 2, p.calls.Load(), "further 401s with the same value wait for the backoff")
	clock.Advance(time.Second) // the backoff, at random 0
	c.Invalidate(same)
	_, err = c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 3, p.calls.Load())
}

// A refresh that was already reading when the value was rejected (a 401)
// may have read just before the new key was published. Its answer, the
// rejected value again, is not taken as the provider's word: the provider
// is asked once more, and the caller gets the new key, whether it waited
// for that refresh or came after it ended.
func TestCacheInvalidateDuringRefreshAsksAgain(t *testing.T) {
	t.Parallel()
	for _, joins := range []bool{true, false} {
		t.Run(fmt.Sprintf("joins=%v", joins), func(t *testing.T) {
			t.Parallel()
			p := &scripted{}
			rotations := &rotationLog{}
			c, clock := newTestCache(t, p, WithRefreshInterval(time.Minute), WithBackoff(time.Minute, time.Hour), rotations.option())
			v2 := mustBasic(t, "v2", time.Time{})
			v3 := mustBasic(t, "v3", time.Time{})
			p.push(v2, nil) // the first load
			p.push(v2, nil) // the background refresh, read before v3 was published
			p.push(v3, nil) // every later read
			_, err := c.Retrieve(t.Context())
			require.NoError(t, err)

			gate := make(chan struct{})
			p.setGate(gate)
			clock.Advance(time.Minute) // the refresh interval: a background refresh starts
			got, err := c.Retrieve(t.Context())
			require.NoError(t, err)
			assert.True(t, got.Equal(v2), "served while the refresh runs")
			require.Eventually(t, func() bool { return p.calls.Load() == 2 }, 10*time.Second, time.Millisecond)

			c.Invalidate(v2) // a 401 for v2 while the refresh is reading
			if joins {
				go func() {
					time.Sleep(20 * time.Millisecond) // let Retrieve wait for the running refresh
					close(gate)
				}()
			} else {
				close(gate)
				waitIdle(t, c)
				assert.EqualValues(t, 2, p.calls.Load())
			}
			got, err = c.Retrieve(t.Context())
			require.NoError(t, err)
			assert.Equal(t, "v3", got.Username())
			assert.EqualValues(t, 3, p.calls.Load())
			assert.Equal(t, []string{"->v2", "v2->v3"}, rotations.list())

			got, err = c.Retrieve(t.Context())
			require.NoError(t, err)
			assert.Equal(t, "v3", got.Username(), "and is cached")
			assert.EqualValues(t, 3, p.calls.Load())
		})
	}
}

func TestCacheContextWhileWaiting(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	gate := make(chan struct{})
	p.setGate(gate)
	p.push(mustBasic(t, "slow", time.Time{}), nil)
	c, _ := newTestCache(t, p)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Retrieve(ctx)
	require.ErrorIs(t, err, context.Canceled)
	// The refresh goes on for the next caller; no second call.
	close(gate)
	got, err := c.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "slow", got.Username())
	assert.EqualValues(t, 1, p.calls.Load())
}

func TestCacheRefreshTimeout(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	p.setGate(make(chan struct{})) // never opens
	p.push(mustBasic(t, "never", time.Time{}), nil)
	c, _ := newTestCache(t, p, WithRefreshTimeout(20*time.Millisecond))
	_, err := c.Retrieve(t.Context())
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCacheClose(t *testing.T) {
	t.Parallel()
	p := &scripted{}
	c, clock := newTestCache(t, p, WithRefreshInterval(time.Minute))
	v := mustBasic(t, "v", clock.Now().Add(time.Hour))
	p.push(v, nil)
	_, err := c.Retrieve(t.Context())
	require.NoError(t, err)

	// A refresh in progress is cancelled by Close, which waits for it.
	gate := make(chan struct{})
	p.setGate(gate)
	clock.Advance(2 * time.Minute)
	_, err = c.Retrieve(t.Context())
	require.NoError(t, err)
	require.Eventually(t, func() bool { return p.calls.Load() == 2 }, 10*time.Second, time.Millisecond)
	require.NoError(t, c.Close())
	assert.False(t, c.e.busy.Load())
	require.NoError(t, c.Close(), "idempotent")
	assert.Empty(t, clock.Pending(), "no timer left")

	got, err := c.Retrieve(t.Context())
	require.NoError(t, err, "unexpired credentials are still served")
	assert.True(t, got.Equal(v))
	clock.Advance(time.Hour)
	_, err = c.Retrieve(t.Context())
	require.ErrorIs(t, err, ErrClosed)
	assert.EqualValues(t, 2, p.calls.Load())
}

func TestCacheZeroAndOptions(t *testing.T) {
	t.Parallel()
	var zero Cache
	_, err := zero.Retrieve(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)
	zero.Invalidate(mustBasic(t, "x", time.Time{}))
	require.NoError(t, zero.Close())
	var nilCache *Cache
	_, err = nilCache.Retrieve(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)

	ctx := t.Context()
	src := SecretProviderFunc(func(context.Context) ([]Secret, error) { return []Secret{NewSecret("s")}, nil })
	// Every bad configuration is an error matching ErrInvalidOption, never a
	// panic, and the constructor returns nothing usable.
	bad := map[string]func() error{
		"nil provider":        func() error { _, err := NewCache(nil); return err },
		"nil secret provider": func() error { _, err := NewSecretSet(ctx, nil); return err },
		"nil option":          func() error { _, err := NewCache(Static("u", "p"), nil); return err },
		"nil set option":      func() error { _, err := NewSecretSet(ctx, src, nil); return err },
		"jitter > 1":          func() error { _, err := NewCache(Static("u", "p"), WithJitter(1.5)); return err },
		"jitter < 0":          func() error { _, err := NewCache(Static("u", "p"), WithJitter(-0.1)); return err },
		"jitter NaN":          func() error { _, err := NewSecretSet(ctx, src, WithJitter(math.NaN())); return err },
		"timeout 0":           func() error { _, err := NewCache(Static("u", "p"), WithRefreshTimeout(0)); return err },
		"backoff min 0":       func() error { _, err := NewCache(Static("u", "p"), WithBackoff(0, time.Second)); return err },
		"backoff max < min": func() error {
			_, err := NewCache(Static("u", "p"), WithBackoff(time.Second, time.Millisecond))
			return err
		},
		"mandatory > advisory": func() error {
			_, err := NewCache(Static("u", "p"), WithRefreshWindows(time.Minute, time.Hour))
			return err
		},
		"negative mandatory": func() error {
			_, err := NewCache(Static("u", "p"), WithRefreshWindows(time.Minute, -time.Second))
			return err
		},
		"negative grace":     func() error { _, err := NewSecretSet(ctx, src, WithGracePeriod(-time.Second)); return err },
		"nil clock":          func() error { _, err := NewCache(Static("u", "p"), WithClock(nil)); return err },
		"nil random":         func() error { _, err := NewCache(Static("u", "p"), WithRandom(nil)); return err },
		"grace on a cache":   func() error { _, err := NewCache(Static("u", "p"), WithGracePeriod(time.Minute)); return err },
		"windows on a set":   func() error { _, err := NewSecretSet(ctx, src, WithRefreshWindows(time.Minute, 0)); return err },
		"on rotate on a set": func() error { _, err := NewSecretSet(ctx, src, WithOnRotate(nil)); return err },
	}
	for name, f := range bad {
		var err error
		require.NotPanics(t, func() { err = f() }, name)
		require.ErrorIs(t, err, ErrInvalidOption, name)
	}
	c, err := NewCache(Static("u", "p"), WithRefreshInterval(-1), WithJitter(0), WithRefreshWindows(0, 0))
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

func TestCacheRetrieveAllocs(t *testing.T) {
	c, _ := newTestCache(t, Static("test-user", "not-a-real-password"))
	ctx := t.Context()
	_, err := c.Retrieve(ctx)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() { _, _ = c.Retrieve(ctx) })
	assert.Zero(t, allocs)
}

func BenchmarkCacheRetrieve(b *testing.B) {
	c, cerr := NewCache(Static("test-user", "not-a-real-password"))
	require.NoError(b, cerr)
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Retrieve(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Retrieve(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
