// Package redistest runs the redis-server processes that the tests of the
// project's Redis integrations (webhook/redisstore and jupico/redislimit)
// use: the server most of their tests share, servers a test owns (to stop,
// restart or reconfigure), a one-node Cluster, and a Sentinel-managed
// primary with a replica that a test can fail over.
//
// Every process listens on a free loopback port, keeps its files in a
// temporary directory and is killed when the test (or, for the shared
// server, the run) ends. When redis-server is not on PATH the helpers fail
// the test with ErrNoRedisServer: the tests that use them never skip.
//
// It is a package of the root module, imported only by tests, and uses only
// the standard library, so that it adds no dependency to the root module
// and the integrations' modules need no module beyond the root: it talks
// to the servers with a minimal RESP2 client of its own. The go-redis
// clients the tests use are built in the tests themselves, from the
// addresses given here.
package redistest
