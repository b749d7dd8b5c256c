package redislimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jupico/jupico-go/jupico"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Defaults of a Limiter built without options.
const (
	// DefaultKey is the Redis key holding the limiter's state. Every
	// Limiter with the same key on the same Redis shares one budget.
	DefaultKey = "jupico:ratelimit"

	// DefaultTimeout bounds one round trip to Redis.
	DefaultTimeout = time.Second

	// MaxRate is the highest rate a Limiter accepts, in requests a second:
	// the limiter counts time in microseconds.
	MaxRate rate.Limit = 1_000_000

	// MinRate is the lowest rate a Limiter accepts: one request a day.
	MinRate rate.Limit = 1.0 / 86400
)

// Limiter is a rate limit shared by every process that uses the same Redis
// key: four replicas each holding a Limiter for 50 requests a second send 50
// requests a second between them, not 200. It implements jupico.Limiter;
// install it with jupico.WithLimiter. For a limit within one process,
// jupico.WithRateLimit (golang.org/x/time/rate) needs no Redis.
//
// Each Wait runs one Lua script (the generic cell rate algorithm) that
// reserves the caller's slot and returns how long to wait for it, reading
// the time from the Redis server, so that the replicas' clocks need not
// agree. Every replica must use the same rate and burst for a key.
//
// Build a Limiter with New; the zero Limiter is not usable. A Limiter is
// safe for concurrent use and holds no goroutine or connection of its own:
// it uses the client it was given, which it does not close.
type Limiter struct {
	rdb      redis.UniversalClient
	key      string
	interval int64 // microseconds between requests
	burst    int
	timeout  time.Duration
	fallback jupico.Limiter
	onError  func(error)
}

var _ jupico.Limiter = (*Limiter)(nil)

// Option configures a Limiter. Options validate their argument, and New
// fails with an error wrapping jupico.ErrInvalidOption (the module's one
// sentinel, credentials.ErrInvalidOption) on a bad one, the first found. A
// nil Option is such an error too.
type Option func(*config) error

// config is what Options set.
type config struct {
	key      string
	timeout  time.Duration
	fallback jupico.Limiter
	onError  func(error)
}

// WithKey sets the Redis key that holds the limiter's state; the default is
// DefaultKey. Limiters share a budget exactly when they share a key (and a
// Redis), so give each budget its own key: one per Jupico account, say. It
// must not be empty.
func WithKey(key string) Option {
	return func(c *config) error {
		if key == "" {
			return invalid("empty key")
		}
		c.key = key
		return nil
	}
}

// WithTimeout bounds each round trip to Redis; the default is
// DefaultTimeout. d must be positive. The bound reaches Redis through the
// context: build the go-redis client with ContextTimeoutEnabled: true so
// that it also cuts short a Redis that accepts connections but never
// answers.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("timeout must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithFallback sets a limiter to wait on when Redis cannot answer, for
// example rate.NewLimiter(limit/replicas, 1), so that payments go on, at a
// rate each process limits alone, during a Redis outage. By default a Wait
// that cannot reach Redis fails, and the client sends nothing (its error
// matches jupico.ErrRateLimiter). l must not be nil.
func WithFallback(l jupico.Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("nil fallback limiter")
		}
		c.fallback = l
		return nil
	}
}

// OnRedisError sets a function called, synchronously, with each error of a
// round trip to Redis (not with the caller's own context ending), whether
// or not a fallback then takes over. The errors carry no credentials. fn
// must be safe for concurrent use, return quickly, and not be nil.
func OnRedisError(fn func(err error)) Option {
	return func(c *config) error {
		if fn == nil {
			return invalid("nil error hook")
		}
		c.onError = fn
		return nil
	}
}

// New returns a Limiter that lets through r requests a second, with bursts
// of up to burst requests, across every Limiter with the same key on the
// Redis that rdb reaches (a single node, a Sentinel-managed primary or a
// Cluster: the state is one key). r must lie between MinRate and MaxRate and
// burst be at least 1. New sends nothing to Redis. It returns an error
// wrapping jupico.ErrInvalidOption for a nil rdb, an r or burst out of
// range, a nil Option or a bad one.
func New(rdb redis.UniversalClient, r rate.Limit, burst int, opts ...Option) (*Limiter, error) {
	if rdb == nil {
		return nil, invalid("nil redis client")
	}
	if math.IsNaN(float64(r)) || r < MinRate || r > MaxRate {
		return nil, invalid("rate must be between one a day and 1,000,000 a second")
	}
	if burst < 1 {
		return nil, invalid("burst must be at least 1")
	}
	c := config{key: DefaultKey, timeout: DefaultTimeout}
	for _, opt := range opts {
		if opt == nil {
			return nil, invalid("nil option")
		}
		if err := opt(&c); err != nil {
			return nil, err
		}
	}
	return &Limiter{
		rdb: rdb,
		key: c.key,
		// Rounded up, so the limit is never exceeded.
		interval: int64(math.Ceil(1e6 / float64(r))),
		burst:    burst,
		timeout:  c.timeout,
		fallback: c.fallback,
		onError:  c.onError,
	}, nil
}

// Wait blocks until the caller may send one request, or ctx ends. It
// returns nil when the request may go, and ctx's error when ctx ends first,
// after giving the reserved slot back when no later caller reserved one.
// When ctx has a deadline that the wait would pass, Wait returns at once,
// reserving nothing, with an error matching context.DeadlineExceeded. When
// Redis cannot answer within the timeout, Wait waits on the fallback if one
// was set and otherwise returns the error (prefixed "redislimit:").
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	maxWait := int64(-1)
	if deadline, ok := ctx.Deadline(); ok {
		maxWait = time.Until(deadline).Microseconds()
		if maxWait <= 0 {
			return context.DeadlineExceeded
		}
	}
	wait, tat, err := l.reserve(ctx, maxWait)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		if l.onError != nil {
			l.onError(err)
		}
		if l.fallback != nil {
			return l.fallback.Wait(ctx)
		}
		return err
	case wait < 0:
		needed := time.Duration(tat) * time.Microsecond // the refused wait
		return fmt.Errorf("redislimit: waiting %v would pass the context deadline: %w",
			needed, context.DeadlineExceeded)
	case wait == 0:
		return nil
	}
	t := time.NewTimer(time.Duration(wait) * time.Microsecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.giveBack(ctx, tat)
		return ctx.Err()
	}
}

// reserve runs the GCRA script. It returns the wait in microseconds and the
// TAT the reservation set, or -1 and the wait that was refused.
func (l *Limiter) reserve(ctx context.Context, maxWait int64) (wait, tat int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := reserveScript.Run(ctx, l.rdb, []string{l.key}, l.interval, l.burst, maxWait).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("redislimit: %w", err)
	}
	if len(res) != 2 {
		return 0, 0, errors.New("redislimit: unexpected script result")
	}
	return res[0], res[1], nil
}

// giveBack returns a reserved slot that will not be used, best effort, on a
// context that the caller's cancellation does not end.
func (l *Limiter) giveBack(ctx context.Context, tat int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
	defer cancel()
	if err := cancelScript.Run(ctx, l.rdb, []string{l.key}, tat, l.interval).Err(); err != nil && l.onError != nil {
		l.onError(fmt.Errorf("redislimit: giving back a slot: %w", err))
	}
}

func invalid(reason string) error {
	return fmt.Errorf("%w: redislimit: %s", jupico.ErrInvalidOption, reason)
}
