#!/usr/bin/env bash
# Scanners on every module of the repository (the root and each nested
# go.mod, found at run time):
#
#   govulncheck  known vulnerabilities reachable from our code, in the
#                standard library of the pinned toolchain and in every
#                dependency. Offline: the database is built here from the
#                data/osv folder of a pinned golang.org/x/vulndb module with
#                that module's own cmd/indexdb, and passed with -db file://.
#   gosec        security lint (TLS settings, credentials in code, tainted
#                paths and commands, unchecked errors, weak randomness...).
#   staticcheck  correctness lint (SA*), deprecated APIs (SA1019) and more.
#
# A finding fails the step unless .ci/gosec-exclusions lists it with a
# written justification (see that file for the format). Tools are pinned and
# installed into .ci/bin (git-ignored), one directory per version, so a
# second run reuses them.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"

GOVULNCHECK_VERSION=v1.9.0                            # golang.org/x/vuln
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018     # golang.org/x/vulndb (untagged: a pseudo-version)
GOSEC_VERSION=v2.30.0                                 # github.com/securego/gosec/v2
STATICCHECK_VERSION=v0.8.2                            # honnef.co/go/tools

bin="$root/.ci/bin"
exclusions="$root/.ci/gosec-exclusions"
start=$SECONDS

# install NAME PACKAGE VERSION: go install PACKAGE@VERSION into
# .ci/bin/NAME-VERSION unless it is already there. The four installs run in
# parallel: on a machine with empty Go caches they are most of the step.
install() {
	local dir="$bin/$1-$3"
	if [ ! -x "$dir/$1" ]; then
		echo "installing $2@$3"
		GOBIN="$dir" go install "$2@$3"
	fi
}
pids=()
install govulncheck golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" & pids+=($!)
install indexdb golang.org/x/vulndb/cmd/indexdb "$VULNDB_VERSION" & pids+=($!)
install gosec github.com/securego/gosec/v2/cmd/gosec "$GOSEC_VERSION" & pids+=($!)
install staticcheck honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION" & pids+=($!)
for pid in "${pids[@]}"; do
	wait "$pid"
done
govulncheck="$bin/govulncheck-$GOVULNCHECK_VERSION/govulncheck"
indexdb="$bin/indexdb-$VULNDB_VERSION/indexdb"
gosec="$bin/gosec-$GOSEC_VERSION/gosec"
staticcheck="$bin/staticcheck-$STATICCHECK_VERSION/staticcheck"

# The vulnerability database, built once per vulndb version.
db="$bin/vulndb-$VULNDB_VERSION"
if [ ! -f "$db/index/db.json" ]; then
	src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ -z "$src" ] || [ ! -d "$src/data/osv" ]; then
		echo "scanners: golang.org/x/vulndb@$VULNDB_VERSION has no data/osv folder" >&2
		exit 1
	fi
	rm -rf "$db.tmp"
	"$indexdb" -vulns "$src/data/osv" -out "$db.tmp"
	mv "$db.tmp" "$db"
fi
echo "vulnerability database: golang.org/x/vulndb@$VULNDB_VERSION, $(find "$db/ID" -name '*.json' | wc -l) entries"

# --- exclusions ---------------------------------------------------------
# Each entry: RULE | FILE | CODE FRAGMENT | JUSTIFICATION (see the file).
ex_rule=() ex_file=() ex_frag=() ex_used=()
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case "$(trim "$line")" in '' | '#'*) continue ;; esac
	IFS='|' read -r r f c why extra <<<"$line"
	r=$(trim "$r") f=$(trim "$f") c=$(trim "${c:-}") why=$(trim "${why:-}")
	if [ -n "${extra:-}" ] || [ -z "$r" ] || [ -z "$f" ] || [ -z "$c" ] || [ "${#why}" -lt 20 ]; then
		echo "$exclusions:$lineno: want 'RULE | FILE | CODE FRAGMENT | JUSTIFICATION (20+ characters)'" >&2
		exit 1
	fi
	ex_rule+=("$r") ex_file+=("$f") ex_frag+=("$c") ex_used+=(0)
done <"$exclusions"

# excused RULE FILE LINE: whether an exclusion covers the finding.
excused() {
	local src i
	src=$(sed -n "${3}p" "$root/$2" 2>/dev/null || true)
	for i in "${!ex_rule[@]}"; do
		if [ "${ex_rule[$i]}" = "$1" ] && [ "${ex_file[$i]}" = "$2" ] && [[ "$src" == *"${ex_frag[$i]}"* ]]; then
			ex_used[i]=1
			return 0
		fi
	done
	return 1
}

failed=0
# report TOOL MODULE RULE_RE < lines "FILE:LINE:COL: MESSAGE": each finding
# is excused by an exclusion or fails the step; any other output (a tool
# that could not load a package, say) fails it too.
report() {
	local tool=$1 mod=${2#./} re=$3 line file ln rule
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [[ "$line" =~ ^([^:]+):([0-9]+):[0-9]+:\ (.*)$ ]]; then
			file=${BASH_REMATCH[1]} ln=${BASH_REMATCH[2]}
			if [[ "${BASH_REMATCH[3]}" =~ $re ]]; then
				rule=${BASH_REMATCH[1]}
				[[ "$file" == /* ]] || file="$root/${mod:+$mod/}$file"
				file=${file#"$root/"} file=${file#./}
				if excused "$rule" "$file" "$ln"; then
					echo "  excused  $rule $file:$ln"
				else
					echo "  FINDING  $file:$ln: ${line#*: }"
					failed=1
				fi
				continue
			fi
		fi
		echo "  ERROR    $tool: $line"
		failed=1
	done
}

mapfile -t modules < <(find . -name go.mod -not -path './.ci/*' -not -path './.git/*' -not -path '*/testdata/*' -not -path '*/vendor/*' -printf '%h\n' | sort)
echo "modules: ${modules[*]}"

for mod in "${modules[@]}"; do
	echo "--- $mod"
	pushd "$mod" >/dev/null

	echo "govulncheck"
	if ! "$govulncheck" -db "file://$db" ./...; then
		failed=1
	fi

	echo "gosec"
	# gosec walks directories, not modules: leave nested modules to their
	# own turn.
	nested=()
	for other in "${modules[@]}"; do
		case "$other" in "$mod"/*) nested+=("-exclude-dir=${other#"$mod"/}") ;; esac
	done
	report gosec "$mod" '\(Rule:(G[0-9]+),' < <("$gosec" -quiet -no-fail -exclude-generated "${nested[@]}" -fmt golint ./... 2>&1)

	echo "staticcheck"
	report staticcheck "$mod" '\(([A-Z]+[0-9]+)\)$' < <("$staticcheck" -f text ./... 2>&1 || true)

	popd >/dev/null
done

for i in "${!ex_rule[@]}"; do
	if [ "${ex_used[$i]}" = 0 ]; then
		echo "note: stale exclusion (nothing matched it any more; delete it): ${ex_rule[$i]} | ${ex_file[$i]} | ${ex_frag[$i]}"
	fi
done

if [ "$failed" != 0 ]; then
	echo "scanners: findings above need a fix or a justified entry in .ci/gosec-exclusions" >&2
	exit 1
fi
echo "scanners: clean on ${#modules[@]} modules in $((SECONDS - start))s"
