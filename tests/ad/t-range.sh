#!/bin/bash
# Ranged retrieval: the big group has more members than one AD range
# window (MaxValRange 1,500).  Samba would send them all at once, so the
# DC's log is what shows whether the crawler asked in explicit windows
# (member;range=0-1499, 1500-2999, 3000-*) as real AD requires; the
# scanner's entry (through ad-dump, the scanner's public API) must hold
# every member.
. "$(dirname "$0")/lib.sh"
plan 7
ad_up

big="CN=GS-Big-$AD_BIG_GROUP,OU=Groups,$AD_BASE"
ad_log_mark
ad_ns "$AD_DUMP" --uri "ldaps://$AD_DC_FQDN" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --filter '(objectCategory=group)' member \
	> "$AD_WORK/groups.tsv" 2> "$AD_WORK/dump.err" && rc=0 || rc=$?
ad_log_since > "$AD_WORK/dc.log"
is "$rc" 0 "the scanner reads every group with its members"
[ "$rc" = 0 ] || diag "$(tail -3 "$AD_WORK/dump.err")"

awk -F'\t' -v dn="$big" 'tolower($1) == tolower(dn) && $2 == "member" { print tolower($3) }' \
	"$AD_WORK/groups.tsv" | sort > "$AD_WORK/big.got"
is "$(grep -c . "$AD_WORK/big.got")" "$AD_BIG_GROUP" "the big group's entry holds all $AD_BIG_GROUP members"
ad_ldapsearch -b "$big" -s base '(objectClass=*)' member | ad_tsv |
	awk -F'\t' '$2 == "member" { print tolower($3) }' | sort > "$AD_WORK/big.want"
t "... the same members ldapsearch lists" cmp "$AD_WORK/big.want" "$AD_WORK/big.got"

# Every group: the scanner's member count equals the DC's.
ad_ldapsearch -b "$AD_BASE" -E pr=1000/noprompt '(objectCategory=group)' member cn | ad_tsv |
	awk -F'\t' '{ dn = tolower($1); n[dn] += 0 } $2 == "member" { n[dn]++ }
	     END { for (d in n) print d "\t" n[d] }' | sort > "$AD_WORK/want.tsv"
awk -F'\t' '$1 !~ /^#/ { dn = tolower($1); n[dn] += 0 } $2 == "member" { n[tolower($1)]++ }
	END { for (d in n) print d "\t" n[d] }' "$AD_WORK/groups.tsv" | sort > "$AD_WORK/got.tsv"
t "every group has as many members in the scan as on the DC ($(grep -c . "$AD_WORK/want.tsv") groups)" \
	diff "$AD_WORK/want.tsv" "$AD_WORK/got.tsv"

# What the crawler asked for: the DC logs each request's attribute list.
windows=$(sed -n 's/.*SearchRequest: attrs: \[member;range=\([0-9]*-[0-9*]*\)\].*/\1/p' \
	"$AD_WORK/dc.log")
diag "member windows asked for: $(sort -u <<< "$windows" | tr '\n' ' ')"
t "the crawler asked for member in explicit range windows" test -n "$windows"
t "... none wider than 1,500 values (AD's MaxValRange)" \
	awk -F- '$2 != "*" && $2 - $1 + 1 > 1500 { bad = 1 } END { exit bad || NR == 0 }' <<< "$windows"
t "... reaching past 3,000 for the big group (three windows)" \
	grep -qE '^(3000|[12][0-9]{3})-(\*|[0-9]{4})$' <<< "$(grep -vE '^0-' <<< "$windows")"
exit 0
