package redisstore_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9/logging"
	"go.uber.org/goleak"
)

// TestMain provides the shared Redis (JUPICO_TEST_REDIS_ADDR, or a
// redis-server started here), publishes its address as REDIS_ADDR for the
// examples, and fails the run if any test leaves a goroutine behind. Without
// a Redis the run fails: these tests never skip.
func TestMain(m *testing.M) {
	addr, stop, err := setupSharedRedis()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisstore tests:", err)
		os.Exit(1)
	}
	sharedAddr = addr
	// Several tests talk to Redis servers that are down on purpose; keep
	// the client's reports of failed dials out of the output.
	logging.Disable()
	os.Setenv("REDIS_ADDR", addr)
	code := m.Run()
	stop()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
