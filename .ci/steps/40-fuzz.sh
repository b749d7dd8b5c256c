#!/usr/bin/env bash
# Fuzz smoke: every fuzz target of every module in the repository (found
# with `go test -list`, so new targets join without editing this script)
# runs for a bounded time on top of its committed seed corpus under
# testdata/fuzz. The whole step stays within FUZZ_BUDGET seconds of fuzzing
# (default 60), split evenly, each target getting 3 to 10 seconds.
#
# A failure leaves the input that broke the target in the package's
# testdata/fuzz/<Target>/ directory; commit it with the fix so the plain test
# run replays it forever.
set -euo pipefail
cd "$(dirname "$0")/../.."

budget=${FUZZ_BUDGET:-60}

# Every module: the root and any nested go.mod (tool directories excluded).
mapfile -t modules < <(find . -name go.mod -not -path './.ci/*' -not -path '*/testdata/*' -not -path '*/vendor/*' -printf '%h\n' | sort)

targets=() # "module-dir<TAB>package<TAB>FuzzName"
for mod in "${modules[@]}"; do
	while IFS= read -r pkg; do
		while IFS= read -r name; do
			targets+=("$mod"$'\t'"$pkg"$'\t'"$name")
		done < <(cd "$mod" && go test -list '^Fuzz' "$pkg" | grep -E '^Fuzz[A-Za-z0-9_]*$' || true)
	done < <(cd "$mod" && go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...)
done

n=${#targets[@]}
if [ "$n" -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi
per=$((budget / n))
[ "$per" -lt 3 ] && per=3
[ "$per" -gt 10 ] && per=10
echo "fuzz: $n targets, ${per}s each"

start=$SECONDS
for t in "${targets[@]}"; do
	IFS=$'\t' read -r mod pkg name <<<"$t"
	echo "--- $pkg $name"
	# -fuzzminimizetime is bounded by a count: minimizing each new
	# interesting input on a time budget can stall a short run entirely.
	(cd "$mod" && go test -run '^$' -fuzz "^${name}\$" -fuzztime "${per}s" -fuzzminimizetime 100x "$pkg")
done
echo "fuzz: all $n targets passed in $((SECONDS - start))s"
