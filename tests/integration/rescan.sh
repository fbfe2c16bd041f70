#!/usr/bin/env bash
# Re-scan and confirm (issue 5).  Scan the Contoso slapd; fix some findings
# with the LDIF change file (the consultant's decisions imported from the
# CSV); rename one object and move another to a different OU; scan again:
# `diff` reports exactly the applied fixes as fixed, the renamed and moved
# objects' other findings as still open, and nothing as new.  Then a new
# problem makes `scan --fail-on new` exit 3, and a scan interrupted by the
# server's death is skipped by `diff` and `report --compare previous`.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
for tool in ldapmodify ldapsearch; do
	command -v "$tool" >/dev/null ||
		{ echo "Bail out! $tool is not installed (run scripts/bootstrap)"; exit 1; }
done

start_slapd slapd "$SRC/fixtures/contoso.ldif"
DB=$T/it.db
ldap() {
	env -u LDAPNOINIT LDAPTLS_CACERT="$CA_FILE" LDAPTLS_REQCERT=demand LDAPRC=/dev/null \
		LDAPCONF=/dev/null "$@" -H "$LDAP_URI" -ZZ -x -D "$ROOT_DN" -y "$BIND_PW_FILE"
}
# scan NAME [ARGS...]: a scan of the test server into $DB.
scan() {
	local name=$1
	shift
	run_sr "$T/$name.out" "$T/$name.err" scan --uri "$LDAP_URI" --starttls \
		--ca-file "$CA_FILE" --bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" \
		--base "$BASE_DN" --db "$DB" -q "$@"
}
# The "N fixed, N still open, N new; objects: …" line of a diff.
summary_of() { grep -E '^[0-9]+ fixed, ' "$1"; }

scan scan1
is "$RC" 0 "the first scan completes"
run_sr "$T/fix.out" "$T/fix.err" report --db "$DB" --format csv -o "$T/fix.csv"
is "$RC" 0 "the fix list is written"

# The consultant accepts the displayName proposals (Blank: displayName :=
# cn), which fix one finding each and can create none; and picks two
# objects with other findings, none of them a displayName one, to rename
# and to move.
python3 - "$T/fix.csv" "$T/edited.csv" "$T/plan.sh" "$DB" <<'PY'
import csv, sqlite3, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.reader(f))
head, rows = rows[0], rows[1:]
c = {name: i for i, name in enumerate(head)}
chosen = 0
for r in rows:
    if r[c["RULE"]] == "displayname.blank" and chosen < 25:
        r[c["ACTION"]] = "EDIT"
        chosen += 1
with open(sys.argv[2], "w", newline="", encoding="utf-8-sig") as f:
    csv.writer(f, lineterminator="\r\n").writerows([head] + rows)

by_obj = {}
for r in rows:
    by_obj.setdefault(r[c["OBJECTGUID"]], []).append(r)
def plain(dn):
    return "\\" not in dn and "+" not in dn and dn.startswith("CN=") and ",OU=Staff," in dn
cands = sorted(
    (g for g, rs in by_obj.items()
     if all(x[c["ATTRIBUTE"]] != "displayName" for x in rs)
     and rs[0][c["OBJECTCLASS"]] == "user" and plain(rs[0][c["DISTINGUISHEDNAME"]])
     and len(rs) >= 2),
    key=lambda g: by_obj[g][0][c["DISTINGUISHEDNAME"]])
ren, mov = cands[0], cands[-1]
ren_dn = by_obj[ren][0][c["DISTINGUISHEDNAME"]]
mov_dn = by_obj[mov][0][c["DISTINGUISHEDNAME"]]
mov_rdn, mov_parent = mov_dn.split(",", 1)
# Another department OU for the moved object.
# (one where no object of that name lives: people share names).
taken = {dn.lower() for (dn,) in sqlite3.connect(sys.argv[4]).execute(
    "SELECT dn FROM objects WHERE scan_id = 1")}
parents = sorted(p for p in {x[c["DISTINGUISHEDNAME"]].split(",", 1)[1] for x in rows
                             if plain(x[c["DISTINGUISHEDNAME"]])}
                 if p != mov_parent and (mov_rdn + "," + p).lower() not in taken)
