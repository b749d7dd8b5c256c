#!/usr/bin/env bash
# `jupico conformance` end to end, as a user runs it: builds cmd/jupico,
# starts `jupico fake` as a separate process (settling sales after 2s, as
# the sandbox does after about two minutes, so the payout finds a balance),
# runs the conformance against it with --json and requires exit 0 and
# every operation of the wire table "ok", checked by a small Go program
# (no jq needed). The fake is always stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"

tmp=$(mktemp -d)
fake_pid=
cleanup() {
	if [ -n "$fake_pid" ]; then
		kill "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "--> building cmd/jupico"
(cd cmd/jupico && go build -o "$tmp/jupico" .)

# Port 0: the fake takes a port the kernel gives it and prints its URL, so
# no other process can take the port between a check and the bind.
"$tmp/jupico" fake --addr 127.0.0.1:0 --ca-out "$tmp/ca.pem" --settle-after 2s --json >"$tmp/fake.json" 2>"$tmp/fake.err" &
fake_pid=$!
for _ in $(seq 100); do
	grep -q '"listening":true' "$tmp/fake.json" 2>/dev/null && break
	if ! kill -0 "$fake_pid" 2>/dev/null; then
		echo "jupico fake exited:" >&2
		cat "$tmp/fake.err" >&2
		exit 1
	fi
	sleep 0.2
done
grep -q '"listening":true' "$tmp/fake.json" || {
	echo "jupico fake did not start" >&2
	cat "$tmp/fake.err" >&2
	exit 1
}

# The fake prints the test credentials it accepts; the checker reads them
# from its JSON line, and checks the report at the end.
cat >"$tmp/check.go" <<'GO'
// check reads jupico's JSON on stdin. "creds" prints the fake's URL, username
// and password as shell assignments; "report" requires every operation of
// a conformance report to be ok, and at least one.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	dec := json.NewDecoder(os.Stdin)
	switch os.Args[1] {
	case "creds":
		var f struct{ URL, Username, Password string }
		if err := dec.Decode(&f); err != nil || f.Username == "" || f.URL == "" {
			fmt.Fprintln(os.Stderr, "no URL or credentials in jupico fake's output:", err)
			os.Exit(1)
		}
		fmt.Printf("fake_url=%q\nJUPICO_API_USERNAME=%q\nJUPICO_API_PASSWORD=%q\n", f.URL, f.Username, f.Password)
	case "report":
		var r struct {
			Operations []struct{ Operation, Result, Error, Reason string } `json:"operations"`
		}
		if err := dec.Decode(&r); err != nil {
			fmt.Fprintln(os.Stderr, "the report is not JSON:", err)
			os.Exit(1)
		}
		bad := 0
		for _, o := range r.Operations {
			if o.Result != "ok" {
				fmt.Fprintf(os.Stderr, "%s: %s %s%s\n", o.Operation, o.Result, o.Error, o.Reason)
				bad++
			}
		}
		if bad > 0 || len(r.Operations) == 0 {
			fmt.Fprintf(os.Stderr, "%d of %d operations not ok\n", bad, len(r.Operations))
			os.Exit(1)
		}
		fmt.Printf("all %d operations ok\n", len(r.Operations))
	}
}
GO
eval "$(head -n 1 "$tmp/fake.json" | go run "$tmp/check.go" creds)"
export JUPICO_API_USERNAME JUPICO_API_PASSWORD
echo "--> jupico fake on $fake_url"

echo "--> jupico conformance against it"
code=0
"$tmp/jupico" conformance --base-url "$fake_url" --ca-file "$tmp/ca.pem" --json \
	--markdown "$tmp/report.md" >"$tmp/report.json" || code=$?
if [ "$code" != 0 ]; then
	echo "jupico conformance exited $code" >&2
	cat "$tmp/report.md" >&2 || true
	exit 1
fi
go run "$tmp/check.go" report <"$tmp/report.json"
