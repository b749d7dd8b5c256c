package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
	"github.com/jupico/jupico-go/webhook/redisstore"
	"github.com/redis/go-redis/v9"
)

// The endpoint's signing secret. In production it comes from the
// environment or a secret manager, never from code.
const exampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Two replicas share one Redis: a redelivery that reaches the other replica
// is acknowledged without being processed again.
func ExampleNew() {
	// One client per process; NewUniversalClient also takes Sentinel or
	// Cluster addresses. ContextTimeoutEnabled lets the Store's timeout cut
	// short a call to a Redis that hangs.
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{os.Getenv("REDIS_ADDR")},
		ContextTimeoutEnabled: true,
	})
	defer rdb.Close()

	v, err := webhook.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	var processed atomic.Int32
	replica := func() *httptest.Server {
		store, err := redisstore.New(rdb) // keys under redisstore.DefaultPrefix
		if err != nil {
			log.Fatal(err)
		}
		h, err := webhook.NewHandler(v, func(ctx context.Context, e *webhook.Event) error {
			processed.Add(1)
			return nil
		}, webhook.WithReplayStore(store))
		if err != nil {
			log.Fatal(err)
		}
		return httptest.NewTLSServer(h)
	}
	a, b := replica(), replica()
	defer a.Close()
	defer b.Close()

	// Jupico delivers an event, then delivers it again to the other replica.
	event := jupicotest.WebhookEvent{
		ID:   fmt.Sprint("msg_example_", time.Now().UnixNano()), // the same on every delivery
		Type: webhook.EventMerchantActivation,
	}
	for _, srv := range []*httptest.Server{a, b} {
		req, err := jupicotest.NewWebhookRequest(exampleSecret, srv.URL+"/webhooks/jupico", event)
		if err != nil {
			log.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	fmt.Println("processed:", processed.Load())
	// Output:
	// 200 OK
	// 200 OK
	// processed: 1
}

// With Redis unreachable a Store fails closed: the handler answers 503 and
// Jupico redelivers later. WithFailOpen processes anyway and reports each
// such event, at the risk of processing one twice.
func ExampleWithFailOpen() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // nothing listens here
	defer rdb.Close()
	v, err := webhook.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	process := func(ctx context.Context, e *webhook.Event) error { return nil }

	closed, err := redisstore.New(rdb, redisstore.WithTimeout(500*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	open, err := redisstore.New(rdb, redisstore.WithTimeout(500*time.Millisecond),
		redisstore.WithFailOpen(func(id string, err error) {
			fmt.Println("processed without de-duplication:", id)
		}))
	if err != nil {
		log.Fatal(err)
	}
	for _, store := range []*redisstore.Store{closed, open} {
		h, err := webhook.NewHandler(v, process, webhook.WithReplayStore(store))
		if err != nil {
			log.Fatal(err)
		}
		srv := httptest.NewTLSServer(h)
		req, err := jupicotest.NewWebhookRequest(exampleSecret, srv.URL,
			jupicotest.WebhookEvent{ID: "msg_during_outage", Type: webhook.EventMerchantActivation})
		if err != nil {
			log.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		fmt.Println(resp.Status, resp.Header.Get("Retry-After"))
	}
	// Output:
	// 503 Service Unavailable 5
	// processed without de-duplication: msg_during_outage
	// 200 OK
}
