// Package benchmarks measures the SDK side by side with the floor (raw
// net/http, raw HMAC-SHA256, encoding/json) and with the peers merchants
// know (the Standard Webhooks and Svix Go libraries, stripe-go's webhook
// package), in the same run, on the same bytes. It is a nested module so
// that those peers never become dependencies of the SDK itself.
//
// # Running
//
// `go test -run '^$' -bench . -benchmem` runs everything. cmd/benchgate
// reads that output and checks the budgets (ratios within one run, never
// absolute times); cmd/benchchart draws BENCHMARKS.md's chart; run.sh does
// the full set with -count 10 and benchstat and regenerates BENCHMARKS.md.
//
// # Naming
//
// Every benchmark is named Benchmark<Group>/<key=value>/impl=<name>, so the
// gate can pair each implementation with its floor at the same size.
package benchmarks
