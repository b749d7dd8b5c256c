// Package benchload drives the concurrent benchmarks of the client and
// its journals the same way wherever they live (internal/testkit/benchmarks,
// jupico/pgjournal): the same warm-up and the same 256 goroutines, so
// their figures compare.
package benchload

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Goroutines is how many goroutines the concurrent benchmarks run: 128 per
// core on the project's two-core machines, many more than a pool holds
// connections, as on a busy checkout service.
const Goroutines = 256

// Warm calls call four times from each of n goroutines at once, so that
// connection pools and journals reach their steady size before timing.
func Warm(b testing.TB, n int, call func() error) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for range 4 {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Parallel times b.N calls of call from Goroutines goroutines (allocations
// reported), reports their rate as req/s, and returns how many succeeded.
// The timer is stopped when it returns.
func Parallel(b *testing.B, call func() error) int64 { return ParallelN(b, Goroutines, call) }

// ParallelN is Parallel from about n goroutines (a multiple of GOMAXPROCS).
func ParallelN(b *testing.B, n int, call func() error) int64 {
	var done atomic.Int64
	b.SetParallelism(max(1, n/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
			done.Add(1)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(done.Load())/elapsed.Seconds(), "req/s")
	return done.Load()
}
