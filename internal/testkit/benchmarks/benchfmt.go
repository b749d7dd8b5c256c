package benchmarks

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Results holds every sample of `go test -bench` output: for each benchmark
// name (without the -GOMAXPROCS suffix) and unit ("ns/op", "B/op",
// "allocs/op", "req/s", ...), the values of each run.
type Results map[string]map[string][]float64

var procSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads `go test -bench` output. Lines that are not benchmark results
// are ignored.
func Parse(r io.Reader) (Results, error) {
	res := Results{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			if res[name] == nil {
				res[name] = map[string][]float64{}
			}
			res[name][f[i+1]] = append(res[name][f[i+1]], v)
		}
	}
	return res, sc.Err()
}

// Median returns the median of name's samples in unit, and whether there
// were any.
func (r Results) Median(name, unit string) (float64, bool) {
	v := slices.Clone(r[name][unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// Names returns the benchmark names, sorted.
func (r Results) Names() []string {
	out := make([]string, 0, len(r))
	for n := range r {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// PairedRatio is the median over runs of a's value divided by b's in the
// same round, when both ran the same number of times (the rounds of an
// interleaved run: a then b, again and again), so a noisy moment hits both
// sides of a pair; otherwise the ratio of the two medians.
func (r Results) PairedRatio(a, b, unit string) (float64, bool) {
	x, y := r[a][unit], r[b][unit]
	if len(x) == 0 || len(y) == 0 {
		return 0, false
	}
	if len(x) != len(y) {
		mx, _ := r.Median(a, unit)
		my, _ := r.Median(b, unit)
		if my == 0 {
			return 0, false
		}
		return mx / my, true
	}
	ratios := make([]float64, 0, len(x))
	for i := range x {
		if y[i] == 0 {
			return 0, false
		}
		ratios = append(ratios, x[i]/y[i])
	}
	slices.Sort(ratios)
	if n := len(ratios); n%2 == 1 {
		return ratios[n/2], true
	} else {
		return (ratios[n/2-1] + ratios[n/2]) / 2, true
	}
}
