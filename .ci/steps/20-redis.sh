#!/usr/bin/env bash
# The Redis integrations, each a nested module with its own go.mod:
# webhook/redisstore (shared webhook de-duplication) and jupico/redislimit
# (a rate limit shared by replicas). Installs Debian's redis-server when it
# is missing, starts one on loopback with no persistence for the tests,
# checks each module's go.mod is tidy, runs go vet and the race-enabled
# tests in each, and always stops the server. The tests fail, never skip,
# when Redis is unreachable; the restart, cluster and Sentinel tests start
# redis-server processes of their own, through internal/testkit/redistest (a
# package of the root module, vetted and unit-tested with it). A Sentinel
# is redis-server --sentinel, so the redis-sentinel package is not needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"

MODULES=(webhook/redisstore jupico/redislimit)

if ! command -v redis-server >/dev/null 2>&1; then
	echo "installing redis-server"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends redis-server >/dev/null
	# Where the package starts a system service, stop it: the tests use
	# only the servers they and this script start.
	invoke-rc.d redis-server stop >/dev/null 2>&1 || true
fi
redis-server --version

tmp=$(mktemp -d)
pidfile="$tmp/redis.pid"
cleanup() {
	if [ -s "$pidfile" ]; then
		pid=$(cat "$pidfile")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(free_port)

redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
	--dir "$tmp" --daemonize yes --pidfile "$pidfile" --logfile "$tmp/redis.log"
ready=
for _ in $(seq 100); do
	if [ -s "$pidfile" ] && redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ -z "$ready" ]; then
	echo "redis-server did not start:" >&2
	cat "$tmp/redis.log" >&2 || true
	exit 1
fi
# The server answering must be the one started here.
redis-cli -h 127.0.0.1 -p "$port" info server | tr -d '\r' | grep -qx "process_id:$(cat "$pidfile")" || {
	echo "another server answers on port $port" >&2
	exit 1
}
export JUPICO_TEST_REDIS_ADDR="127.0.0.1:$port"
echo "redis on $JUPICO_TEST_REDIS_ADDR"

for m in "${MODULES[@]}"; do
	check_module "$m"
done
