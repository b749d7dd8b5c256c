package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jupico/jupico-go/webhook"
	"github.com/redis/go-redis/v9"
)

// Defaults of a Store built without options.
const (
	// DefaultPrefix is put in front of every event id to form its key.
	DefaultPrefix = "jupico:webhook:"

	// DefaultTimeout bounds one Claim call, so that an unreachable Redis turns
	// into a prompt 503 instead of a delivery that hangs until the sender
	// gives up.
	DefaultTimeout = 2 * time.Second

	// maxRetryWindow bounds how long Done and Release retry a transient
	// failure when their context has no earlier deadline.
	maxRetryWindow = 30 * time.Second

	// doneValue is the value of a done mark. Claims hold "claim:" and a
	// random token, so the two never collide.
	doneValue = "done"
)

// Store is a webhook.ReplayStore kept in Redis, so that every replica of a
// webhook endpoint sees the claims and done marks of the others: a delivery
// of an event that another replica is processing is answered 503, and one of
// an event that any replica processed is answered 200 without processing it
// again.
//
// Each event id is one Redis string under the key prefix+id. Claim claims it
// with SET NX PX and a random token, which the returned webhook.Claim
// carries; Done overwrites it with a done mark that expires after the
// replay TTL; Release deletes it only while it still holds the claim's
// token, so a replica never drops another delivery's claim, nor a done
// mark. Every command and script touches one key, so the Store works on a
// single node, behind Sentinel and on a Cluster. The Store keeps nothing in
// its process: whichever Store (of any replica) is given a Claim can end
// it.
//
// When Redis cannot answer, Claim fails (the handler answers 503 and the
// sender redelivers later) unless WithFailOpen was given. Done and Release,
// which the handler calls after processing, retry transient failures (a
// broken connection, a restarting or failing-over server) with backoff until
// their context ends, at most 30 s.
//
// Build a Store with New; the zero Store is not usable. A Store is safe for
// concurrent use.
type Store struct {
	webhook.ReplayStoreBase

	rdb      redis.UniversalClient
	prefix   string
	timeout  time.Duration
	failOpen func(id string, err error)
}

var _ webhook.ReplayStore = (*Store)(nil)

// Option configures a Store. Options validate their argument, and New fails
// with an error wrapping webhook.ErrInvalidOption (the module's one
// sentinel, credentials.ErrInvalidOption) on a bad one, the first found. A
// nil Option is such an error too.
type Option func(*config) error

// config is what Options set.
type config struct {
	prefix   string
	timeout  time.Duration
	failOpen func(id string, err error)
}

// WithPrefix sets the string put in front of every event id to form its
// key; the default is DefaultPrefix. Endpoints that share a Redis but must
// not share de-duplication (a sandbox and a production endpoint, say) each
// need their own prefix. It must not be empty. On a Cluster, a prefix
// holding a hash tag ("{...}") puts every key in one slot: leave hash tags
// out so that keys spread over the shards.
func WithPrefix(prefix string) Option {
	return func(c *config) error {
		if prefix == "" {
			return invalid("empty key prefix")
		}
		c.prefix = prefix
		return nil
	}
}

// WithTimeout bounds each Claim call; the default is DefaultTimeout. d must
// be positive.
//
// The bound reaches Redis through the context. go-redis applies a context's
// deadline to socket reads and writes only when the client was built with
// ContextTimeoutEnabled: true; without it, a Redis that accepts connections
// but never answers holds Claim for the client's ReadTimeout (and retries)
// instead. Build the client with ContextTimeoutEnabled, or keep its
// DialTimeout, ReadTimeout and WriteTimeout short.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("timeout must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithFailOpen makes Claim succeed when Redis cannot answer, with a
// webhook.Claim that holds no token, so the handler processes the delivery
// without a claim instead of answering 503.
//
// This risks processing an event twice: a redelivery, or a delivery that
// another replica is processing at the same moment, is no longer recognised
// while Redis is unavailable. Use it only where a duplicate costs less than
// a delayed event, never where processing moves money. report is called,
// synchronously, with the event id and the error each time Claim fails
// open, so that those events can be reconciled; it must be safe for
// concurrent use and must not be nil.
func WithFailOpen(report func(id string, err error)) Option {
	return func(c *config) error {
		if report == nil {
			return invalid("nil fail-open report function")
		}
		c.failOpen = report
		return nil
	}
}

// New returns a Store keeping its records in rdb: a *redis.Client, a
// Sentinel-backed failover client, a *redis.ClusterClient, or whatever
// redis.NewUniversalClient returns. The Store does not close rdb. New sends
// nothing to Redis. It returns an error wrapping webhook.ErrInvalidOption
// for a nil rdb, a nil Option or a bad one.
func New(rdb redis.UniversalClient, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, invalid("nil redis client")
	}
	c := config{prefix: DefaultPrefix, timeout: DefaultTimeout}
	for _, opt := range opts {
		if opt == nil {
			return nil, invalid("nil option")
		}
		if err := opt(&c); err != nil {
			return nil, err
		}
	}
	return &Store{rdb: rdb, prefix: c.prefix, timeout: c.timeout, failOpen: c.failOpen}, nil
}

