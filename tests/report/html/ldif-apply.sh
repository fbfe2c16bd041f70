#!/usr/bin/env bash
# The LDIF change file against a real server (issue 4): scan the Contoso
# slapd, fill in ACTION in the CSV fix list as a spreadsheet would (Python's
# csv module, BOM and CRLF kept), import it, write the LDIF with `report
# --format ldif`, apply it with ldapmodify: a re-scan has none of the
# changed findings.  Then apply the undo file: the directory is exactly
# what it was (every entry, every value).
#   ldif-apply.sh SYNCREADY SOURCE_ROOT
. "$2/tests/integration/lib.sh"
for tool in ldapmodify ldapsearch; do
	command -v "$tool" >/dev/null ||
		{ echo "Bail out! $tool is not installed (run scripts/bootstrap)"; exit 1; }
done

start_slapd slapd "$SRC/fixtures/contoso.ldif"
# The ldap-utils read the CA from the environment only without LDAPNOINIT.
ldap() {
	env -u LDAPNOINIT LDAPTLS_CACERT="$CA_FILE" LDAPTLS_REQCERT=demand LDAPRC=/dev/null \
		LDAPCONF=/dev/null "$@" -H "$LDAP_URI" -ZZ -x -D "$ROOT_DN" -y "$BIND_PW_FILE"
}
# Every entry with its lines sorted: the order of values is not data.
dump() {
	ldap ldapsearch -LLL -o ldif-wrap=no -b "$BASE_DN" '(objectClass=*)' '*' >"$1.raw"
	python3 - "$1.raw" >"$1" <<'PY'
import sys
entries = open(sys.argv[1], "rb").read().split(b"\n\n")
out = []
for e in entries:
    lines = [l for l in e.split(b"\n") if l]
    if lines:
        out.append(b"\n".join([lines[0]] + sorted(lines[1:])))
sys.stdout.buffer.write(b"\n\n".join(sorted(out)) + b"\n")
PY
}
scan() {
	run_sr "$T/scan$1.out" "$T/scan$1.err" scan --uri "$LDAP_URI" --starttls \
		--ca-file "$CA_FILE" --bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" \
		--base "$BASE_DN" --db "$T/it.db" -q
	is "$RC" 0 "scan $1 exits 0"
	[ "$RC" = 0 ] || diag_file "$T/scan$1.err"
}

dump "$T/before.ldif"
check "the directory dump is not empty" test "$(grep -c '^dn:' "$T/before.ldif")" -gt 3000
scan 1
run_sr "$T/csv.out" "$T/csv.err" report --db "$T/it.db" --format csv -o "$T/fix.csv"
is "$RC" 0 "report --format csv exits 0"

# The consultant accepts every proposal to edit or remove, in a spreadsheet.
edits=$(python3 - "$T/fix.csv" "$T/edited.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.reader(f))
head = rows[0]
pa, ac = head.index("PROPOSEDACTION"), head.index("ACTION")
key = [head.index(c) for c in ("OBJECTGUID", "ATTRIBUTE", "VALUE")]
n, keys = 0, set()
for r in rows[1:]:
    if r[pa] in ("Edit", "Remove"):
        r[ac] = r[pa].upper()
        n += 1
        keys.add(tuple(r[i] for i in key))
with open(sys.argv[2], "w", newline="", encoding="utf-8-sig") as f:
    csv.writer(f, lineterminator="\r\n").writerows(rows)
print(n, len(keys))
PY
)
read -r edits decisions <<<"$edits"
check "the consultant chose $edits edits and removals" test "$edits" -gt 100
run_sr "$T/import.out" "$T/import.err" import "$T/edited.csv" --db "$T/it.db"
is "$RC" 0 "syncready import of the edited fix list exits 0"
[ "$RC" = 0 ] || diag_file "$T/import.err"
diag "$(cat "$T/import.out")"
check "every row matched a finding" grep -q ', 0 rows matched no finding$' "$T/import.out"
# One decision per OBJECTGUID + ATTRIBUTE + VALUE, whatever the rules.
check "every edit and removal recorded ($decisions values)" \
	grep -q -F " $edits with an ACTION, $decisions decisions recorded" "$T/import.out"

