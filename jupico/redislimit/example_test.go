package redislimit_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/jupico/redislimit"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Every replica builds its client this way; together they send at most 50
// requests a second to Jupico.
func ExampleNew() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{os.Getenv("REDIS_ADDR")}, // or Sentinel or Cluster addresses
		ContextTimeoutEnabled: true,
	})
	defer rdb.Close()
	lim, err := redislimit.New(rdb, 50, 5, redislimit.WithKey("jupico:ratelimit:example"))
	if err != nil {
		log.Fatal(err)
	}

	fake := jupicotest.Start() // an in-process fake Jupico; in production, omit it and its options
	defer fake.Close()
	client, err := jupico.NewClient(append(fake.ClientOptions(), jupico.WithLimiter(lim))...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	st, err := client.Status(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("online:", st.Online)
	// Output:
	// online: true
}

// During a Redis outage each replica can fall back to a limit of its own:
// here a quarter of the shared 50 requests a second, for four replicas.
func ExampleWithFallback() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // nothing listens here
	defer rdb.Close()
	lim, err := redislimit.New(rdb, 50, 5,
		redislimit.WithFallback(rate.NewLimiter(50.0/4, 1)),
		redislimit.OnRedisError(func(err error) {
			fmt.Println("shared limit unavailable, limiting locally")
		}))
	if err != nil {
		log.Fatal(err)
	}

	fake := jupicotest.Start()
	defer fake.Close()
	client, err := jupico.NewClient(append(fake.ClientOptions(), jupico.WithLimiter(lim))...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	st, err := client.Status(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("online:", st.Online)
	// Output:
	// shared limit unavailable, limiting locally
	// online: true
}
