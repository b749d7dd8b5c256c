package credentials

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the refresh machinery shared by Cache and SecretSet.
const (
	// DefaultRefreshInterval is how old a value may grow before a
	// background refresh, when WithRefreshInterval is not given.
	DefaultRefreshInterval = 5 * time.Minute
	// DefaultAdvisoryWindow is how long before Expires a Cache starts
	// refreshing in the background, when WithRefreshWindows is not given.
	DefaultAdvisoryWindow = 5 * time.Minute
	// DefaultMandatoryWindow is how long before Expires a Cache makes
	// callers wait for a refresh, when WithRefreshWindows is not given.
	DefaultMandatoryWindow = time.Minute
	// DefaultJitter is the fraction of the refresh interval and of the gap
	// between the windows that is randomised, when WithJitter is not given.
	DefaultJitter = 0.5
	// DefaultRefreshTimeout bounds one call to the provider, when
	// WithRefreshTimeout is not given.
	DefaultRefreshTimeout = 30 * time.Second
	// DefaultBackoffMin and DefaultBackoffMax bound the wait after a failed
	// refresh, when WithBackoff is not given.
	DefaultBackoffMin = time.Second
	DefaultBackoffMax = time.Minute
)

// refreshConfig holds the knobs shared by Cache and SecretSet.
type refreshConfig struct {
	interval   time.Duration
	advisory   time.Duration
	mandatory  time.Duration
	jitter     float64
	clock      Clock
	random     func() float64
	timeout    time.Duration
	backoffMin time.Duration
	backoffMax time.Duration
	onError    func(error)
	onRefresh  func(RefreshEvent)
}

func defaultRefreshConfig() refreshConfig {
	return refreshConfig{
		interval:   DefaultRefreshInterval,
		advisory:   DefaultAdvisoryWindow,
		mandatory:  DefaultMandatoryWindow,
		jitter:     DefaultJitter,
		clock:      systemClock{},
		random:     rand.Float64,
		timeout:    DefaultRefreshTimeout,
		backoffMin: DefaultBackoffMin,
		backoffMax: DefaultBackoffMax,
	}
}

// Option configures NewCache or NewSecretSet. Options validate their input:
// a bad value, a nil Option, or an option that belongs to the other
// constructor (WithRefreshWindows and WithOnRotate are for NewCache,
// WithGracePeriod for NewSecretSet) makes the constructor return an error
// matching ErrInvalidOption, the first one found. The other options
// configure the refresh machinery that Cache and SecretSet share and are
// accepted by both. No option panics.
type Option func(*config) error

// target says which constructor is applying the options.
type target int

const (
	forCache target = iota + 1
	forSecretSet
)

func (t target) String() string {
	if t == forSecretSet {
		return "NewSecretSet"
	}
	return "NewCache"
}

// config is what Options set, for a Cache or a SecretSet.
type config struct {
	target   target
	refresh  refreshConfig
	onRotate func(old, new Credentials) // Cache only
	grace    time.Duration              // SecretSet only
}

// invalidOption returns an error matching ErrInvalidOption.
func invalidOption(format string, args ...any) error {
	return fmt.Errorf("%w: credentials: %s", ErrInvalidOption, fmt.Sprintf(format, args...))
}

// applyOptions applies opts in order to c and returns the first error.
func applyOptions(c *config, opts []Option) error {
	for i, o := range opts {
		if o == nil {
			return invalidOption("%v: option %d is nil", c.target, i)
		}
		if err := o(c); err != nil {
			return err
		}
	}
	return nil
}

// only refuses an option meant for the other constructor.
func (c *config) only(t target, name string) error {
	if c.target != t {
		return invalidOption("%s applies to %v, not %v", name, t, c.target)
	}
	return nil
}

// WithRefreshInterval sets how old a value may grow before it is refreshed in
// the background while callers keep using it (the advisory path), whether or
// not it has an expiry; jitter shortens each interval by a random fraction.
// d <= 0 disables interval refreshes: a Cache then refreshes only ahead of
// Expires and after Invalidate, and a SecretSet never. The default is
// DefaultRefreshInterval.
func WithRefreshInterval(d time.Duration) Option {
	return func(c *config) error { c.refresh.interval = max(d, 0); return nil }
}

