package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jupico/jupico-go/webhook"
	"github.com/redis/go-redis/v9"
)

// Defaults of a Store built without options.
const (
	// DefaultPrefix is put in front of every event id to form its key.
	DefaultPrefix = "jupico:webhook:"

	// DefaultTimeout bounds one Seen call, so that an unreachable Redis turns
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
// Each event id is one Redis string under the key prefix+id. Seen claims it
// with SET NX PX and a token private to the claim; Done overwrites it with a
// done mark that expires after the replay TTL; Release deletes it only while
// it still holds the caller's token, so a replica never drops another
// replica's claim, nor a done mark. Every command and script touches one key,
// so the Store works on a single node, behind Sentinel and on a Cluster.
//
// When Redis cannot answer, Seen fails (the handler answers 503 and the
// sender redelivers later) unless WithFailOpen was given. Done and Release,
// which the handler calls after processing, retry transient failures (a
// broken connection, a restarting or failing-over server) with backoff until
// their context ends, at most 30 s.
//
// Build a Store with New; the zero Store is not usable. A Store is safe for
// concurrent use. The tokens of the claims it holds live in its process, so
// the Store whose Seen claimed an event must be the one that calls Done or
// Release for it, as the handler does.
type Store struct {
	rdb      redis.UniversalClient
	prefix   string
	timeout  time.Duration
	failOpen func(id string, err error)

	mu        sync.Mutex
	held      map[string]claim // event id -> the claim this Store holds
	nextSweep int
}

// claim is a claim this Store holds: its token and when its lease ends.
type claim struct {
	token   string
	expires time.Time
}

var _ webhook.ReplayStore = (*Store)(nil)

// Option configures a Store. Options validate their argument, and New fails
// with an error wrapping webhook.ErrInvalidOption on a bad one. A nil Option
// is ignored.
type Option func(*Store) error

// WithPrefix sets the string put in front of every event id to form its
// key; the default is DefaultPrefix. Endpoints that share a Redis but must
// not share de-duplication (a sandbox and a production endpoint, say) each
// need their own prefix. It must not be empty. On a Cluster, a prefix
// holding a hash tag ("{...}") puts every key in one slot: leave hash tags
// out so that keys spread over the shards.
func WithPrefix(prefix string) Option {
	return func(s *Store) error {
		if prefix == "" {
			return invalid("empty key prefix")
		}
		s.prefix = prefix
		return nil
	}
}

// WithTimeout bounds each Seen call; the default is DefaultTimeout. d must
// be positive.
//
// The bound reaches Redis through the context. go-redis applies a context's
// deadline to socket reads and writes only when the client was built with
// ContextTimeoutEnabled: true; without it, a Redis that accepts connections
// but never answers holds Seen for the client's ReadTimeout (and retries)
// instead. Build the client with ContextTimeoutEnabled, or keep its
// DialTimeout, ReadTimeout and WriteTimeout short.
func WithTimeout(d time.Duration) Option {
	return func(s *Store) error {
		if d <= 0 {
			return invalid("timeout must be positive")
		}
		s.timeout = d
		return nil
	}
}

// WithFailOpen makes Seen answer "not seen" when Redis cannot answer, so the
// handler processes the delivery without a claim instead of answering 503.
//
// This risks processing an event twice: a redelivery, or a delivery that
// another replica is processing at the same moment, is no longer recognised
// while Redis is unavailable. Use it only where a duplicate costs less than
// a delayed event, never where processing moves money. report is called,
// synchronously, with the event id and the error each time Seen fails open,
// so that those events can be reconciled; it must be safe for concurrent use
// and must not be nil.
func WithFailOpen(report func(id string, err error)) Option {
	return func(s *Store) error {
		if report == nil {
			return invalid("nil fail-open report function")
		}
		s.failOpen = report
		return nil
	}
}

// New returns a Store keeping its records in rdb: a *redis.Client, a
// Sentinel-backed failover client, a *redis.ClusterClient, or whatever
// redis.NewUniversalClient returns. The Store does not close rdb. New sends
// nothing to Redis. It returns an error wrapping webhook.ErrInvalidOption
// for a nil rdb or a bad option.
func New(rdb redis.UniversalClient, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, invalid("nil redis client")
	}
	s := &Store{
		rdb:     rdb,
		prefix:  DefaultPrefix,
		timeout: DefaultTimeout,
		held:    make(map[string]claim),
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Seen implements webhook.ReplayStore. It claims id for ttl (the handler's
// processing timeout) unless a done mark or a live claim exists, in one
// atomic script. It returns (false, nil) when this call now holds the
// claim, (true, nil) for a processed event, an error matching
// webhook.ErrInProgress when another delivery holds the claim, and an error
// wrapping webhook.ErrInvalidOption for a ttl that is not positive. Any other
// error means Redis did not answer within the Store's timeout, or ctx
// ended; with WithFailOpen, the first case returns (false, nil) instead,
// after calling the report function.
func (s *Store) Seen(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, invalid("replay ttl must be positive")
	}
	tok, err := newToken()
	if err != nil {
		return false, err
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	started := time.Now()
	res, err := seenScript.Run(rctx, s.rdb, []string{s.key(id)}, tok, millis(ttl), doneValue).Int()
	if err != nil {
		err = fmt.Errorf("redisstore: seen: %w", err)
		// The caller's own context ending (the sender went away) is no
		// Redis failure: never fail open for it.
		if s.failOpen != nil && ctx.Err() == nil {
			s.failOpen(id, err)
			return false, nil
		}
		return false, err
	}
	switch res {
	case seenClaimed:
		s.hold(id, claim{token: tok, expires: started.Add(ttl)})
		return false, nil
	case seenDone:
		return true, nil
	case seenBusy:
		return false, webhook.ErrInProgress
	default:
		return false, fmt.Errorf("redisstore: seen: unexpected script result %d", res)
	}
}

// Done implements webhook.ReplayStore. It records a done mark for id that
// expires after ttl, replacing a claim, whichever replica holds it: the
// event was processed, so no later delivery must process it again. When
// this Store holds the claim, Done retries transient failures until ctx
// ends (at most 30 s); otherwise (Seen failed open) it makes one attempt
// bounded by the Store's timeout. It returns the last error, or an error
// wrapping webhook.ErrInvalidOption for a ttl that is not positive.
func (s *Store) Done(ctx context.Context, id string, ttl time.Duration) error {
	if ttl <= 0 {
		return invalid("replay ttl must be positive")
	}
	set := func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.key(id), doneValue, ttl).Err()
	}
	var err error
	if _, held := s.take(id); held {
		err = retry(ctx, set)
	} else {
		// No claim of this Store's to turn into a done mark (Seen failed
		// open, or Done was called without Seen): one attempt, so that a
		// Redis outage does not hold up every fail-open delivery.
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		err = set(ctx)
		cancel()
	}
	if err != nil {
		return fmt.Errorf("redisstore: done: %w", err)
	}
	return nil
}

// Release implements webhook.ReplayStore. It deletes id's key only if it
// still holds the claim this Store made for id: never a done mark, never a
// claim that another replica made after this one's lease ended. Releasing
// an id this Store holds no claim for does nothing. It retries transient
// failures until ctx ends (at most 30 s) and returns the last error; the
// claim then lapses when its lease ends.
//
// A Store tracks one claim per id. If an event function overruns its lease
// and this same Store claims the id again for a redelivery, the first
// delivery's Release or Done acts on the second claim: the overlap that
// webhook.WithProcessingTimeout warns about.
func (s *Store) Release(ctx context.Context, id string) error {
	c, ok := s.take(id)
	if !ok {
		return nil
	}
	err := retry(ctx, func(ctx context.Context) error {
		return releaseScript.Run(ctx, s.rdb, []string{s.key(id)}, c.token).Err()
	})
	if err != nil {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	return nil
}

func (s *Store) key(id string) string { return s.prefix + id }

// hold records a claim this Store made. Entries leave through Done or
// Release; those of callers that call neither are swept once their lease has
// ended, so the map stays bounded by the deliveries in progress.
func (s *Store) hold(id string, c claim) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[id] = c
	if len(s.held) < s.nextSweep {
		return
	}
	now := time.Now()
	for k, v := range s.held {
		if now.After(v.expires) {
			delete(s.held, k)
		}
	}
	s.nextSweep = max(1024, 2*len(s.held))
}

// take removes and returns the claim this Store holds for id.
func (s *Store) take(id string) (claim, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.held[id]
	if ok {
		delete(s.held, id)
	}
	return c, ok
}

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
