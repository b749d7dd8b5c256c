#!/usr/bin/env bash
# Every nested module (own go.mod: peers' benchmarks, the AWS provider...),
# which the root's `go vet ./...` and `go test ./...` do not reach: its
# go.mod must be tidy, then vet and the tests with the race detector.
# webhook/redisstore and jupico/redislimit need a Redis server and have their
# own step (20-redis.sh); jupico/pgjournal needs PostgreSQL (25-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
for mod in $(git ls-files '*/go.mod'); do
	dir=$(dirname "$mod")
	case "$dir" in
	webhook/redisstore*|jupico/redislimit*|jupico/pgjournal*) continue ;;
	esac
	echo "--- $dir"
	(
		cd "$dir"
		if ! go mod tidy -diff >/dev/null; then
			echo "$dir: go.mod/go.sum are not tidy; run 'go mod tidy' there" >&2
			exit 1
		fi
		go vet ./...
		go test -race -count=1 ./...
	)
done