run_sr "$T/ldif.out" "$T/ldif.err" report --db "$T/it.db" --format ldif -o "$T/changes.ldif"
is "$RC" 0 "report --format ldif exits 0"
[ "$RC" = 0 ] || diag_file "$T/ldif.err"
check "the undo file is written beside it" test -s "$T/changes-undo.ldif"
# Accepting every proposal is what the spreadsheet edit did.
run_sr "$T/accept.out" "$T/accept.err" report --db "$T/it.db" --format ldif --accept -o "$T/accept.ldif"
is "$RC" 0 "report --format ldif --accept exits 0"
check "--accept writes the same changes as the imported decisions" \
	cmp -s <(grep -v '^#' "$T/changes.ldif") <(grep -v '^#' "$T/accept.ldif")
changes=$(grep -c '^changetype: modify' "$T/changes.ldif" || true)
check "the change file has changes ($changes)" test "$changes" -gt 100
# An object holding two values that differ only in case (loaded by
# slapadd; no LDAP client can create that) gets one of them back.
twins=$(grep -c 'differs only in case' "$T/ldif.err" || true)
is "$(grep -c '^changetype: modify' "$T/changes-undo.ldif")" "$((changes - twins))" \
	"one undo record per change ($twins values with a case twin are not re-added)"

# -c: a change the server refuses must not stop the others (each record
# is one atomic modify: a refused one changes nothing).
RC=0
ldap ldapmodify -c -f "$T/changes.ldif" >"$T/apply.out" 2>"$T/apply.err" || RC=$?
refused=$(grep -c '^ldap_modify:' "$T/apply.err" || true)
diag "ldapmodify: $changes changes, $refused refused"
{ grep -A1 '^ldap_modify:' "$T/apply.err" || true; } | sort | uniq -c | sort -rn | head -5 | sed 's/^/# /'
is "$refused" 0 "ldapmodify applies every record of the change file"

scan 2
# The findings the change file addressed: none is left in the re-scan.
left=$(sqlite3 "$T/it.db" "
	SELECT count(*) FROM findings AS f JOIN decisions AS d
	  ON d.object_key = f.object_key AND d.attribute = f.attribute AND d.value = f.value
	WHERE d.scan_id = 1 AND d.action IN ('Edit', 'Remove') AND f.scan_id = 2
	  AND f.error IS NOT NULL AND d.update_value IS NOT d.value")
is "$left" 0 "the re-scan has none of the findings that were changed"
before=$(sqlite3 "$T/it.db" "SELECT count(*) FROM findings WHERE scan_id = 1 AND error IS NOT NULL")
after=$(sqlite3 "$T/it.db" "SELECT count(*) FROM findings WHERE scan_id = 2 AND error IS NOT NULL")
diag "findings: $before before, $after after the change file"
check "fewer findings after the change file" test "$after" -lt "$before"

RC=0
ldap ldapmodify -c -f "$T/changes-undo.ldif" >"$T/undo.out" 2>"$T/undo.err" || RC=$?
refused=$(grep -c '^ldap_modify:' "$T/undo.err" || true)
is "$refused" 0 "ldapmodify applies every record of the undo file"
[ "$refused" = 0 ] || diag_file "$T/undo.err"
dump "$T/after.ldif"
# Exactly as before; an entry that held case twins, as before up to case.
check "after the undo file every entry is as before" python3 - "$T/before.ldif" "$T/after.ldif" <<'PY'
import sys
def entries(path):
    out = {}
    for e in open(path, "rb").read().split(b"\n\n"):
        lines = e.strip(b"\n").split(b"\n")
        if lines and lines[0]:
            out[lines[0]] = lines[1:]
    return out
a, b = entries(sys.argv[1]), entries(sys.argv[2])
bad = [dn for dn in a.keys() | b.keys() if a.get(dn) != b.get(dn)]
twins = [dn for dn in bad if len({l.lower() for l in a.get(dn, [])}) < len(a.get(dn, []))
         and {l.lower() for l in a[dn]} == {l.lower() for l in b.get(dn, [])}]
for dn in bad:
    if dn not in twins:
        print("# differs:", dn.decode(errors="replace"))
print("# %d entries, %d with case twins restored up to case" % (len(a), len(twins)))
sys.exit(1 if len(bad) != len(twins) else 0)
PY

done_testing
