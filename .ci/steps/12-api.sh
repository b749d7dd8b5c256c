#!/usr/bin/env bash
# The exported API of every released module, recorded in api/*.txt (one
# name a line, made with go/types): any difference fails until recorded
# with `go -C internal/release run . api -w`, and every incompatible change
# (apidiff against the module's last release tag; before the first
# release, a recorded name the API lost) must be named in the Unreleased
# section of CHANGELOG.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
go -C internal/release run . api
