#!/usr/bin/env bash
# Hostile directories and rule packs (fixtures/hostile): every one is
# scanned or loaded without a crash, a hang or a sanitizer report.  A
# directory with any byte in any value, invalid UTF-8, NULs, 1 MB values,
# 100,000 values and payloads for HTML and Excel gives a complete scan
# whose CSV parses back (python3's csv), whose JSON parses and whose HTML
# runs nothing in headless Chromium (check-html.mjs).  Broken LDIF ends the
# scan with one file:line message and a failed scan; a hostile rule pack is
# refused with one file:line message before anything is read, and a rule
# pack's catastrophic pattern costs a warning per value, not a hang.
#
#   hostile.sh SYNCREADY SOURCE_ROOT
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/../integration/lib.sh"
FIX=$SRC/fixtures/hostile
for tool in node iconv mkfifo; do
	command -v "$tool" >/dev/null ||
		{ echo "Bail out! $tool is not installed (run scripts/bootstrap)"; exit 1; }
done

# A sanitizer that reports aborts (meson test sets abort_on_error), but a
# report is also a failure when it did not abort.
no_sanitizer_report() {
	! grep -q -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"
}

python3 "$FIX/gen-hostile.py" "$T/gen" || { echo "Bail out! gen-hostile.py failed"; exit 1; }

# ---- the hostile directory -------------------------------------------------
label='<script>alert("label")</script>=cmd|x'
run_sr "$T/h.out" "$T/h.err" scan --ldif "$T/gen/hostile.ldif" --db "$T/h.db" \
	--report-dir "$T/rep" --label "$label"
is "$RC" 0 "hostile.ldif: the scan succeeds"
[ "$RC" = 0 ] || diag_file "$T/h.err"
check "hostile.ldif: no sanitizer report" no_sanitizer_report "$T/h.err"
is "$(scan_field "$T/h.db" state)" complete "hostile.ldif: the scan is complete"
want_objects=$(grep -c '^objectCategory: ' "$T/gen/hostile.ldif")
is "$(scan_field "$T/h.db" objects_read)" "$want_objects" \
	"hostile.ldif: every user and group read ($want_objects)"
findings=$(scan_field "$T/h.db" findings)
check "hostile.ldif: findings recorded ($findings)" test "$findings" -gt 10000
is "$(cd "$T/rep" && ls -A | tr '\n' ' ')" "findings.csv report.html " \
	"hostile.ldif: the report directory holds the two reports and no temporary file"

# The CSV, read back with python3's csv module: every row, every field,
# no cell Excel would run, the payloads intact behind the guard.
check "hostile.ldif: the CSV parses back with every row and field" \
	python3 - "$T/rep/findings.csv" "$findings" "$T/gen/payloads.json" <<'EOF'
