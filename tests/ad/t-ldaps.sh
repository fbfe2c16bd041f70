#!/bin/bash
# syncready scan against the DC over LDAPS and StartTLS with Samba's CA,
# and over the Global Catalog (3269, and 3268 with StartTLS): a complete
# scan of more than 1,000 objects in pages of at most 1,000, seen from both
# ends (syncready -vv says what it asked for; the DC's log shows one search
# request per page), and the Configuration partition's continuation
# reference recorded, not chased.
. "$(dirname "$0")/lib.sh"
plan 24
ad_up

db=$AD_WORK/ad.db
pw=$(cat "$AD_PASSWORD_FILE")
ad_log_mark
ad_scan --uri "ldaps://$AD_DC_FQDN" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$db" -vv \
	> "$AD_WORK/ldaps.out" 2> "$AD_WORK/ldaps.err" && rc=0 || rc=$?
ad_log_since > "$AD_WORK/dc.log"
is "$rc" 0 "scan over LDAPS with the CA from the provision succeeds"
[ "$rc" = 0 ] || diag "$(tail -3 "$AD_WORK/ldaps.err")"
is "$(ad_last_state "$db")" complete "the scan is recorded complete"

filter=$(sqlite3 "$db" 'SELECT filter FROM scans ORDER BY id DESC LIMIT 1')
read_n=$(sqlite3 "$db" 'SELECT objects_read FROM scans ORDER BY id DESC LIMIT 1')
want=$(ad_count "${filter:-$AD_DEFAULT_FILTER}")
is "$read_n" "$want" "it read every object ldapsearch finds with its filter (${filter:-?})"
t "more than 1,000 objects, so paging matters" test "${read_n:-0}" -gt 1000

# What syncready asked for: one debug line per page.
# (pages of other searches, e.g. the configuration partition's, count for
# the size limit but not for the page count of this one)
sizes=$(sed -n 's/.*page [0-9]* of .* requested (size \([0-9]*\)).*/\1/p' "$AD_WORK/ldaps.err")
pages=$(grep -c "page [0-9]* of $AD_BASE requested" "$AD_WORK/ldaps.err")
need=$(( (${read_n:-0} + 999) / 1000 ))
diag "pages asked: $pages, sizes: $(sort -u <<< "$sizes" | tr '\n' ' ')"
t "syncready asked for at least $need pages" test "$pages" -ge "$need"
t "... each of at most 1,000 entries" \
	awk '$1 > 1000 || $1 < 1 { bad = 1 } END { exit bad || NR == 0 }' <<< "$sizes"
# What the DC received: one search request per page.
server_pages=$(grep -c "ldb_request SUB dn=$AD_BASE filter=" "$AD_WORK/dc.log")
is "$server_pages" "$pages" "the DC received one subtree search request per page"