// WithJitter sets the fraction, between 0 and 1, of each refresh interval,
// and of the gap between the advisory and mandatory windows, that is drawn at
// random, so that a fleet of processes started together does not refresh in
// step. 0 disables jitter. The default is DefaultJitter. A frac outside
// [0, 1], or NaN, is an error matching ErrInvalidOption.
func WithJitter(frac float64) Option {
	return func(c *config) error {
		if !(frac >= 0 && frac <= 1) {
			return invalidOption("WithJitter(%v): fraction outside [0, 1]", frac)
		}
		c.refresh.jitter = frac
		return nil
	}
}

// WithClock sets the clock that drives refresh deadlines, for tests. The
// default is the system clock; a nil clock is an error matching
// ErrInvalidOption.
func WithClock(clock Clock) Option {
	return func(c *config) error {
		if clock == nil {
			return invalidOption("WithClock: nil clock")
		}
		c.refresh.clock = clock
		return nil
	}
}

// WithRandom sets the source of jitter: f returns a number in [0, 1). It is
// called with an internal lock held, never concurrently with itself, so it
// need not be safe for concurrent use. The default is math/rand/v2's
// Float64; a nil f is an error matching ErrInvalidOption. Tests pass a
// constant.
func WithRandom(f func() float64) Option {
	return func(c *config) error {
		if f == nil {
			return invalidOption("WithRandom: nil function")
		}
		c.refresh.random = f
		return nil
	}
}

// WithRefreshTimeout bounds one call to the provider. The call does not
// inherit the cancellation of the caller that triggered it (other callers
// may be waiting for it), so this is what stops a hung provider. The default
// is DefaultRefreshTimeout. A d <= 0 is an error matching ErrInvalidOption.
func WithRefreshTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalidOption("WithRefreshTimeout(%v): not positive", d)
		}
		c.refresh.timeout = d
		return nil
	}
}

// WithBackoff sets the wait after a failed refresh before the provider is
// asked again: min after the first failure, doubling with each further one up
// to max, each wait drawn at random between half and all of that. Callers
// keep the last good value meanwhile, or, when there is none, get the last
// error at once. The same wait also spaces out refreshes in general, so a
// provider is never asked more often than every min. The defaults are
// DefaultBackoffMin and DefaultBackoffMax. A min <= 0 or a max < min is an
// error matching ErrInvalidOption.
func WithBackoff(min, max time.Duration) Option {
	return func(c *config) error {
		if min <= 0 || max < min {
			return invalidOption("WithBackoff(%v, %v): need 0 < min <= max", min, max)
		}
		c.refresh.backoffMin, c.refresh.backoffMax = min, max
		return nil
	}
}

// WithOnRefreshError sets a function called with the error of every failed
// refresh, including background ones that callers never see, for logging or
// metrics. The error carries no secret values. f is called from the
// refreshing goroutine, one call at a time, before the callers waiting for
// the refresh are released: it must not block for long, and must not call
// Invalidate or Close. Nil, the default, means none.
func WithOnRefreshError(f func(err error)) Option {
	return func(c *config) error { c.refresh.onError = f; return nil }
}

// RefreshEvent describes one read of the provider by a cache, for
// metrics: see WithOnRefresh.
type RefreshEvent struct {
	// Err is the provider's error (it carries no secret values); nil when
	// it returned a value.
	Err error
	// Initial is set when no value was cached before: the first read, or
	// the first after failures left nothing to serve.
	Initial bool
	// Changed is set when the value differs from the one cached before: a
	// rotation. It is never set with Initial.
	Changed bool
	// Duration is how long the provider took.
	Duration time.Duration
}

// WithOnRefresh sets a function called after every read of the provider,
// successful or not, including background ones that callers never see,
// for metrics. It runs where WithOnRefreshError's function does, under the
// same rules: from the refreshing goroutine, one call at a time, before
// the callers waiting for the refresh are released; it must not block for
// long, and must not call Invalidate or Close. Nil, the default, means
// none. A read whose answer is discarded (it returned the value just
// rejected, read before the rejection) is not reported: the read that
// replaces it is.
func WithOnRefresh(f func(RefreshEvent)) Option {
	return func(c *config) error { c.refresh.onRefresh = f; return nil }
}

// Phases of a cached value, read lock-free on the hot path.
const (
	phaseFresh    int32 = iota // serve it
	phaseAdvisory              // serve it and refresh in the background
	phaseBlock                 // wait for a refresh
	phaseFailed                // no value: return the last error until retryAt
)

// errExpiredValue reports a provider answer that had already expired.
var errExpiredValue = errors.New("credentials: provider returned credentials that have already expired")

