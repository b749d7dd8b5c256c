// Command benchgate reads `go test -bench` output on standard input (or the
// files named as arguments) and checks the SDK's performance budgets: ratios
// between figures measured in the same run. It prints one line per budget
// and exits 1 if any is missed or missing.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/jupico/jupico-go/internal/testkit/benchmarks"
)

func main() {
	var r io.Reader = os.Stdin
	if len(os.Args) > 1 {
		var readers []io.Reader
		for _, name := range os.Args[1:] {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchgate:", err)
				os.Exit(2)
			}
			defer f.Close()
			readers = append(readers, f)
		}
		r = io.MultiReader(readers...)
	}
	res, err := benchmarks.Parse(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgate:", err)
		os.Exit(2)
	}
	out, ok := benchmarks.Report(benchmarks.Budgets(res))
	fmt.Print(out)
	if !ok {
		fmt.Println("benchgate: budgets missed")
		os.Exit(1)
	}
	fmt.Println("benchgate: all budgets met")
}
