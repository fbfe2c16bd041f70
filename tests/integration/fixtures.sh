#!/usr/bin/env bash
# The checked-in fixtures are what their generator makes (so neither drifts
# from the other), its two flavours hold the same data, and syncready finds
# the same things in both: the slapd flavour and the AD-export flavour
# (ldifde-style extras: distinguishedName, name, memberOf; userCertificate
# without ";binary"; inetOrgPerson under user).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

GEN=$SRC/fixtures/gen-contoso.py

python3 "$GEN" --flavor slapd --stats "$T/contoso.stats.json" -o "$T/contoso.ldif"
check "fixtures/contoso.ldif is what 'gen-contoso.py --flavor slapd' writes" \
	cmp -s "$T/contoso.ldif" "$SRC/fixtures/contoso.ldif"
check "fixtures/contoso.stats.json is what it counts" \
	cmp -s "$T/contoso.stats.json" "$SRC/fixtures/contoso.stats.json"
python3 "$GEN" --paging 95 -o "$T/p95.ldif"
check "fixtures/ldif/p95.ldif is what 'gen-contoso.py --paging 95' writes" \
	cmp -s "$T/p95.ldif" "$SRC/fixtures/ldif/p95.ldif"
is "$(grep -c '^dn: CN=Page User [0-9]*,OU=Paging,' "$SRC/fixtures/ldif/p95.ldif")" 95 \
	"p95.ldif holds 95 users under OU=Paging"

PYTHONHASHSEED=123 python3 "$GEN" --flavor slapd -o "$T/again.ldif"
check "the generator does not depend on Python's hash seed" cmp -s "$T/again.ldif" "$T/contoso.ldif"
python3 "$GEN" --seed 2 --users 500 --stats "$T/s2.json" -o "$T/s2.ldif"
check "another seed gives another directory" bash -c "! cmp -s '$T/s2.ldif' '$T/contoso.ldif'"
is "$(python3 -c 'import json, sys; o = json.load(open(sys.argv[1]))["objects"]; print(o["users"] + o["inetorgpersons"])' "$T/s2.json")" \
	500 "--users 500 makes 500 people"

python3 "$GEN" --flavor ad --stats "$T/ad.stats.json" -o "$T/ad.ldif"
check "both flavours count the same defects" python3 - "$T/contoso.stats.json" "$T/ad.stats.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(0 if (a["defects"], a["objects"]) == (b["defects"], b["objects"]) else 1)
PY
check "both flavours hold the same values (but for AD's extras and class spelling)" \
	python3 - "$T/contoso.ldif" "$T/ad.ldif" <<'PY'
import sys
def norm(p):
    text = open(p, encoding="utf-8").read().replace("\n ", "")
    out = []
    for line in text.split("\n"):
        name = line.split(":", 1)[0]
        if name in ("distinguishedName", "name", "memberOf", "objectClass"):
            continue
        out.append(line.replace("userCertificate;binary:", "userCertificate:"))
    return out
sys.exit(0 if norm(sys.argv[1]) == norm(sys.argv[2]) else 1)
PY
check "the AD flavour carries memberOf backlinks" grep -q '^memberOf: ' "$T/ad.ldif"

# scans of the two flavours
run_sr "$T/s.out" "$T/s.err" scan --ldif "$T/contoso.ldif" --db "$T/s.db" -q
is "$RC" 0 "scan of the slapd flavour exits 0"
run_sr "$T/a.out" "$T/a.err" scan --ldif "$T/ad.ldif" --db "$T/a.db" -q
is "$RC" 0 "scan of the AD flavour exits 0"
[ "$RC" = 0 ] || diag_file "$T/a.err"
is "$(scan_field "$T/a.db" objects_read)" "$(scan_field "$T/s.db" objects_read)" \
	"both read the same number of objects"
run_sr "$T/sr.out" "$T/sr.err" report --db "$T/s.db" --format csv -o "$T/s.csv"
run_sr "$T/ar.out" "$T/ar.err" report --db "$T/a.db" --format csv -o "$T/a.csv"
csv_rows "$T/s.csv" >"$T/s.rows" 2>/dev/null || true
csv_rows "$T/a.csv" >"$T/a.rows" 2>/dev/null || true
check "the slapd flavour has findings" test "$(wc -l <"$T/s.rows")" -gt 1
check "both flavours give the same findings" cmp -s "$T/s.rows" "$T/a.rows"
cmp -s "$T/s.rows" "$T/a.rows" || diff "$T/s.rows" "$T/a.rows" | head -10 | sed 's/^/# /'

done_testing
