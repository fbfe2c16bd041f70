#!/bin/bash
# objectGUID and objectSid as AD encodes them (a little-endian GUID, a
# binary SID): the scanner's decoded strings must equal what Samba's own
# tools print, and syncready's stable key (OBJECTGUID) is that GUID.
. "$(dirname "$0")/lib.sh"
plan 6
ad_up

ad_ns "$AD_DUMP" --uri "ldaps://$AD_DC_FQDN" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" objectSid \
	> "$AD_WORK/ids.tsv" 2> "$AD_WORK/dump.err" && rc=0 || rc=$?
is "$rc" 0 "the scanner reads the objects with objectGUID and objectSid"
[ "$rc" = 0 ] || diag "$(tail -3 "$AD_WORK/dump.err")"
awk -F'\t' '$2 == "objectGUID" || $2 == "objectSid" { print tolower($1) "\t" $2 "\t" tolower($3) }' \
	"$AD_WORK/ids.tsv" | sort > "$AD_WORK/got.tsv"

# Samba's view, straight from its database (ldb prints both as strings).
ldbsearch -H "$AD_DC_DIR/private/sam.ldb" -b "$AD_BASE" "$AD_DEFAULT_FILTER" \
	objectGUID objectSid 2>/dev/null | ad_tsv |
	awk -F'\t' '$2 == "objectGUID" || $2 == "objectSid" { print tolower($1) "\t" $2 "\t" tolower($3) }' |
	sort > "$AD_WORK/want.tsv"
n=$(grep -c objectGUID "$AD_WORK/want.tsv")
t "objectGUID and objectSid of all $n objects equal ldbsearch's" \
	diff "$AD_WORK/want.tsv" "$AD_WORK/got.tsv"
t "objectSids look like S-1-5-21-a-b-c-RID (S-1-5-32-RID for the built-in groups)" \
	sh -c "awk -F'\t' '\$2 == \"objectSid\" && \$3 !~ /^s-1-5-(21-[0-9]+-[0-9]+-[0-9]+|32)-[0-9]+\$/ { bad = 1 } END { exit bad }' '$AD_WORK/got.tsv'"

# samba-tool, for a few users by name.
bad=0
for u in Administrator krbtgt "$(ldbsearch -H "$AD_DC_DIR/private/sam.ldb" -b "OU=Staff,$AD_BASE" \
	'(&(objectClass=user)(mail=*))' sAMAccountName 2>/dev/null | sed -n 's/^sAMAccountName: //p' | head -3)"; do
	[ -n "$u" ] || continue
	while IFS= read -r name; do
		show=$(samba-tool user show "$name" -H "$AD_DC_DIR/private/sam.ldb" 2>/dev/null)
		dn=$(ad_tsv <<< "$show" | head -1 | cut -f1 | tr 'A-Z' 'a-z')
		for a in objectGUID objectSid; do
			want=$(ad_tsv <<< "$show" | awk -F'\t' -v a="$a" '$2 == a { print tolower($3) }')
			got=$(DN=$dn A=$a awk -F'\t' '$1 == ENVIRON["DN"] && $2 == ENVIRON["A"] { print $3 }' "$AD_WORK/got.tsv")
			if [ -z "$want" ] || [ "$want" != "$got" ]; then
				diag "$name $a: samba-tool '$want', scanner '$got'"
				bad=$((bad + 1))
			fi
		done
	done <<< "$u"
done
is "$bad" 0 "objectGUID and objectSid equal samba-tool user show's for Administrator, krbtgt and three users"

# syncready's key for each object is its objectGUID.
db=$AD_WORK/ids.db
ad_scan --uri "ldaps://$AD_DC_FQDN" --ca-file "$AD_CA" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$db" > /dev/null 2>&1
# (backslash written as ad-dump and ldif2tsv.py write it)
sqlite3 -separator "$(printf '\t')" "$db" 'SELECT dn, key FROM objects' | sed 's/\\/\\x5c/g' |
	awk -F'\t' '{ print tolower($1) "\t" tolower($2) }' | sort > "$AD_WORK/keys.tsv"
awk -F'\t' '$2 == "objectGUID" { print $1 "\t" $3 }' "$AD_WORK/want.tsv" | sort > "$AD_WORK/guids.tsv"
t "syncready stored objects, keyed" test -s "$AD_WORK/keys.tsv"
t "... by the objectGUID Samba assigned (every stored object)" \
	sh -c "join -t '	' '$AD_WORK/keys.tsv' '$AD_WORK/guids.tsv' | awk -F'\t' '\$2 != \$3 { bad = 1 } END { exit bad || NR == 0 }' && [ \"\$(join -t '	' -v 1 '$AD_WORK/keys.tsv' '$AD_WORK/guids.tsv' | wc -l)\" = 0 ]"
exit 0
