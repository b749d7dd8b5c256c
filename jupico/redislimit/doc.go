// Package redislimit is a client-side rate limit for the Jupico API client
// that several processes share through Redis.
//
// jupico.WithRateLimit limits one process. When a merchant runs several
// replicas, each with its own client, their requests add up: four replicas
// limited to 50 requests a second each may send 200. A Limiter keeps the
// budget in Redis instead, so that every replica using the same key draws
// on one limit:
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
//		Addrs:                 []string{"redis:6379"},
//		ContextTimeoutEnabled: true,
//	})
//	lim, err := redislimit.New(rdb, 50, 5) // 50 requests a second, bursts of 5, across replicas
//	if err != nil {
//		log.Fatal(err)
//	}
//	client, err := jupico.NewClient(jupico.WithLimiter(lim))
//
// The client waits on the limiter before every attempt, retries included.
// This package is its own module (github.com/jupico/jupico-go/jupico/redislimit),
// so that the core SDK does not depend on a Redis client.
//
// # Algorithm
//
// The limit is the generic cell rate algorithm (GCRA), in one Lua script
// over one key: the key holds the theoretical arrival time of the next
// request, in microseconds of the Redis server's clock (the TIME command),
// so replicas whose clocks disagree still share the budget exactly. Each
// Wait reserves the caller's slot in one round trip and is told how long to
// wait for it; callers queue in the order Redis served them, so none
// starves. A caller whose context ends while it waits gives its slot back
// when nobody queued behind it. A caller whose context deadline comes
// before its slot reserves nothing and fails at once. The key expires as
// soon as the limiter is idle.
//
// Because the key is the whole state, the Limiter works with a single
// node, a Sentinel-managed primary and a Redis Cluster alike.
//
// # When Redis is unavailable
//
// By default Wait fails when Redis cannot answer within DefaultTimeout
// (WithTimeout), and the client sends nothing: its error matches
// jupico.ErrRateLimiter. WithFallback names a limiter to use meanwhile,
// typically golang.org/x/time/rate's Limiter set to the shared rate divided
// by the number of replicas; OnRedisError reports each failure.
package redislimit