import csv, json, sys
csv.field_size_limit(sys.maxsize)
path, want, payloads = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
raw = open(path, "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
raw.decode("utf-8")  # strict: the CSV is valid UTF-8 whatever the input
with open(path, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
assert head[0] == "DISTINGUISHEDNAME" and len(head) == 13, head
assert len(body) == want, f"{len(body)} rows, want {want}"
bad = [r for r in body if len(r) != 13]
assert not bad, f"{len(bad)} rows without 13 fields: {bad[0][:3]}"
for r in body:
    for c in r:
        assert c[:1] not in ("=", "+", "-", "@", "\t", "\r"), f"unguarded cell {c[:40]!r}"
values = {c[1:] if c.startswith("'") else c for r in body for c in (r[5], r[1])}
for p in payloads["formula"] + payloads["html"]:
    assert any(p in v for v in values), f"payload {p!r} not in any VALUE/COMMONNAME"
huge = [r for r in body if len(r[5]) >= 1024 * 1024]
assert huge, "no 1 MB value in the CSV"
EOF

run_sr "$T/j.out" "$T/j.err" report --db "$T/h.db" --format json -o "$T/h.json"
is "$RC" 0 "hostile.ldif: the JSON report is written"
check "hostile.ldif: the JSON parses with every finding" \
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
rows = d["findings"] if isinstance(d, dict) else d
assert len(rows) == int(sys.argv[2]), len(rows)' "$T/h.json" "$findings"

html_check() {
	node "$HERE/check-html.mjs" "$T/rep/report.html" "$findings" \
		"$T/gen/payloads.json" "$label" >"$T/html.tap" 2>&1
}
check "hostile.ldif: the HTML report in headless Chromium" html_check
grep -v -E '^(ok |1\.\.)' "$T/html.tap" | sed 's/^/# /' || true
check "hostile.ldif: Chromium ran every check" grep -q -x '1\.\.2[0-9]' "$T/html.tap"

# A second scan of the same file into the same database: the first stays
# as it was, the second gives the same rows.
run_sr "$T/h2.out" "$T/h2.err" scan --ldif "$T/gen/hostile.ldif" --db "$T/h.db" -q
is "$RC" 0 "hostile.ldif: a second scan succeeds"
check "hostile.ldif: no sanitizer report in the second scan" \
	no_sanitizer_report "$T/h2.err"
run_sr "$T/r1.csv" "$T/r1.err" report --db "$T/h.db" --scan 1 --format csv
run_sr "$T/r2.csv" "$T/r2.err" report --db "$T/h.db" --scan 2 --format csv
check "hostile.ldif: both scans give the same CSV" cmp -s "$T/r1.csv" "$T/r2.csv"
check "hostile.ldif: the first scan's CSV is the --report-dir one" \
	cmp -s "$T/r1.csv" "$T/rep/findings.csv"

# ---- the same values over LDAP ----------------------------------------------
# slapd serves what its syntaxes accept (hostile-slapd.ldif: no invalid
# UTF-8 or NULs): the crawler's BER path must give the LDIF path's rows.
export BASE_DN=DC=hostile,DC=test # slapd.sh's suffix
start_slapd slapd "$T/gen/hostile-slapd.ldif"
run_sr "$T/hl.out" "$T/hl.err" scan --db "$T/hl.db" --report-dir "$T/hl-rep" \
	--uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" --bind-dn "$BIND_DN" \
	--password-file "$BIND_PW_FILE" --base "$BASE_DN" --page-size 7
is "$RC" 0 "hostile over LDAP: the scan succeeds"
[ "$RC" = 0 ] || diag_file "$T/hl.err"
check "hostile over LDAP: no sanitizer report" no_sanitizer_report "$T/hl.err"
run_sr "$T/hf.out" "$T/hf.err" scan --db "$T/hf.db" --ldif "$T/gen/hostile-slapd.ldif" \
	--report-dir "$T/hf-rep"
is "$RC" 0 "hostile-slapd.ldif: the scan succeeds"
check "hostile over LDAP: thousands of findings ($(scan_field "$T/hl.db" findings))" \
	test "$(scan_field "$T/hl.db" findings)" -gt 10000
csv_rows "$T/hl-rep/findings.csv" >"$T/hl.rows"
csv_rows "$T/hf-rep/findings.csv" >"$T/hf.rows"
check "hostile over LDAP: the same rows as the LDIF of the same directory" \
	cmp -s "$T/hl.rows" "$T/hf.rows"
cmp -s "$T/hl.rows" "$T/hf.rows" || diff "$T/hl.rows" "$T/hf.rows" | head -5 | cut -c1-200 | sed 's/^/# /'

# ---- no finding at all: empty tables and lists in every report -------------
# (Under the sanitizers this caught qsort() called with NULL for an empty
# list in report/html.c and rules/beyond.c.)
printf 'version: 1\n\ndn: CN=Clean,DC=x,DC=com\nobjectClass: user\ncn: Clean\ndisplayName: Clean\n\n' >"$T/clean.ldif"
run_sr "$T/clean.out" "$T/clean.err" scan --ldif "$T/clean.ldif" --db "$T/clean.db" --report-dir "$T/clean-rep"
is "$RC" 0 "clean.ldif: a scan without findings succeeds with its reports"
check "clean.ldif: no sanitizer report" no_sanitizer_report "$T/clean.err"
is "$(scan_field "$T/clean.db" findings)" 0 "clean.ldif: no finding"
for f in json ldif; do
	run_sr "$T/clean.$f" "$T/clean-$f.err" report --db "$T/clean.db" --format "$f"
	is "$RC" 0 "clean.ldif: the $f report of no finding"
done

# ---- broken LDIF: one file:line message, a failed scan ---------------------
# bad_ldif NAME LINE REGEX
bad_ldif() {
	local name=$1 line=$2 re=$3 f=$FIX/ldif/$1.ldif
	run_sr "$T/$name.out" "$T/$name.err" scan --ldif "$f" --db "$T/$name.db"
	is "$RC" 1 "$name: exits 1"
	is "$(lines_of "$T/$name.err")" 1 "$name: one line on stderr"
	check "$name: it names the file and line $line (/$re/)" \
		grep -q -E "^syncready: .*$name\\.ldif:$line: .*($re)" "$T/$name.err"
	[ "$(lines_of "$T/$name.err")" = 1 ] || diag_file "$T/$name.err"
	is "$(scan_field "$T/$name.db" state)" failed "$name: the scan is recorded failed"
	check "$name: with the message as its reason" \
		grep -q -F -- "$(scan_field "$T/$name.db" reason)" "$T/$name.err"
}
bad_ldif broken-base64 11 'not a valid LDIF record'
bad_ldif missing-dn 7 "no 'dn:' line"
bad_ldif continuation-orphan 7 'not a valid LDIF record'
bad_ldif continuation-unindented 7 'not a valid LDIF record'
bad_ldif continuation-tab 6 'not a valid LDIF record'
# libldap 2.5 dereferences NULL on this line (found by fuzz-ldif).
bad_ldif nameless-value 4 'a value without an attribute name'
# libldap reports a record it never stored after a line of digits (an
# entry ID) at the end of the file (found by fuzz-ldif).
bad_ldif entry-id-only 1 'a line with only a number'
# The same between two records: libldap leaves the buffer holding the
# record before, which must not be read again.
bad_ldif entry-id-middle 12 'a line with only a number'
# libldap 2.5 dereferences NULL on a "-" right after dn: (fuzz-ldif).
bad_ldif separator-after-dn 4 "a '-' line where an attribute belongs"

# Repeated attributes and values are data, not errors: each value is
# checked, the repeated proxy address is a duplicate.
run_sr "$T/dup.out" "$T/dup.err" scan --ldif "$FIX/ldif/duplicate-attrs.ldif" --db "$T/dup.db"
is "$RC" 0 "duplicate-attrs: the scan succeeds"
is "$(sqlite3 "$T/dup.db" "SELECT count(*) FROM findings WHERE rule = 'proxyaddresses.duplicate'")" 3 \
	"duplicate-attrs: all three spellings of the repeated proxy address are duplicates"
# A second dn: line is read by libldap as an attribute of the first.
run_sr "$T/dn2.out" "$T/dn2.err" scan --ldif "$FIX/ldif/dn-twice.ldif" --db "$T/dn2.db"
is "$RC" 0 "dn-twice: the scan succeeds"
is "$(sqlite3 "$T/dn2.db" "SELECT dn FROM objects")" "CN=One,DC=hostile,DC=test" \
	"dn-twice: the object is the first dn"

# ---- hostile rule packs: refused with file:line before anything is read ---
# A file an external entity would read: a FIFO, so a parser that opened it
# would hang (the time limit catches that) instead of passing silently.
mkfifo "$T/secret.fifo"
for enc in UTF-8 IBM037; do
	sed -e "s|file:///etc/hostname|file://$T/secret.fifo|" \
		-e "s|encoding=\"UTF-8\"|encoding=\"$enc\"|" "$FIX/packs/xxe.xml" |
		iconv -f UTF-8 -t "$enc" >"$T/xxe-fifo-$enc.xml"
	sed "s|encoding=\"UTF-8\"|encoding=\"$enc\"|" "$FIX/packs/billion-laughs.xml" |
		iconv -f UTF-8 -t "$enc" >"$T/billion-laughs-$enc.xml"
done
# bad_pack FILE LINE REGEX
bad_pack() {
	local f=$1 line=$2 re=$3 name
	name=$(basename "$f" .xml)
	RC=0
	timeout 20 "$SYNCREADY" rules --rules "$f" >"$T/p-$name.out" 2>"$T/p-$name.err" || RC=$?
	is "$RC" 1 "$name: 'rules' exits 1 (in time)"
	is "$(lines_of "$T/p-$name.err")" 1 "$name: one line on stderr"
	check "$name: it names the file and line $line (/$re/)" \
		grep -q -E "^syncready: [^ ]*$name\\.xml:$line: .*($re)" "$T/p-$name.err"
	[ "$(lines_of "$T/p-$name.err")" = 1 ] || diag_file "$T/p-$name.err"
	check "$name: nothing on stdout" test ! -s "$T/p-$name.out"
	RC=0
	timeout 20 "$SYNCREADY" scan --ldif "$FIX/ldif/duplicate-attrs.ldif" --rules "$f" \
		--db "$T/p-$name.db" >/dev/null 2>"$T/p-$name.scan.err" || RC=$?
	is "$RC" 1 "$name: 'scan' exits 1"
	check "$name: 'scan' creates no database" test ! -e "$T/p-$name.db"
}
bad_pack "$FIX/packs/malformed.xml" 6 'tag mismatch'
bad_pack "$FIX/packs/xxe.xml" 2 'DOCTYPE is not allowed'
bad_pack "$FIX/packs/xxe-parameter.xml" 2 'DOCTYPE is not allowed'
bad_pack "$FIX/packs/billion-laughs.xml" 2 'DOCTYPE is not allowed'
bad_pack "$FIX/packs/billion-laughs-utf16.xml" 1 'must be UTF-8'
bad_pack "$FIX/packs/xinclude.xml" 3 'unknown element'
bad_pack "$FIX/packs/invalid-pcre.xml" 4 "invalid pattern '\\(unclosed"
bad_pack "$FIX/packs/invalid-pcre-skip.xml" 4 'invalid skip pattern'
bad_pack "$T/xxe-fifo-UTF-8.xml" 2 'DOCTYPE is not allowed'
# In EBCDIC the byte scan for <!DOCTYPE sees nothing: libxml2 must still
# neither read the external entity nor expand the internal ones.  (The
# DOCTYPE check after parsing names line -1 here: xmlGetLineNo() knows no
# line for a DTD node.)
bad_pack "$T/xxe-fifo-IBM037.xml" '-?[0-9]+' 'DOCTYPE is not allowed|entity'
bad_pack "$T/billion-laughs-IBM037.xml" '[0-9]+' 'DOCTYPE is not allowed|entity'
check "no rule pack message quotes the host name (no XXE read)" \
	bash -c "! grep -q -F -x -e \"\$(cat /etc/hostname 2>/dev/null || echo unset-hostname)\" $T/p-*.err $T/p-*.out"

# ---- catastrophic backtracking: a warning per value, not a hang ------------
start=$(date +%s)
RC=0
timeout 120 "$SYNCREADY" scan --ldif "$T/gen/catastrophic.ldif" \
	--rules "$FIX/packs/catastrophic.xml" --db "$T/bt.db" \
	>"$T/bt.out" 2>"$T/bt.err" || RC=$?
took=$(($(date +%s) - start))
is "$RC" 0 "catastrophic: the scan ends and succeeds"
check "catastrophic: in under 60 s (${took} s)" test "$took" -lt 60
check "catastrophic: no sanitizer report" no_sanitizer_report "$T/bt.err"
is "$(scan_field "$T/bt.db" state)" complete "catastrophic: the scan is complete"
for k in 0 1 2; do
	check "catastrophic: a warning names Backtrack $k and the limit" \
		grep -q -E "^syncready: warning: CN=Backtrack $k,.*pattern not evaluated: .*limit" "$T/bt.err"
done
is "$(grep -c -v 'pattern not evaluated' "$T/bt.err" || true)" 0 \
	"catastrophic: nothing else on stderr"

done_testing