// entry is one immutable cached state. Only phase changes, under engine.mu.
type entry[T any] struct {
	val       T
	ok        bool  // val is usable (until expires)
	err       error // when !ok: the last refresh error, if any
	expires   time.Time
	refreshAt time.Time // start of the advisory path
	mustAt    time.Time // start of the mandatory path
	retryAt   time.Time // backoff: no provider call before this
	// rejected is the value Invalidate dropped (an entry with !ok).
	rejected *T
	// holdUntil ignores Invalidate until then: the provider just answered
	// again with a value that had been rejected.
	holdUntil time.Time
	phase     atomic.Int32
}

// flight is one call to the provider; callers that need its result wait on
// done. settled is set, under engine.mu, once the result is stored.
//
// stale is set, under engine.mu, when Invalidate drops a value while the
// flight runs: the provider was asked before the rejection, so an answer
// equal to the rejected value proves nothing (the new key may have been
// published just after the read). Such an answer is not stored; again tells
// the waiting callers to ask once more. again is written before done is
// closed and read after.
type flight[T any] struct {
	done    chan struct{}
	start   time.Time // when the provider was asked
	settled bool
	stale   bool
	again   bool
	val     T
	err     error
}

// engine caches a value of type T fetched from a provider: the machinery
// that Cache and SecretSet share. The read path is one atomic pointer load
// and one atomic phase load. Deadlines are not checked on the read path (a
// clock read costs more than the rest of it): timers move each entry's phase
// when a deadline passes.
type engine[T any] struct {
	cfg      refreshConfig
	fetch    func(ctx context.Context) (T, time.Time, error)
	equal    func(a, b T) bool
	onChange func(old T, hadOld bool, new T) // called in order, one at a time

	cur  atomic.Pointer[entry[T]]
	busy atomic.Bool // a flight is running

	mu       sync.Mutex
	flight   *flight[T]
	timer    Timer
	failures int
	closed   bool
	base     context.Context // cancelled by close
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

func newEngine[T any](cfg refreshConfig, fetch func(context.Context) (T, time.Time, error), equal func(a, b T) bool) *engine[T] {
	e := &engine[T]{cfg: cfg, fetch: fetch, equal: equal}
	e.base, e.stop = context.WithCancel(context.Background())
	return e
}

// get returns the cached value, refreshing it first when it is missing,
// expired or in the mandatory window.
func (e *engine[T]) get(ctx context.Context) (T, error) {
	if en := e.cur.Load(); en != nil {
		switch en.phase.Load() {
		case phaseFresh:
			return en.val, nil
		case phaseAdvisory:
			e.kick(ctx, en)
			return en.val, nil
		case phaseFailed:
			var zero T
			return zero, en.err
		}
	}
	return e.getSlow(ctx)
}

// peek returns the cached value without ever waiting, starting a background
// refresh when one is due.
func (e *engine[T]) peek() (T, bool) {
	en := e.cur.Load()
	if en == nil {
		var zero T
		return zero, false
	}
	if ph := en.phase.Load(); ph == phaseAdvisory || ph == phaseBlock {
		e.kick(context.Background(), en)
	}
	return en.val, en.ok
}

// kick starts a background refresh if en is still current and none runs.
func (e *engine[T]) kick(ctx context.Context, en *entry[T]) {
	if e.busy.Load() {
		return
	}
	e.mu.Lock()
	if !e.closed && e.flight == nil && e.cur.Load() == en && en.phase.Load() != phaseFresh {
		e.startFlight(ctx)
	}
	e.mu.Unlock()
}

func (e *engine[T]) getSlow(ctx context.Context) (T, error) {
	var zero T
	for {
		e.mu.Lock()
		now := e.cfg.clock.Now()
		en := e.cur.Load()
		if e.closed {
			e.mu.Unlock()
			return e.closedGet(en, now)
		}
		ph := phaseBlock
		if en != nil {
			ph, _ = e.phaseAt(en, now)
			en.phase.Store(ph)
		}
		switch ph {
		case phaseFresh:
			e.mu.Unlock()
			return en.val, nil
		case phaseAdvisory:
			if !e.closed && e.flight == nil {
				e.startFlight(ctx)
			}
			e.mu.Unlock()
			return en.val, nil
		case phaseFailed:
			e.mu.Unlock()
			return zero, en.err
		}
		f := e.flight
		if f == nil {
			f = e.startFlight(ctx)
		}
		settled := f.settled
		e.mu.Unlock()

		select {
		case <-ctx.Done():
			return zero, fmt.Errorf("credentials: waiting for refresh: %w", ctx.Err())
		case <-f.done:
		}
		if !settled && !f.again {
			return f.val, f.err
		}
		// That flight had already stored its result, which may since
		// have been invalidated, or it read the provider before the
		// current value was rejected: look again.
	}
}

// closedGet answers get after close: the value while it has not expired,
// the last error while in backoff, else ErrClosed.
func (e *engine[T]) closedGet(en *entry[T], now time.Time) (T, error) {
	var zero T
	switch {
	case en == nil:
		return zero, ErrClosed
	case en.ok && (en.expires.IsZero() || now.Before(en.expires)):
		return en.val, nil
	case !en.ok && en.err != nil && now.Before(en.retryAt):
		return zero, en.err
	}
	return zero, ErrClosed
}

// startFlight starts a call to the provider in its own goroutine. The call
// keeps ctx's values but not its cancellation: it is bounded by the refresh
// timeout and by close. e.mu must be held.
func (e *engine[T]) startFlight(ctx context.Context) *flight[T] {
	f := &flight[T]{done: make(chan struct{}), start: time.Now()}
	e.flight = f
	e.busy.Store(true)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.timeout)
	stop := context.AfterFunc(e.base, cancel)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer cancel()
		defer stop()
		v, exp, err := e.fetch(fctx)
		e.finish(f, v, exp, err)
	}()
	return f
}

