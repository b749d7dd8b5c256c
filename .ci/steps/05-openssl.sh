#!/usr/bin/env bash
# Real TLS peers: the SDK's TLS policy against `openssl s_server`, one server
# per configuration (TLS 1.0, 1.1, 1.2 RSA key exchange, 1.2 CBC, 1.2
# ECDHE-GCM, 1.3, and expired, wrong-host, untrusted and wrong-usage
# certificates). Installs openssl when the machine lacks it, then runs the
# test with CI=true, which turns a missing binary into a failure instead of
# the Go-server fallback a developer's machine gets.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v openssl >/dev/null 2>&1; then
	echo "openssl: not installed, installing it"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends openssl
fi
openssl version

CI=true go test -count=1 -race -run '^TestOpenSSLPeers$' -v ./jupico/