out=$(ad_scan --uri "ldaps://$AD_DC_FQDN" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$AD_WORK/big.db" --page-size 5000 -vv 2>&1)
big=$(sed -n 's/.*page [0-9]* of .* requested (size \([0-9]*\)).*/\1/p' <<< "$out" | sort -n | tail -1)
# A larger page is the user's explicit choice: syncready asks for it (Samba
# honours it; AD would cap it) but says that AD will not.
t "--page-size 5000 warns that AD returns at most 1,000 a page" \
	grep -q 'at most 1000' <<< "$out"

refs=$(sqlite3 "$db" 'SELECT reference FROM not_crawled')
t "the continuation reference to the Configuration partition is recorded as not crawled" \
	grep -qi "/CN=Configuration,$AD_BASE\$" <<< "$refs"
dc_refs=$(ad_ns env LDAPTLS_CACERT="$AD_CA" ldapsearch -H "ldaps://$AD_DC_FQDN" -x \
	-D "$AD_BIND_DN" -y "$AD_PASSWORD_FILE" -b "$AD_BASE" -E pr=1000/noprompt \
	"${filter:-$AD_DEFAULT_FILTER}" 1.1 | sed -n 's/^ref: //p' | sort -f)
t "... every reference the DC returns for the scan's search is recorded" \
	test -z "$(comm -23 <(tr 'A-Z' 'a-z' <<< "$dc_refs" | sort) <(tr 'A-Z' 'a-z' <<< "$refs" | sort))"
ncs=$(ad_ldapsearch -s base -b '' namingContexts | sed -n 's/^namingContexts: //p' | tr 'A-Z' 'a-z')
t "... and every recorded reference names one of the DC's naming contexts" \
	test -z "$(sed 's|^[a-z]*://[^/]*/||' <<< "$refs" | tr 'A-Z' 'a-z' | grep -vxFf <(echo "$ncs"))"
# Chasing it would repeat the scan's search there (syncready's own search
# of that partition for Autodiscover SCPs has another filter).
t "... and not chased: the DC saw no search of the Configuration partition with the scan's filter" \
	sh -c "! grep -qF 'ldb_request SUB dn=CN=Configuration,$AD_BASE filter=${filter:-$AD_DEFAULT_FILTER}' '$AD_WORK/dc.log'"
t "... (the DC's log does show the scan's own searches, so the check above can fail)" \
	grep -qF "ldb_request SUB dn=$AD_BASE filter=${filter:-$AD_DEFAULT_FILTER}" "$AD_WORK/dc.log"

t "the password is not in syncready's output" \
	sh -c "! grep -qF -- '$pw' '$AD_WORK/ldaps.out' '$AD_WORK/ldaps.err'"
t "the password is not in the database" sh -c "! grep -qaF -- '$pw' '$db'"

ad_scan --uri "ldap://$AD_DC_FQDN" --starttls --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$AD_WORK/starttls.db" \
	> /dev/null 2> "$AD_WORK/starttls.err" && rc=0 || rc=$?
is "$rc:$(ad_last_state "$AD_WORK/starttls.db")" 0:complete "scan with StartTLS and Samba's CA is complete"
is "$(sqlite3 "$AD_WORK/starttls.db" 'SELECT objects_read FROM scans')" "$read_n" \
	"... and read the same objects"

ad_scan --uri "ldaps://$AD_DC_FQDN:3269" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$AD_WORK/gc.db" \
	> /dev/null 2> "$AD_WORK/gc.err" && rc=0 || rc=$?
is "$rc:$(ad_last_state "$AD_WORK/gc.db")" 0:complete "scan of the Global Catalog (LDAPS 3269) is complete"
is "$(sqlite3 "$AD_WORK/gc.db" 'SELECT objects_read FROM scans')" "$read_n" \
	"... and read the same objects (one domain: the GC holds them all)"

ad_scan --uri "ldap://$AD_DC_FQDN:3268" --starttls --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$AD_WORK/gc3268.db" \
	> /dev/null 2> "$AD_WORK/gc3268.err" && rc=0 || rc=$?
is "$rc:$(ad_last_state "$AD_WORK/gc3268.db")" 0:complete "scan of the Global Catalog on 3268 with StartTLS is complete"
is "$(sqlite3 "$AD_WORK/gc3268.db" 'SELECT objects_read FROM scans')" "$read_n" \
	"... and read the same objects"

# The certificate names dc1.contoso.test, not 127.0.0.1.
ad_scan --uri "ldaps://127.0.0.1" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$AD_WORK/ip.db" \
	> /dev/null 2> "$AD_WORK/ip.err" && rc=0 || rc=$?
diag "$(cat "$AD_WORK/ip.err")"
is "$rc" 1 "LDAPS to the address the certificate does not name fails (exit 1)"
is "$(ad_lines "$AD_WORK/ip.err")" 1 "... with one line on stderr"
t "... and no complete scan" sh -c "[ \"\$(sqlite3 '$AD_WORK/ip.db' \"SELECT count(*) FROM scans WHERE state = 'complete'\" 2>/dev/null || echo 0)\" = 0 ]"
exit 0
