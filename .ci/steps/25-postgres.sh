#!/usr/bin/env bash
# jupico/pgjournal, the journal replicas share, is a nested module whose
# tests need a real PostgreSQL. Installs Debian's postgresql when no server
# is found, creates a throwaway cluster with initdb and starts it with
# pg_ctl on a free loopback port (as the unprivileged user nobody when run
# as root: PostgreSQL refuses to run as root), points the tests at it with
# JUPICO_TEST_PG_URL (so they never skip here), checks go.mod is tidy, runs
# go vet and the race-enabled tests, prints the journals' throughput side by
# side, and always stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
MODULE=jupico/pgjournal

bindir() {
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
		return
	fi
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
bin=$(bindir)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "installing postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends postgresql >/dev/null
	# Where the package starts a system service, stop it: the tests use
	# only the server this script starts.
	invoke-rc.d postgresql stop >/dev/null 2>&1 || true
	bin=$(bindir)
fi
"$bin/postgres" --version

tmp=$(mktemp -d)
as=()
if [ "$(id -u)" = 0 ]; then
	chown nobody "$tmp"
	as=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups)
fi
data="$tmp/data"
started=
cleanup() {
	if [ -n "$started" ]; then
		"${as[@]}" "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

"${as[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	exit 1
}
started=1
# A port free when checked can be taken before the server binds it: try
# another one when the bind is what failed.
for attempt in 1 2 3; do
	port=$(free_port)
	if "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$tmp/postgres.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$tmp -c max_connections=200" start >/dev/null; then
		break
	fi
	if [ "$attempt" = 3 ] || ! grep -q 'could not bind\|could not create any TCP/IP sockets' "$tmp/postgres.log"; then
		cat "$tmp/postgres.log" >&2
		exit 1
	fi
	echo "postgres: port $port was taken before the server bound it; trying another"
	: >"$tmp/postgres.log"
done
export JUPICO_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "postgres on 127.0.0.1:$port"

check_module "$MODULE"
echo "--> $MODULE: the journals' throughput (reported, not a budget)"
(cd "$MODULE" && go test -run '^$' -bench 'Journal' -benchtime 500ms -count 1 . | grep -E '^Benchmark')
