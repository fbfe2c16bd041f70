#!/bin/bash
# The DC itself, checked with OpenLDAP's and Samba's own tools: what the
# other tests rely on (schema, data, paging, ranges, references, binds).
. "$(dirname "$0")/lib.sh"
plan 18
ad_up

base=$AD_BASE
schema="CN=Schema,CN=Configuration,$base"
t "the DC answers LDAPS with Samba's CA for dc1.contoso.test" \
	ad_ldapsearch -s base -b '' defaultNamingContext
is "$(ad_ldapsearch -s base -b '' defaultNamingContext | sed -n 's/^defaultNamingContext: //p')" \
	"$base" "the RootDSE names the domain"
t "the RootDSE offers the paged-results control" \
	grep -q '^supportedControl: 1.2.840.113556.1.4.319$' \
	<<< "$(ad_ldapsearch -s base -b '' supportedControl)"

# The Exchange attributes: attributeID and syntax as the fixture says.
bad=0
while read -r name oid syntax; do
	got=$(ad_ldapsearch -b "$schema" "(lDAPDisplayName=$name)" attributeID attributeSyntax |
		awk '/^attributeID:/{o=$2} /^attributeSyntax:/{s=$2} END{print o, s}')
	if [ "$got" != "$oid $syntax" ]; then
		diag "$name: got '$got', want '$oid $syntax'"
		bad=$((bad + 1))
	fi
done < <(awk '/^lDAPDisplayName:/{n=$2} /^attributeID:/{o=$2} /^attributeSyntax:/{print n, o, $2}' \
	"$AD_TOP/fixtures/ad/exchange-schema.ldif")
is "$bad" 0 "every Exchange attribute has its attributeID and syntax"
for a in msExchMailboxGuid msExchArchiveGUID msExchRecipientTypeDetails \
	msExchRemoteRecipientType homeMDB mailNickname targetAddress \
	msExchHideFromAddressLists; do
	n=$(ad_count "($a=*)")
	[ "$n" -gt 0 ] || diag "no object holds $a"
	[ "$n" -gt 0 ] || bad=$((bad + 1))
done
is "$bad" 0 "the loaded objects hold each of the eight Exchange attributes"

loaded=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["loaded"])' "$AD_DIR/data/adapt.json")
total=$(ad_count '(objectClass=*)')
t "a paged search finds every loaded object ($total >= $loaded + the DC's own)" \
	test "$total" -gt "$loaded"
t "more than 1,000 objects match syncready's default filter" \
	test "$(ad_count "$AD_DEFAULT_FILTER")" -gt 1000

# The big group, read the way AD wants it: explicit windows.
big="CN=GS-Big-$AD_BIG_GROUP,OU=Groups,$base"
w1=$(ad_ldapsearch -b "$big" -s base '(objectClass=*)' 'member;range=0-1499' | grep -c '^member;range=0-1499:')
w2=$(ad_ldapsearch -b "$big" -s base '(objectClass=*)' 'member;range=1500-2999' | grep -c '^member;range=1500-2999:')
w3=$(ad_ldapsearch -b "$big" -s base '(objectClass=*)' 'member;range=3000-*' | grep -c '^member;range=3000-\*:')
is "$w1 $w2 $w3" "1500 1500 $((AD_BIG_GROUP - 3000))" \
	"the big group answers range windows 0-1499, 1500-2999, 3000-*"
is "$(ad_ldapsearch -b "$big" -s base '(objectClass=*)' member | grep -c '^member:')" \
	"$AD_BIG_GROUP" "Samba sends all $AD_BIG_GROUP members when no range is asked (laxer than AD)"

# (ldapsearch -LLL would hide references: ask without it)
refs=$(ad_ns env LDAPTLS_CACERT="$AD_CA" ldapsearch -H "ldaps://$AD_DC_FQDN" -x \
	-D "$AD_BIND_DN" -y "$AD_PASSWORD_FILE" -b "$base" -E pr=1000/noprompt \
	'(objectClass=organizationalUnit)' 1.1 | grep '^ref:' || true)
t "a subtree search at the domain root returns a continuation reference to the Configuration partition" \
	grep -qi "CN=Configuration,$base" <<< "$refs"

out=$(ad_ns ldapsearch -x -H "ldap://$AD_DC_FQDN" -D "$AD_BIND_DN" -y "$AD_PASSWORD_FILE" \
	-b "$base" -s base 1.1 2>&1)
t "a simple bind over cleartext LDAP is refused (server default)" \
	grep -q 'Strong(er) authentication required' <<< "$out"
t "StartTLS with Samba's CA works" \
	ad_ns env LDAPTLS_CACERT="$AD_CA" ldapsearch -ZZ -x -H "ldap://$AD_DC_FQDN" \
	-D "$AD_BIND_DN" -y "$AD_PASSWORD_FILE" -b "$base" -s base 1.1
t "the Global Catalog answers on 3269 (LDAPS)" \
	ad_ns env LDAPTLS_CACERT="$AD_CA" ldapsearch -x -H "ldaps://$AD_DC_FQDN:3269" \
	-D "$AD_BIND_DN" -y "$AD_PASSWORD_FILE" -b "$base" -s base 1.1

t "kinit gets a ticket from the DC's KDC" kinit Administrator@"$AD_REALM" < "$AD_PASSWORD_FILE"
t "a GSSAPI bind with that ticket works" \
	ad_ns env LDAPSASL_NOCANON=on ldapsearch -Y GSSAPI -H "ldap://$AD_DC_FQDN" -b "$base" -s base 1.1

other=$AD_WORK/other-dc
out=$(ad_samba start "$other" 2>&1) && rc=0 || rc=$?
t "a second DC refuses to start while the ports are taken" test "$rc" != 0
t "... saying which ports and why" grep -q 'already in use' <<< "$out"
t "... before provisioning anything" test ! -e "$other/private"
exit 0
