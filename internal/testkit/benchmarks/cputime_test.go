package benchmarks

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time the whole process has used: every goroutine,
// the fake server's included, and the garbage collector.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU time per operation since start as
// cpu-ns/op. Unlike wall time it does not count the moments the machine
// gives to other tenants, which on a shared 2-core host swing round-trip
// times by more than the differences the budgets are about.
func reportCPU(b *testing.B, start time.Duration, ops int) {
	if ops > 0 {
		b.ReportMetric(float64(processCPU(b)-start)/float64(ops), "cpu-ns/op")
	}
}
