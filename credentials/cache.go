package credentials

import (
	"context"
	"time"
)

// WithRefreshWindows sets how long before Credentials.Expires a Cache starts
// refreshing: from advisory before, one background goroutine refreshes while
// callers keep the current value; from mandatory before, callers wait for the
// refresh (all of them for the same single provider call). For short-lived
// credentials the windows shrink to at most half (advisory) and a quarter
// (mandatory) of the lifetime left when they were fetched. Credentials
// without Expires are refreshed on the interval only. Zero for both means
// refreshing only once the credentials have expired. The defaults are
// DefaultAdvisoryWindow and DefaultMandatoryWindow. A mandatory < 0 or an
// advisory < mandatory is an error matching ErrInvalidOption, and so is
// passing it to NewSecretSet.
func WithRefreshWindows(advisory, mandatory time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forCache, "WithRefreshWindows"); err != nil {
			return err
		}
		if mandatory < 0 || advisory < mandatory {
			return invalidOption("WithRefreshWindows(%v, %v): need 0 <= mandatory <= advisory", advisory, mandatory)
		}
		c.refresh.advisory, c.refresh.mandatory = advisory, mandatory
		return nil
	}
}

// WithOnRotate sets a function called each time the cached credentials
// change to ones that are not Equal to the previous (old is the zero
// Credentials on the first load), to log or count rotations. Credentials
// print without their secret part. f is called from the refreshing
// goroutine, in order and one call at a time, after the new credentials are
// in use and before the callers waiting for them are released: keep it
// short. It may call Retrieve, but not Invalidate or Close. Nil, the
// default, means none. It is for NewCache: NewSecretSet refuses it with an
// error matching ErrInvalidOption.
func WithOnRotate(f func(old, new Credentials)) Option {
	return func(c *config) error {
		if err := c.only(forCache, "WithOnRotate"); err != nil {
			return err
		}
		c.onRotate = f
		return nil
	}
}

// Cache wraps a Provider so that it is asked only when needed, and serves
// every other Retrieve from memory: the read path is two atomic loads, with
// no lock, no clock read and no allocation.
//
// When credentials are refreshed:
//
//   - on an interval (WithRefreshInterval, default 5 minutes, jittered), in
//     the background: callers keep the current value meanwhile;
//   - ahead of Credentials.Expires: in the advisory window in the background,
//     in the mandatory window by making callers wait (WithRefreshWindows);
//   - at once after Invalidate dropped them, by making callers wait.
//
// However many goroutines need a refresh at the same time, the provider is
// called once (single flight). A refresh that fails keeps the last good
// credentials in use while they have not expired, and the provider is not
// asked again before a backoff (WithBackoff); with no usable credentials,
// callers get the last error until then. Deadlines are tracked with timers
// of the Clock (WithClock), so a refresh can be late by the time a timer
// fires late, such as after the machine was suspended; a 401 and Invalidate
// recover from that.
//
// The zero Cache is not usable: its Retrieve returns an error wrapping
// ErrNoCredentials. Use NewCache. A Cache is safe for concurrent use. It
// starts goroutines only to refresh, and only one at a time; Close stops and
// waits for it.
type Cache struct {
	e        *engine[Credentials]
	onRotate func(old, new Credentials)
}

// NewCache returns a Cache over p. It does not call p: the first Retrieve
// does. Errors match ErrInvalidOption: a nil p, a nil Option, an option
// with a bad value or one meant for NewSecretSet (the first found).
func NewCache(p Provider, opts ...Option) (*Cache, error) {
	if p == nil {
		return nil, invalidOption("NewCache: nil Provider")
	}
	cfg := config{target: forCache, refresh: defaultRefreshConfig()}
	if err := applyOptions(&cfg, opts); err != nil {
		return nil, err
	}
	fetch := func(ctx context.Context) (Credentials, time.Time, error) {
		c, err := p.Retrieve(ctx)
		if err != nil {
			return Credentials{}, time.Time{}, err
		}
		if c.IsZero() {
			return Credentials{}, time.Time{}, errEmptyCredentials
		}
		return c, c.Expires, nil
	}
	c := &Cache{e: newEngine(cfg.refresh, fetch, Credentials.Equal), onRotate: cfg.onRotate}
	if c.onRotate != nil {
		c.e.onChange = func(old Credentials, _ bool, new Credentials) { c.onRotate(old, new) }
	}
	return c, nil
}

// errZeroCache is what the zero Cache answers.
var errZeroCache = &notFoundError{what: "zero Cache: use NewCache"}

// Retrieve implements Provider. It returns the cached credentials, or waits
// for a refresh when there are none yet, they have expired or been
// invalidated, or they are in the mandatory window; the wait ends early when
// ctx is done. Errors: the provider's error (while no usable credentials
// remain); an error wrapping ctx.Err() if ctx ended the wait; one wrapping
// ErrClosed after Close; one wrapping ErrNoCredentials for the zero Cache.
func (c *Cache) Retrieve(ctx context.Context) (Credentials, error) {
	if c == nil || c.e == nil {
		return Credentials{}, errZeroCache
	}
	// The hot path of engine.get, written out for the concrete type: a
	// generic copy of Credentials would go through the runtime.
	if en := c.e.cur.Load(); en != nil {
		switch en.phase.Load() {
		case phaseFresh:
			return en.val, nil
		case phaseAdvisory:
			c.e.kick(ctx, en)
			return en.val, nil
		}
	}
	return c.e.get(ctx)
}

// Invalidate drops the cached credentials if they are still Equal to
// rejected, typically the credentials a request just got a 401 for, so that
// the next Retrieve asks the provider again. When a burst of requests fails
// with the same credentials, the first Invalidate drops them and the others
// find different (or no) credentials and do nothing, so the burst causes one
// refresh. If the provider then answers with the rejected credentials again,
// further Invalidate calls are ignored for a backoff period. A refresh that
// was already running when Invalidate dropped the credentials may have read
// them before a new version was published: if it brings back the rejected
// credentials, they are not kept, and the callers waiting for it start a
// fresh refresh, whose answer counts. Invalidate never
// blocks on the provider and is safe to call at any time; it does nothing on
// the zero Cache or for zero Credentials.
func (c *Cache) Invalidate(rejected Credentials) {
	if c == nil || c.e == nil || rejected.IsZero() {
		return
	}
	c.e.invalidate(rejected.Equal)
}

// Close stops the Cache's timers, cancels a refresh in progress and waits
// for its goroutine to end. Afterwards Retrieve still returns credentials
// that have not expired (without refreshing them) and otherwise an error
// wrapping ErrClosed. Close is idempotent and always returns nil.
func (c *Cache) Close() error {
	if c != nil && c.e != nil {
		c.e.close()
	}
	return nil
}
