package redisstore_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/jupico/jupico-go/internal/testkit/redistest"
	"github.com/jupico/jupico-go/internal/testkit/testproc"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
)

// sharedAddr is the address of the Redis that most tests share, set by
// TestMain.
var sharedAddr string

// newClient returns a go-redis client for addr, closed when the test ends.
func newClient(t testing.TB, addr string) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// newSentinelClient returns a client that finds the primary of g through
// its Sentinel: redis.NewUniversalClient as the package docs show, given
// MasterName. It follows a failover by itself, and is closed when the test
// ends.
func newSentinelClient(t testing.TB, g *redistest.Sentinel) redis.UniversalClient {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 g.SentinelAddrs(),
		MasterName:            redistest.MasterName,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// TestMain provides the shared Redis (JUPICO_TEST_REDIS_ADDR, or a
// redis-server started here), publishes its address as REDIS_ADDR for the
// examples, and fails the run if any test leaves a goroutine behind. Without
// a Redis the run fails: these tests never skip.
func TestMain(m *testing.M) {
	addr, stop, err := redistest.SetupShared("redisstore")
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisstore tests:", err)
		os.Exit(1)
	}
	sharedAddr = addr
	// Several tests talk to Redis servers that are down on purpose; keep
	// the client's reports of failed dials out of the output.
	logging.Disable()
	os.Setenv("REDIS_ADDR", addr)
	os.Exit(testproc.Run(m, stop))
}