with open(sys.argv[3], "w") as f:
    q = lambda s: "'" + s.replace("'", "'\\''") + "'"
    print("CHOSEN=%d" % chosen, file=f)
    print("REN_GUID=" + q(ren), file=f)
    print("REN_DN=" + q(ren_dn), file=f)
    print("REN_COUNT=%d" % len(by_obj[ren]), file=f)
    print("MOV_GUID=" + q(mov), file=f)
    print("MOV_DN=" + q(mov_dn), file=f)
    print("MOV_RDN=" + q(mov_rdn), file=f)
    print("MOV_TO=" + q(parents[0]), file=f)
    print("MOV_COUNT=%d" % len(by_obj[mov]), file=f)
PY
. "$T/plan.sh"
is "$CHOSEN" 25 "25 displayName fixes chosen in the spreadsheet"
diag "rename $REN_DN ($REN_COUNT findings); move $MOV_DN to $MOV_TO ($MOV_COUNT findings)"

run_sr "$T/import.out" "$T/import.err" import "$T/edited.csv" --db "$DB"
is "$RC" 0 "the edited fix list imports"
[ "$RC" = 0 ] || diag_file "$T/import.err"
check "25 decisions are recorded" grep -q ' 25 decisions recorded' "$T/import.out"
run_sr "$T/ldif.out" "$T/ldif.err" report --db "$DB" --format ldif -o "$T/changes.ldif"
is "$RC" 0 "the LDIF change file is written"
is "$(grep -c '^changetype: modify' "$T/changes.ldif")" 25 "it holds the 25 changes"
RC=0
ldap ldapmodify -f "$T/changes.ldif" >"$T/apply.out" 2>"$T/apply.err" || RC=$?
is "$RC" 0 "ldapmodify applies the change file"
[ "$RC" = 0 ] || diag_file "$T/apply.err"

new_rdn="CN=${REN_DN#CN=}"
new_rdn="${new_rdn%%,*} Renamed"
printf 'dn: %s\nchangetype: modrdn\nnewrdn: %s\ndeleteoldrdn: 1\n\n' \
	"$REN_DN" "$new_rdn" >"$T/rename.ldif"
printf 'dn: %s\nchangetype: modrdn\nnewrdn: %s\ndeleteoldrdn: 1\nnewsuperior: %s\n\n' \
	"$MOV_DN" "$MOV_RDN" "$MOV_TO" >>"$T/rename.ldif"
RC=0
ldap ldapmodify -f "$T/rename.ldif" >"$T/rename.out" 2>"$T/rename.err" || RC=$?
is "$RC" 0 "one object renamed, another moved to $MOV_TO"
[ "$RC" = 0 ] || diag_file "$T/rename.err"

scan scan2 --fail-on new
is "$RC" 0 "the re-scan completes and --fail-on new finds nothing new"
[ "$RC" = 0 ] || diag_file "$T/scan2.err"
check "the re-scan says no finding is new" grep -q '^0 new finding(s) since scan 1$' "$T/scan2.out"

run_sr "$T/diff12.out" "$T/diff12.err" diff --db "$DB"
is "$RC" 0 "diff exits 0"
[ "$RC" = 0 ] || diag_file "$T/diff12.err"
check "diff compares scan 1 with scan 2" \
	bash -c "grep -q '^old scan 1:' '$T/diff12.out' && grep -q '^new scan 2:' '$T/diff12.out'"
before=$(sqlite3 "$DB" "SELECT findings FROM scans WHERE id = 1")
is "$(summary_of "$T/diff12.out")" \
	"25 fixed, $((before - 25)) still open, 0 new; objects: 0 appeared, 0 disappeared, 2 moved or renamed" \
	"diff: exactly the applied fixes are fixed, nothing is new, two objects moved"
check "diff: the fixes are displayName Blank findings" \
	grep -qE '^displayname\.blank +25 ' "$T/diff12.out"
moved=$(sed -n '/^objects moved or renamed/,/^$/p' "$T/diff12.out")
check "diff names the renamed object with its old DN" \
	grep -qF "(was $REN_DN)" <<<"$moved"
check "diff names the moved object with its old DN" \
	grep -qF "(was $MOV_DN)" <<<"$moved"
open_list=$(sed -n '/^still open/,/^$/p' "$T/diff12.out")
is "$(grep -cF "$new_rdn," <<<"$open_list")" "$REN_COUNT" \
	"the renamed object's $REN_COUNT findings are still open, under its new DN"
is "$(grep -cF "$MOV_RDN,$MOV_TO" <<<"$open_list")" "$MOV_COUNT" \
	"the moved object's $MOV_COUNT findings are still open, under its new DN"

