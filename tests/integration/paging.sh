#!/usr/bin/env bash
# A page size of 10 over a directory of 95 users returns all 95: ten pages
# (nine of 10, one of 5), every one asked for with the paged-results control.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

start_slapd slapd "$SRC/fixtures/ldif/p95.ldif"

run_sr "$T/scan.out" "$T/scan.err" scan --uri "$LDAP_URI" --starttls \
	--ca-file "$CA_FILE" --bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" \
	--base "$BASE_DN" --page-size 10 --db "$T/p.db" -q
is "$RC" 0 "scan with --page-size 10 exits 0"
[ "$RC" = 0 ] || diag_file "$T/scan.err"
is "$(scan_field "$T/p.db" state)" complete "the scan is complete"
is "$(scan_field "$T/p.db" objects_read)" 95 "it read all 95 objects"
is "$(sqlite3 "$T/p.db" "SELECT count(DISTINCT key) FROM objects")" 95 \
	"it stored 95 distinct objects"
is "$(sqlite3 "$T/p.db" "SELECT count(*) FROM objects WHERE dn LIKE '%Page User %'")" 95 \
	"they are the 95 users of OU=Paging"

run_sr "$T/scans.out" "$T/scans.err" scans --db "$T/p.db"
check "scans shows the scan complete with 95 objects" \
	grep -q -E '^[0-9]+ +complete .* 95 ' "$T/scans.out"

# What slapd saw: the pages it sent for the crawl's search.
python3 - "$SLAPD_DIR/slapd.log" >"$T/pages" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
# the connection and operation of each search over the base
subtree = set(re.findall(r"conn=(\d+) op=(\d+) SRCH base=\"dc=contoso,dc=com\" scope=2", log, re.I))
# in the order the client asked (slapd's threads may log out of order)
pages = sorted((int(c), int(o), int(n)) for c, o, n in
               re.findall(r"conn=(\d+) op=(\d+) SEARCH RESULT tag=101 err=0 .*nentries=(\d+)", log)
               if (c, o) in subtree)
print(" ".join(str(n) for _, _, n in pages))
PY
is "$(cat "$T/pages")" "10 10 10 10 10 10 10 10 10 5" \
	"slapd sent ten pages: nine of 10 entries and one of 5"

done_testing