// finish stores a flight's result, runs the hooks, then releases the
// callers waiting for it.
func (e *engine[T]) finish(f *flight[T], v T, expires time.Time, err error) {
	e.mu.Lock()
	now := e.cfg.clock.Now()
	old := e.cur.Load()
	if err == nil && !expires.IsZero() && !now.Before(expires) {
		err = errExpiredValue
	}
	if err == nil && f.stale && old != nil && old.rejected != nil && e.equal(v, *old.rejected) {
		// Read before the rejection: keep the value dropped and let the
		// waiters start a fresh call, which decides whether to hold.
		f.again = true
		e.mu.Unlock()
		e.release(f)
		return
	}
	var (
		next    *entry[T]
		prev    T
		hadPrev bool
		changed bool
	)
	if old != nil && old.ok {
		prev, hadPrev = old.val, true
	} else if old != nil && old.rejected != nil {
		prev, hadPrev = *old.rejected, true
	}
	if err == nil {
		next = &entry[T]{val: v, ok: true, expires: expires}
		e.schedule(next, now)
		if old != nil && old.rejected != nil && e.equal(v, *old.rejected) {
			// Still the value that was rejected: ignore further
			// Invalidate calls for a while rather than ask again at once.
			e.failures++
			next.holdUntil = now.Add(e.backoff())
		} else {
			e.failures = 0
		}
		changed = !hadPrev || !e.equal(prev, v)
		f.val = v
	} else {
		e.failures++
		retryAt := now.Add(e.backoff())
		if old != nil && old.ok && (old.expires.IsZero() || now.Before(old.expires)) {
			next = &entry[T]{
				val: old.val, ok: true, expires: old.expires,
				refreshAt: old.refreshAt, mustAt: old.mustAt, retryAt: retryAt,
			}
			f.val = old.val
		} else {
			next = &entry[T]{err: err, retryAt: retryAt}
			f.err = err
		}
	}
	e.store(next, now)
	f.settled = true
	e.mu.Unlock()

	if changed && e.onChange != nil {
		e.onChange(prev, hadPrev, v)
	}
	if err != nil && e.cfg.onError != nil {
		e.cfg.onError(err)
	}
	if e.cfg.onRefresh != nil {
		e.cfg.onRefresh(RefreshEvent{Err: err, Initial: !hadPrev, Changed: changed && hadPrev, Duration: time.Since(f.start)})
	}
	e.release(f)
}

// release ends flight f, so that the next refresh may start, and wakes the
// callers waiting for it.
func (e *engine[T]) release(f *flight[T]) {
	e.mu.Lock()
	e.flight = nil
	e.busy.Store(false)
	e.mu.Unlock()
	close(f.done)
}

