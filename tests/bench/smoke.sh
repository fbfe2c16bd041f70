#!/usr/bin/env bash
# tests/bench/smoke.sh SYNCREADY SOURCE_ROOT -- bench/run --quick (10,000
# objects, 10,000 users in slapd, the reports, Chromium) against this
# build: the benchmark still works end to end and reports every case of
# issue 8.  No timing is asserted: figures from a shared CI machine say
# nothing (BENCHMARKS.md).  TAP on standard output.
set -uo pipefail
syncready=$1
root=$2
build=$(cd "$(dirname "$syncready")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/syncready-bench-smoke-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "1..6"
n=0
check() { # DESCRIPTION, then the command
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
	fi
}

"$root/bench/run" --quick --build "$build" -o "$tmp/out.md" >"$tmp/log" 2>&1
rc=$?
check "bench/run --quick exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/log"
touch "$tmp/out.md"

rows() { grep -c '^| [1-4] | ' "$tmp/out.md"; }
check "every target of issue 8 has its row (9)" test "$(rows)" -eq 9
# A ratio without its two figures is written "n/a".
check "every row has its figures" \
	bash -c "grep '^| [1-4] | ' '$tmp/out.md' | grep -qv 'n/a' &&
		! grep '^| [1-4] | ' '$tmp/out.md' | grep -q 'n/a'"
check "the offline scan of 10,000 objects completed" \
	grep -qE '^- The 10000-object scan: `scan 1 complete: 10012 objects read' "$tmp/out.md"
check "the crawl over LDAP completed" \
	grep -qE '^- The crawl scan: `scan 1 complete: [1-9][0-9]* objects read' "$tmp/out.md"
check "Chromium measured the report's first screen" \
	grep -qE '^\| 4 \| HTML first screen in headless Chromium \| [0-9]+ ms' "$tmp/out.md"
