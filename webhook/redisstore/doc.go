// Package redisstore de-duplicates Jupico webhook deliveries across every
// replica of an endpoint, in Redis.
//
// Jupico delivers each event at least once, and its redeliveries land on
// whichever replica the load balancer picks. The handler of package webhook
// de-duplicates through a webhook.ReplayStore; its default store lives in
// one process, so two replicas can both process one event. A Store keeps the
// records in the Redis your replicas share instead:
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
//		Addrs:                 []string{"redis:6379"}, // or Sentinel or Cluster addresses
//		ContextTimeoutEnabled: true,                   // lets WithTimeout cut short a hung Redis
//	})
//	store, err := redisstore.New(rdb)
//	if err != nil {
//		log.Fatal(err)
//	}
//	h, err := webhook.NewHandler(verifier, process, webhook.WithReplayStore(store))
//
// This package is its own module (github.com/jupico/jupico-go/webhook/redisstore),
// so that the core SDK does not depend on a Redis client.
//
// # How an event is recorded
//
// Each event id is one key, prefix + id (DefaultPrefix is "jupico:webhook:"):
//
//   - The first delivery claims it with SET NX PX: the value is a random
//     token private to that delivery, the expiry its lease (the handler's
//     processing timeout). A delivery that finds a claim is answered 503 with
//     Retry-After, so Jupico comes back; one that finds a done mark is
//     answered 200 and not processed.
//   - When processing succeeds the claim becomes a done mark that expires
//     after the replay TTL (webhook.WithReplayTTL, 72 hours by default): no
//     later delivery processes the event again.
//   - When processing fails or panics the claim is deleted, by a script that
//     deletes it only if it still holds the token of the delivery that made
//     it, so that the redelivery is processed. A done mark is never deleted,
//     and neither is a claim another replica made after this one's lease
//     ran out.
//   - A replica that dies while processing leaves its claim behind; the claim
//     lapses after its lease and the event is processed on a later delivery.
//
// Every command and script touches one key, so the Store works with a single
// node, a Sentinel-managed primary and a Redis Cluster alike.
//
// # When Redis is unavailable
//
// By default the Store fails closed: Claim returns an error, the handler
// answers 503 with Retry-After and processes nothing, and Jupico redelivers
// later. Claim waits at most DefaultTimeout (WithTimeout) for Redis. Done and
// Release, which run after processing, retry transient failures (a broken
// connection, a server restarting or failing over) for up to 30 s, so that a
// short restart neither loses a done mark nor strands a claim.
//
// WithFailOpen processes deliveries even when Redis cannot answer. It keeps
// events flowing during an outage at the price of processing some of them
// twice, and is therefore unsuitable where processing moves money.
//
// # What Redis must guarantee
//
// De-duplication is only as durable as the done marks. A Redis that restarts
// without persistence forgets them, and an event delivered again after that
// is processed again. Run the Redis behind a Store with the append-only file
// (appendonly yes; appendfsync always loses nothing acknowledged, everysec at
// most about a second), or accept that window. Replication to replicas is
// asynchronous: a failover can likewise lose the last writes of the old
// primary. Keys must not be evicted either: an evicted done mark is a
// forgotten event. Every key of a Store has an expiry, so the volatile-*
// eviction policies pick them as readily as the allkeys-* ones; size
// maxmemory for the replay TTL's worth of events, or set
// maxmemory-policy noeviction.
package redisstore
