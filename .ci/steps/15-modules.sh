#!/usr/bin/env bash
# Every nested module (own go.mod: peers' benchmarks, the AWS provider...),
# which the root's `go vet ./...` and `go test ./...` do not reach: its
# go.mod must be tidy, then vet and the tests with the race detector.
# webhook/redisstore and jupico/redislimit need a Redis server and have their
# own step (20-redis.sh); jupico/pgjournal needs PostgreSQL (25-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
for mod in $(git ls-files '*/go.mod'); do
	dir=$(dirname "$mod")
	case "$dir" in
	webhook/redisstore*|jupico/redislimit*|jupico/pgjournal*) continue ;;
	esac
	check_module "$dir"
done
