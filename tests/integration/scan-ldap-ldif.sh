#!/usr/bin/env bash
# Scans the Contoso fixture twice, over LDAP with StartTLS (a slapd loaded
# with fixtures/contoso.ldif, its certificate from a test CA) and from the
# LDIF file itself: both scans complete and record the same objects and the
# same findings (the CSV reports, sorted, are equal).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

LDIF=$SRC/fixtures/contoso.ldif
STATS=$SRC/fixtures/contoso.stats.json
expected=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["objects"]["scanned"])' "$STATS")

start_slapd slapd "$LDIF"

run_sr "$T/ldap.out" "$T/ldap.err" scan --uri "$LDAP_URI" --starttls \
	--ca-file "$CA_FILE" --bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" \
	--base "$BASE_DN" --db "$T/ldap.db" -q
is "$RC" 0 "LDAP scan with StartTLS exits 0"
[ "$RC" = 0 ] || diag_file "$T/ldap.err"
is "$(scan_field "$T/ldap.db" state)" complete "LDAP scan is recorded complete"
is "$(scan_field "$T/ldap.db" objects_read)" "$expected" \
	"LDAP scan read every person and group ($expected, more than one page of 1000)"

run_sr "$T/ldif.out" "$T/ldif.err" scan --ldif "$LDIF" --db "$T/ldif.db" -q
is "$RC" 0 "LDIF scan exits 0"
[ "$RC" = 0 ] || diag_file "$T/ldif.err"
is "$(scan_field "$T/ldif.db" state)" complete "LDIF scan is recorded complete"
is "$(scan_field "$T/ldif.db" objects_read)" "$expected" "LDIF scan read $expected objects"

# The same objects: keys are objectGUIDs, so they do not depend on how
# each source spells DNs.
sqlite3 "$T/ldap.db" "SELECT key FROM objects ORDER BY key" >"$T/ldap.keys"
sqlite3 "$T/ldif.db" "SELECT key FROM objects ORDER BY key" >"$T/ldif.keys"
is "$(wc -l <"$T/ldap.keys")" "$expected" "the LDAP scan stored $expected objects"
check "both scans stored the same objects" cmp -s "$T/ldap.keys" "$T/ldif.keys"
cmp -s "$T/ldap.keys" "$T/ldif.keys" || diff "$T/ldap.keys" "$T/ldif.keys" | head -10 | sed 's/^/# /'
sqlite3 "$T/ldap.db" "SELECT key, objectclass, cn FROM objects ORDER BY key" >"$T/ldap.objs"
sqlite3 "$T/ldif.db" "SELECT key, objectclass, cn FROM objects ORDER BY key" >"$T/ldif.objs"
check "with the same object class and cn" cmp -s "$T/ldap.objs" "$T/ldif.objs"
check "objectGUIDs are stored in the GUID string form" \
	grep -q -E -x '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$T/ldap.keys"

# The same findings, by the public contract: the CSV report.
run_sr "$T/ldap.csv.out" "$T/ldap.csv.err" report --db "$T/ldap.db" --format csv -o "$T/ldap.csv"
is "$RC" 0 "report --format csv of the LDAP scan exits 0"
run_sr "$T/ldif.csv.out" "$T/ldif.csv.err" report --db "$T/ldif.db" --format csv -o "$T/ldif.csv"
is "$RC" 0 "report --format csv of the LDIF scan exits 0"
csv_rows "$T/ldap.csv" >"$T/ldap.rows" 2>"$T/ldap.rows.err" || true
csv_rows "$T/ldif.csv" >"$T/ldif.rows" 2>"$T/ldif.rows.err" || true
check "the LDAP scan has findings" test "$(wc -l <"$T/ldap.rows")" -gt 1
check "the CSV header starts with IdFix's columns" \
	grep -q -x -P 'DISTINGUISHEDNAME\tCOMMONNAME\tOBJECTCLASS\tATTRIBUTE\tERROR\tVALUE\tUPDATE\tPROPOSEDACTION\tACTION.*' "$T/ldap.rows"
check "both scans give the same findings (sorted CSV rows)" cmp -s "$T/ldap.rows" "$T/ldif.rows"
cmp -s "$T/ldap.rows" "$T/ldif.rows" || diff "$T/ldap.rows" "$T/ldif.rows" | head -10 | sed 's/^/# /'
# A user without displayName (seeded) is reported as IdFix does.
check "a seeded missing displayName is a Blank finding" \
	grep -q -P '\tdisplayName\tBlank\t' "$T/ldap.rows"

# `scans` lists both as complete.
run_sr "$T/scans.out" "$T/scans.err" scans --db "$T/ldap.db"
is "$RC" 0 "scans exits 0"
check "scans shows the LDAP scan complete" grep -q -w complete "$T/scans.out"

# The crawl paged: no search ran into the 1000-entry size limit, and every
# page slapd sent held at most 1000 entries.
check "slapd saw paged searches of at most 1000 entries" python3 - "$SLAPD_DIR/slapd.log" <<'PY'
import re, sys
n = [int(m.group(1)) for m in re.finditer(r"SEARCH RESULT tag=101 err=0 .*nentries=(\d+)", open(sys.argv[1]).read())]
bad = re.search(r"SEARCH RESULT tag=101 err=(4|11) ", open(sys.argv[1]).read())
sys.exit(0 if n and max(n) <= 1000 and sum(n) >= 1000 and not bad else 1)
PY

done_testing