# The CSV with --compare: every row is open, none new.
run_sr "$T/cmp.out" "$T/cmp.err" report --db "$DB" --format csv --compare previous -o "$T/cmp.csv"
is "$RC" 0 "report --compare previous exits 0"
statuses=$(python3 - "$T/cmp.csv" <<'PY'
import collections, csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
print(" ".join("%s=%d" % kv for kv in sorted(collections.Counter(r["STATUS"] for r in rows).items())))
PY
)
is "$statuses" "open=$((before - 25))" "the compared CSV marks every row open"

# A new problem: --fail-on new exits 3 and diff lists it as new.
user=$(sqlite3 "$DB" "SELECT dn FROM objects WHERE scan_id = 2 AND objectclass = 'user'
	AND dn LIKE 'CN=%,OU=Staff,%' AND dn NOT LIKE '%\\%' ORDER BY dn LIMIT 1")
printf 'dn: %s\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: smtp:new problem@contoso.com\n-\n\n' \
	"$user" >"$T/new.ldif"
RC=0
ldap ldapmodify -f "$T/new.ldif" >"$T/new.out" 2>"$T/new.err" || RC=$?
is "$RC" 0 "a bad proxy address is added to $user"
scan scan3 --fail-on new
is "$RC" 3 "scan --fail-on new exits 3 on the new finding"
check "and says how many are new" grep -qE '^[1-9][0-9]* new finding\(s\) since scan 2$' "$T/scan3.out"
run_sr "$T/diff23.out" "$T/diff23.err" diff --db "$DB"
check "diff now compares scan 2 with scan 3" \
	bash -c "grep -q '^old scan 2:' '$T/diff23.out' && grep -q '^new scan 3:' '$T/diff23.out'"
check "the new proxy address is listed as new" \
	bash -c "sed -n '/^new (/,/^\$/p' '$T/diff23.out' | grep -qF 'smtp:new problem@contoso.com'"
check "diff counts nothing fixed" grep -qE '^0 fixed, ' "$T/diff23.out"

# The server dies in the middle of scan 4: small pages make the crawl
# long; once slapd has answered 20 of its pages it is frozen (so the
# crawl cannot finish between the check and the kill) and killed.
pages_before=$(grep -c 'SEARCH RESULT' "$SLAPD_DIR/slapd.log" || true)
RC=0
timeout 300 "$SYNCREADY" scan --uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" --base "$BASE_DN" \
	--db "$DB" -q --page-size 5 >"$T/scan4.out" 2>"$T/scan4.err" &
scan_pid=$!
_bg_pids+=("$scan_pid")
for _ in $(seq 1 600); do
	pages=$(grep -c 'SEARCH RESULT' "$SLAPD_DIR/slapd.log" || true)
	[ $((pages - pages_before)) -ge 20 ] && break
	kill -0 "$scan_pid" 2>/dev/null || break
	sleep 0.05
done
kill -STOP "$SLAPD_PID"
check "scan 4 is still running when the server dies" kill -0 "$scan_pid"
"$SLAPD_SH" kill "$SLAPD_DIR"
wait "$scan_pid" || RC=$?
is "$RC" 1 "the interrupted scan exits 1"
is "$(sqlite3 "$DB" "SELECT state FROM scans WHERE id = 4")" failed "scan 4 is recorded failed"

run_sr "$T/diff-after.out" "$T/diff-after.err" diff --db "$DB"
is "$RC" 0 "diff still works without the server"
check "diff skips the failed scan: it compares 2 with 3" \
	bash -c "grep -q '^old scan 2:' '$T/diff-after.out' && grep -q '^new scan 3:' '$T/diff-after.out'"
run_sr "$T/cmp2.out" "$T/cmp2.err" report --db "$DB" --format json --compare previous -o "$T/cmp.json"
is "$RC" 0 "report --compare previous skips the failed scan"
check "the JSON report is of scan 3 compared with scan 2" python3 - "$T/cmp.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
scan = doc["scan"]
ok = scan["id"] == 3 and scan["compared_with"] == 2
if not ok:
    print("# scan", scan["id"], "compared with", scan["compared_with"])
sys.exit(0 if ok else 1)
PY
run_sr "$T/diff34.out" "$T/diff34.err" diff --db "$DB" 3 4
is "$RC" 2 "diff refuses the failed scan as a side"
check "and says why" grep -q 'scan 4 is failed, not complete' "$T/diff34.err"
run_sr "$T/rep4.out" "$T/rep4.err" report --db "$DB" --scan 4 --format csv
is "$RC" 2 "report refuses the failed scan"

done_testing
