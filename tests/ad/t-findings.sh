#!/bin/bash
# The findings from scanning the Samba DC equal the findings from scanning
# the generator's LDIF of the same objects, minus what AD computes or
# refuses itself (compare-findings.py names it): the crawler turns AD's
# answers into the same entries an export gives.
. "$(dirname "$0")/lib.sh"
plan 7
ad_up

data=$AD_DIR/data
ad_scan --uri "ldaps://$AD_DC_FQDN" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$AD_WORK/ad.db" \
	> /dev/null 2> "$AD_WORK/ad.err" && rc=0 || rc=$?
is "$rc:$(ad_last_state "$AD_WORK/ad.db")" 0:complete "the scan of the DC is complete"
"$SYNCREADY" scan --ldif "$data/contoso-all.ldif" --db "$AD_WORK/ldif.db" \
	> /dev/null 2> "$AD_WORK/ldif.err" && rc=0 || rc=$?
is "$rc:$(ad_last_state "$AD_WORK/ldif.db")" 0:complete "the scan of the generator's LDIF is complete"

t "the DC scan's findings export as CSV" \
	"$SYNCREADY" report --db "$AD_WORK/ad.db" --format csv -o "$AD_WORK/ad.csv"
t "the LDIF scan's findings export as CSV" \
	"$SYNCREADY" report --db "$AD_WORK/ldif.db" --format csv -o "$AD_WORK/ldif.csv"
t "both found something to compare" \
	test "$(grep -c . "$AD_WORK/ad.csv" 2>/dev/null || echo 0)" -gt 100

python3 "$AD_SRC/compare-findings.py" --adapt "$data/adapt.json" \
	--ldif "$data/contoso-all.ldif" "$AD_WORK/ad.csv" "$AD_WORK/ldif.csv" \
	> "$AD_WORK/compare.out" 2>&1 && rc=0 || rc=$?
diag "$(cut -c1-400 "$AD_WORK/compare.out")"
is "$rc" 0 "the same findings on both sides, but for what AD computes or refuses itself"

# The objects: every object of the LDIF that the DC holds was scanned from it.
sqlite3 "$AD_WORK/ad.db" 'SELECT lower(dn) FROM objects' | sort > "$AD_WORK/ad.dns"
sqlite3 "$AD_WORK/ldif.db" 'SELECT lower(dn) FROM objects' | sort > "$AD_WORK/ldif.dns"
missing=$(comm -13 "$AD_WORK/ad.dns" "$AD_WORK/ldif.dns" |
	grep -vxFf <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("\n".join(o["dn"].lower() for o in r["refused_objects"]))' "$data/adapt.json") || true)
diag "in the LDIF scan but not the DC scan: $(grep -c . <<< "$missing")" "$(head -3 <<< "$missing")"
t "every object scanned from the LDIF was scanned from the DC (but those the DC refused)" \
	test -z "$missing"
exit 0
