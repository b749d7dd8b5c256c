#!/usr/bin/env bash
# The consumer's path, offline: a release cut in a throwaway clone, then
# taken as users take it. The clone gets a dated CHANGELOG section for a
# test version and the release command runs there (CHANGELOG, jupico.Version,
# requirements, tidy, commit, tags); then `release verify` reads every
# tagged go.mod (a requirement on an unreleased version, or a replace in the
# command, fails naming the module), builds a file GOPROXY from the tags
# alone (golang.org/x/mod/zip), and in fresh modules outside the repository
# `go get`s each module on its own, builds a program importing every public
# package of every released module, and runs `go install
# github.com/jupico/jupico-go/cmd/jupico@VERSION` and `jupico version`.
# Only this repository's modules come from that proxy; the usual
# dependencies come from the warm module cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
# The version jupico.Version announces (0.1.0-dev: v0.1.0), or, once that
# is tagged, the patch after the newest tag.
VERSION=${RELEASE_TEST_VERSION:-v$(sed -n 's/^const Version = "\([0-9.]*\).*"$/\1/p' jupico/version.go)}
if git rev-parse -q --verify "refs/tags/$VERSION" >/dev/null; then
	last=$(git tag --list 'v[0-9]*' | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -n 1)
	IFS=. read -r major minor patch <<<"${last#v}"
	VERSION="v$major.$minor.$((patch + 1))"
fi
echo "release test version: $VERSION"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q --no-local . "$tmp/repo"
cd "$tmp/repo"
# The work tree's uncommitted changes are not in the clone: CI runs on a
# commit.
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.invalid GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.invalid
# Keep a Changelog: the release's dated section after the Unreleased
# entries, which the release moves into it.
printf '\n## [%s] - %s\n' "${VERSION#v}" "$(date -u +%F)" >>CHANGELOG.md
git commit -q -am "CHANGELOG: ${VERSION#v}"

go -C internal/release run . "$VERSION"
go -C internal/release run . verify "$VERSION"
