// Command benchchart reads `go test -bench` output and writes BENCHMARKS.md's
// figures: a markdown table of medians and ratios, and an SVG chart of each
// implementation's time relative to its floor. Nothing in either is typed by
// hand.
//
//	benchchart -in bench.txt -svg docs/benchmarks.svg -md table.md
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/jupico/jupico-go/internal/testkit/benchmarks"
)

func main() {
	in := flag.String("in", "", "go test -bench output")
	svg := flag.String("svg", "", "where to write the SVG chart")
	md := flag.String("md", "", "where to write the markdown table")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	r, err := benchmarks.Parse(f)
	if err != nil {
		fail(err)
	}
	var bars []benchmarks.Bar
	var table strings.Builder
	table.WriteString("| benchmark | implementation | median ns/op | vs floor | B/op | allocs/op |\n|---|---|---:|---:|---:|---:|\n")
	add := func(group, name, floorName string, impls []string) {
		floor, ok := r.Median(floorName, "ns/op")
		if !ok {
			return
		}
		for _, impl := range impls {
			full := name + impl
			ns, ok := r.Median(full, "ns/op")
			if !ok {
				continue
			}
			bo, _ := r.Median(full, "B/op")
			al, _ := r.Median(full, "allocs/op")
			ratio := ns / floor
			bars = append(bars, benchmarks.Bar{Group: group, Label: impl, Value: ratio})
			fmt.Fprintf(&table, "| %s | %s | %.0f | %.2f× | %.0f | %.0f |\n", group, impl, ns, ratio, bo, al)
		}
	}
	for _, size := range []string{"512B", "2KiB", "64KiB", "1MiB"} {
		base := "BenchmarkVerifyParse/size=" + size + "/impl="
		add("webhook verify+parse "+size, base, base+"floor", []string{"floor", "jupico", "stdwebhooks", "svix", "stripe"})
	}
	for _, size := range []string{"1KiB", "16KiB", "1MiB"} {
		base := "BenchmarkVerify/size=" + size + "/impl="
		add("webhook verify "+size, base, base+"hmac", []string{"hmac", "jupico", "stdwebhooks", "svix", "stripe"})
	}
	add("card sale round trip", "BenchmarkSale/impl=", "BenchmarkSale/impl=raw", []string{"raw", "jupico"})
	if ratio, ok := r.Median("BenchmarkSaleInterleaved", "jupico/raw"); ok {
		const group = "card sale, interleaved call by call"
		bars = append(bars, benchmarks.Bar{Group: group, Label: "raw", Value: 1}, benchmarks.Bar{Group: group, Label: "jupico", Value: ratio})
		ours, _ := r.Median("BenchmarkSaleInterleaved", "jupico-ns/sale")
		raw, _ := r.Median("BenchmarkSaleInterleaved", "raw-ns/sale")
		fmt.Fprintf(&table, "| %s | raw | %.0f | 1.00× | | |\n| %s | jupico | %.0f | %.2f× | | |\n", group, raw, group, ours, ratio)
	}
	add("256 goroutines, journal (ns/op)", "BenchmarkJournalConcurrent/goroutines=256/impl=", "BenchmarkJournalConcurrent/goroutines=256/impl=none", []string{"none", "bbolt"})
	add("one call, server answering from memory", "BenchmarkCallPath/op=", "BenchmarkCallPath/op=sale", []string{"sale", "payout", "plan"})
	add("256 goroutines (ns/op)", "BenchmarkConcurrent/goroutines=256/impl=", "BenchmarkConcurrent/goroutines=256/impl=raw-tuned", []string{"raw-tuned", "jupico", "raw-default"})

	table.WriteString("\nCPU time of the whole process (client, fake server and garbage collector) per sale, from getrusage:\n\n| card sale | cpu-ns/op |\n|---|---:|\n")
	for _, impl := range []string{"raw", "jupico"} {
		if v, ok := r.Median("BenchmarkSale/impl="+impl, "cpu-ns/op"); ok {
			fmt.Fprintf(&table, "| %s | %.0f |\n", impl, v)
		}
	}
	if v, ok := r.Median("BenchmarkConcurrentSideBySide", "raw/jupico"); ok {
		ours, _ := r.Median("BenchmarkConcurrentSideBySide", "jupico-req/s")
		raw, _ := r.Median("BenchmarkConcurrentSideBySide", "raw-req/s")
		fmt.Fprintf(&table, "\n256 goroutines on each client at once, one fake server: jupico %.0f req/s, raw tuned %.0f req/s; raw over ours %.3f (ours at %.2f× raw).\n", ours, raw, v, 1/v)
	}
	table.WriteString("\n| 256 goroutines | req/s | p50 | p99 | new handshakes per request |\n|---|---:|---:|---:|---:|\n")
	for _, impl := range []string{"jupico", "raw-tuned", "raw-default"} {
		n := "BenchmarkConcurrent/goroutines=256/impl=" + impl
		rps, ok := r.Median(n, "req/s")
		if !ok {
			continue
		}
		p50, _ := r.Median(n, "p50-ns")
		p99, _ := r.Median(n, "p99-ns")
		hs, _ := r.Median(n, "handshakes/op")
		fmt.Fprintf(&table, "| %s | %.0f | %.1f ms | %.1f ms | %.4f |\n", impl, rps, p50/1e6, p99/1e6, hs)
	}
	if *svg != "" {
		if err := os.WriteFile(*svg, []byte(benchmarks.SVG("Time relative to the floor (lower is better)", bars)), 0o644); err != nil {
			fail(err)
		}
	}
	if *md != "" {
		if err := os.WriteFile(*md, []byte(table.String()), 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchchart:", err)
	os.Exit(1)
}