// schedule sets the refresh deadlines of a freshly fetched entry.
//
// With an interval I and jitter J, the advisory refresh starts at a uniform
// random point in [now+I(1-J), now+I]. With an expiry, the windows are first
// shrunk for short-lived values (advisory at most half the lifetime,
// mandatory at most a quarter), then the advisory refresh starts at a uniform
// random point in the first J of the gap between the advisory and mandatory
// window starts, so it always comes before the mandatory window. No refresh
// is scheduled sooner than the minimum backoff after the fetch.
func (e *engine[T]) schedule(en *entry[T], now time.Time) {
	r := e.cfg.random()
	j := e.cfg.jitter
	if e.cfg.interval > 0 {
		en.refreshAt = now.Add(e.cfg.interval - time.Duration(j*r*float64(e.cfg.interval)))
	}
	if !en.expires.IsZero() {
		life := en.expires.Sub(now)
		adv := min(e.cfg.advisory, life/2)
		mand := min(e.cfg.mandatory, life/4)
		advAt := en.expires.Add(-adv + time.Duration(j*r*float64(adv-mand)))
		if en.refreshAt.IsZero() || advAt.Before(en.refreshAt) {
			en.refreshAt = advAt
		}
		en.mustAt = en.expires.Add(-mand)
	}
	floor := now.Add(e.cfg.backoffMin)
	if !en.refreshAt.IsZero() && en.refreshAt.Before(floor) {
		en.refreshAt = floor
	}
	if !en.mustAt.IsZero() && en.mustAt.Before(floor) {
		en.mustAt = floor
		if en.mustAt.After(en.expires) {
			en.mustAt = en.expires
		}
	}
}

// backoff returns the wait after the current number of failures: the
// minimum doubled per further failure, capped, then drawn in [d/2, d].
func (e *engine[T]) backoff() time.Duration {
	d := e.cfg.backoffMin
	for i := 1; i < e.failures && d < e.cfg.backoffMax; i++ {
		d *= 2
	}
	d = min(d, e.cfg.backoffMax)
	return d/2 + time.Duration(e.cfg.random()*float64(d/2))
}

// phaseAt returns the phase of en at now and the next instant at which it
// may change (zero if never). It does not modify en.
func (e *engine[T]) phaseAt(en *entry[T], now time.Time) (int32, time.Time) {
	var next time.Time
	for _, t := range [...]time.Time{en.refreshAt, en.mustAt, en.expires, en.retryAt} {
		if !t.IsZero() && t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	gated := now.Before(en.retryAt)
	switch {
	case !en.ok && gated:
		return phaseFailed, next
	case !en.ok:
		return phaseBlock, time.Time{}
	case !en.expires.IsZero() && !now.Before(en.expires):
		return phaseBlock, time.Time{}
	case !en.mustAt.IsZero() && !now.Before(en.mustAt):
		if gated {
			return phaseFresh, next
		}
		return phaseBlock, next
	case !en.refreshAt.IsZero() && !now.Before(en.refreshAt):
		if gated {
			return phaseFresh, next
		}
		return phaseAdvisory, next
	}
	return phaseFresh, next
}

// store makes en current, sets its phase and arms the timer for its next
// phase change. e.mu must be held.
func (e *engine[T]) store(en *entry[T], now time.Time) {
	ph, next := e.phaseAt(en, now)
	if e.closed {
		ph = phaseBlock // after close every read checks the time
	}
	en.phase.Store(ph)
	e.cur.Store(en)
	e.arm(en, now, next)
}

// arm replaces the pending timer by one that re-evaluates en at next.
func (e *engine[T]) arm(en *entry[T], now, next time.Time) {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	if e.closed || next.IsZero() {
		return
	}
	e.timer = e.cfg.clock.AfterFunc(next.Sub(now), func() { e.onTimer(en) })
}

func (e *engine[T]) onTimer(en *entry[T]) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.cur.Load() != en {
		return
	}
	now := e.cfg.clock.Now()
	ph, next := e.phaseAt(en, now)
	en.phase.Store(ph)
	e.arm(en, now, next)
}

// invalidate drops the current value if rejected reports true for it, so
// that the next get refreshes. It does nothing while the provider has just
// re-confirmed that very value (see finish).
func (e *engine[T]) invalidate(rejected func(T) bool) {
	en := e.cur.Load()
	if en == nil || !en.ok || !rejected(en.val) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur.Load() != en {
		return // replaced meanwhile; the new value was not rejected
	}
	now := e.cfg.clock.Now()
	if now.Before(en.holdUntil) {
		return
	}
	v := en.val
	e.store(&entry[T]{rejected: &v}, now)
	if e.flight != nil {
		e.flight.stale = true
	}
}

// close stops timers and in-flight refreshes and waits for them.
func (e *engine[T]) close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.stop()
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	if en := e.cur.Load(); en != nil {
		en.phase.Store(phaseBlock) // after close every read checks the time
	}
	e.mu.Unlock()
	e.wg.Wait()
}