// Claim implements webhook.ReplayStore. It claims id for lease (the
// handler's processing timeout) unless a done mark or a live claim exists,
// in one atomic script. It returns the webhook.Claim this call now holds,
// whose Token is the claim's random token; an error matching
// webhook.ErrDuplicate for a processed event; one matching
// webhook.ErrInProgress when another delivery holds the claim; and one
// wrapping webhook.ErrInvalidOption for a lease that is not positive. Any
// other error means Redis did not answer within the Store's timeout, or ctx
// ended; with WithFailOpen, the first case returns a Claim without a token
// and no error instead, after calling the report function.
func (s *Store) Claim(ctx context.Context, id string, lease time.Duration) (webhook.Claim, error) {
	if lease <= 0 {
		return webhook.Claim{}, invalid("replay lease must be positive")
	}
	tok, err := newToken()
	if err != nil {
		return webhook.Claim{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := claimScript.Run(rctx, s.rdb, []string{s.key(id)}, tok, millis(lease), doneValue).Int()
	if err != nil {
		err = fmt.Errorf("redisstore: claim: %w", err)
		// The caller's own context ending (the sender went away) is no
		// Redis failure: never fail open for it.
		if s.failOpen != nil && ctx.Err() == nil {
			s.failOpen(id, err)
			return webhook.Claim{ID: id}, nil
		}
		return webhook.Claim{}, err
	}
	switch res {
	case claimed:
		return webhook.Claim{ID: id, Token: tok}, nil
	case claimDone:
		return webhook.Claim{}, webhook.ErrDuplicate
	case claimBusy:
		return webhook.Claim{}, webhook.ErrInProgress
	default:
		return webhook.Claim{}, fmt.Errorf("redisstore: claim: unexpected script result %d", res)
	}
}

// Done implements webhook.ReplayStore. It records a done mark for c.ID that
// expires after ttl, replacing a claim, whoever holds it: the event was
// processed, so no later delivery must process it again. For a Claim with
// a token, Done retries transient failures until ctx ends (at most 30 s);
// for one without (Claim failed open) it makes one attempt bounded by the
// Store's timeout. It returns the last error, or an error wrapping
// webhook.ErrInvalidOption for a ttl that is not positive.
func (s *Store) Done(ctx context.Context, c webhook.Claim, ttl time.Duration) error {
	if ttl <= 0 {
		return invalid("replay ttl must be positive")
	}
	set := func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.key(c.ID), doneValue, ttl).Err()
	}
	var err error
	if c.Token != "" {
		err = retry(ctx, set)
	} else {
		// No claim to turn into a done mark (Claim failed open): one
		// attempt, so that a Redis outage does not hold up every
		// fail-open delivery.
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		err = set(ctx)
		cancel()
	}
	if err != nil {
		return fmt.Errorf("redisstore: done: %w", err)
	}
	return nil
}

// Release implements webhook.ReplayStore. It deletes c.ID's key only if it
// still holds c's token: never a done mark, never a claim that another
// delivery made after c's lease ended. A Claim without a token (Claim
// failed open) releases nothing. It retries transient failures until ctx
// ends (at most 30 s) and returns the last error; the claim then lapses
// when its lease ends.
func (s *Store) Release(ctx context.Context, c webhook.Claim) error {
	if c.Token == "" {
		return nil
	}
	err := retry(ctx, func(ctx context.Context) error {
		return releaseScript.Run(ctx, s.rdb, []string{s.key(c.ID)}, c.Token).Err()
	})
	if err != nil {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	return nil
}

func (s *Store) key(id string) string { return s.prefix + id }

// newToken returns a claim token: 128 random bits.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("redisstore: claim token: %w", err)
	}
	return "claim:" + hex.EncodeToString(b[:]), nil
}

// millis rounds d up to whole milliseconds, the unit of PX.
func millis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

func invalid(reason string) error {
	return fmt.Errorf("%w: redisstore: %s", webhook.ErrInvalidOption, reason)
}

// retry runs op until it succeeds, fails with a permanent error, or ctx (cut
// to maxRetryWindow) ends, backing off from 25 ms to 1 s between attempts.
// op is idempotent.
func retry(ctx context.Context, op func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, maxRetryWindow)
	defer cancel()
	delay := 25 * time.Millisecond
	for {
		err := op(ctx)
		if err == nil || !transient(err) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = min(2*delay, time.Second)
	}
}

// transientReplies are the prefixes of the Redis error replies that a later
// attempt may not get.
var transientReplies = []string{
	"LOADING ", "READONLY ", "MASTERDOWN ", "CLUSTERDOWN ", "TRYAGAIN ",
	"BUSY ", "NOREPLICAS ", "max number of clients reached",
}

// transient reports whether err may go away on its own: a network failure,
// or a server that is loading its data, read-only, failing over or
// re-sharding. A reply error of any other kind, and an ended context, are
// permanent.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		for _, p := range transientReplies {
			if redis.HasErrorPrefix(err, p) {
				return true
			}
		}
		return false
	}
	return true
}
