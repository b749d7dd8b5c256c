# Shell functions the CI steps share; source it from a step.

# free_port prints a loopback port where nothing answers a connection, or
# fails. It picks below the kernel's ephemeral range (32768 and up on
# Linux), where outgoing connections of the tests themselves take their
# local ports: a port that was free when checked could otherwise be taken
# by one before the server binds it. A server start should still retry on
# another port if its bind fails (25-postgres.sh does).
free_port() {
	local p
	for _ in $(seq 20); do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}

# check_module DIR checks a nested module: its go.mod and go.sum are tidy,
# go vet passes, and its tests pass with the race detector. Tidiness is
# checked by the release tool: a module with no replace for this
# repository's modules (cmd/jupico) is tidied against a file proxy of the
# work tree, since `go mod tidy` ignores its go.work.
check_module() {
	local m=$1
	echo "--> $m: go.mod tidy"
	go -C internal/release run . tidy -diff "$m" >/dev/null || {
		echo "$m: go.mod/go.sum are not tidy; run 'go -C internal/release run . tidy $m'" >&2
		return 1
	}
	echo "--> $m: go vet"
	(cd "$m" && go vet ./...)
	echo "--> $m: tests with the race detector"
	(cd "$m" && go test -race -count=1 ./...)
}
