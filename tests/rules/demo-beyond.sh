#!/usr/bin/env bash
# The demo directory shows every rule beyond IdFix at least once: the
# Contoso directory (fixtures/contoso.ldif) with what it leaves out
# (gen-contoso.py --beyond-extras: the Autodiscover SCP, groups past the
# member limits), served by slapd with a configurationNamingContext in its
# RootDSE, scanned over LDAP with --domain contoso.com; every entry rule of
# the multi-tenant pack (rules/packs/multi-tenant.xml, <rule> under
# <pack>) must have a row in the CSV report, and the summary counters must
# be stored.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/../integration/lib.sh"

python3 "$SRC/fixtures/gen-contoso.py" --beyond-extras -o "$T/extras.ldif"
cat "$SRC/fixtures/contoso.ldif" "$T/extras.ldif" >"$T/demo.ldif"
printf 'dn:\nconfigurationNamingContext: CN=Configuration,%s\n' "DC=contoso,DC=com" \
	>"$T/rootdse.ldif"
SLAPD_ROOTDSE=$T/rootdse.ldif start_slapd slapd "$T/demo.ldif"

run_sr "$T/scan.out" "$T/scan.err" scan --uri "$LDAP_URI" --starttls \
	--ca-file "$CA_FILE" --bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" \
	--base "$BASE_DN" --domain contoso.com --db "$T/demo.db" -q
is "$RC" 0 "LDAP scan of the demo directory exits 0"
[ "$RC" = 0 ] || diag_file "$T/scan.err"
run_sr "$T/r.out" "$T/r.err" report --db "$T/demo.db" --format csv -o "$T/demo.csv"
is "$RC" 0 "its CSV report"

python3 - "$SRC/rules/packs/multi-tenant.xml" "$T/demo.csv" >"$T/missing" <<'EOF'
import csv, sys
import xml.etree.ElementTree as ET
ids = [r.get("id") for r in ET.parse(sys.argv[1]).getroot().findall("rule")]
seen = {}
with open(sys.argv[2], encoding="utf-8-sig", newline="") as f:
    for row in csv.DictReader(f):
        seen[row["RULE"]] = seen.get(row["RULE"], 0) + 1
print("# %d rules beyond IdFix" % len(ids))
for i in ids:
    print("%s %d" % (i, seen.get(i, 0)))
EOF
is "$(head -1 "$T/missing")" "# 26 rules beyond IdFix" "the pack has the 26 rules beyond IdFix"
is "$(awk 'NR > 1 && $2 == 0' "$T/missing" | wc -l)" 0 \
	"every one of them has a row in the demo's report"
awk 'NR > 1 && $2 == 0 { print "# no row: " $1 }' "$T/missing"
check "the summary counters are stored" test \
	"$(sqlite3 "$T/demo.db" "SELECT count(*) FROM summary")" -gt 2
done_testing
