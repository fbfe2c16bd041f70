#!/usr/bin/env bash
# Exchange Autodiscover SCPs over LDAP: a slapd whose RootDSE names a
# configurationNamingContext (as AD's does) holds a user, an Autodiscover
# SCP and another service's SCP under CN=Configuration; the scan reads the
# user with its filter and the SCPs with its second search, and reports
# exchange.autodiscover-scp for the Autodiscover one only.  The LDIF scan
# of the same entries gives the same rows.  A scan whose base is the
# configuration partition does not search it twice.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/../integration/lib.sh"

B=DC=contoso,DC=com
C=CN=Configuration,$B
SCP="CN=EX01,CN=Autodiscover,CN=Protocols,CN=EX01,CN=Servers,$C"
cat >"$T/scp.ldif" <<EOF
dn: $B
objectClass: top
objectClass: domain
dc: contoso

dn: CN=Ann Lee,$B
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Ann Lee
sn: Lee
displayName: Ann Lee
sAMAccountName: annlee
userPrincipalName: ann.lee@contoso.com
objectCategory: CN=Person,CN=Schema,$C

dn: $C
objectClass: top
objectClass: container
cn: Configuration

dn: CN=Servers,$C
objectClass: top
objectClass: container
cn: Servers

dn: CN=EX01,CN=Servers,$C
objectClass: top
objectClass: container
cn: EX01

dn: CN=Protocols,CN=EX01,CN=Servers,$C
objectClass: top
objectClass: container
cn: Protocols

dn: CN=Autodiscover,CN=Protocols,CN=EX01,CN=Servers,$C
objectClass: top
objectClass: container
cn: Autodiscover

dn: $SCP
objectClass: top
objectClass: serviceConnectionPoint
cn: EX01
keywords: 77378F46-2C66-4aa9-A6A6-3E7A48B19596
keywords: Site=Default-First-Site-Name
serviceBindingInformation: https://ex01.contoso.com/Autodiscover/Autodiscover.xml
objectCategory: CN=Service-Connection-Point,CN=Schema,$C

dn: CN=Other Service,CN=Servers,$C
objectClass: top
objectClass: serviceConnectionPoint
cn: Other Service
keywords: Some-Other-Keyword
serviceBindingInformation: https://other.contoso.com/
objectCategory: CN=Service-Connection-Point,CN=Schema,$C

EOF
printf 'dn:\nconfigurationNamingContext: %s\n' "$C" >"$T/rootdse.ldif"
SLAPD_ROOTDSE=$T/rootdse.ldif start_slapd slapd "$T/scp.ldif"

q() {
	env -u LDAPNOINIT LDAPRC=/dev/null LDAPCONF=/dev/null LDAPTLS_CACERT="$CA_FILE" \
		LDAPTLS_REQCERT=demand ldapsearch -o ldif-wrap=no -x -ZZ -H "$LDAP_URI" \
		-D "$BIND_DN" -y "$BIND_PW_FILE" "$@"
}
rootdse_names_config() {
	q -b '' -s base configurationNamingContext | grep -q -x "configurationNamingContext: $C"
}
check "the test slapd's RootDSE names the configuration partition" rootdse_names_config

scan() {
	run_sr "$T/$1.out" "$T/$1.err" scan --uri "$LDAP_URI" --starttls \
		--ca-file "$CA_FILE" --bind-dn "$BIND_DN" \
		--password-file "$BIND_PW_FILE" --db "$T/$1.db" -q "${@:2}"
}
scan ldap --base "$B"
is "$RC" 0 "LDAP scan exits 0"
[ "$RC" = 0 ] || diag_file "$T/ldap.err"
is "$(scan_field "$T/ldap.db" objects_read)" 2 \
	"it read the user (first search) and the Autodiscover SCP (second search)"
check "slapd saw the second search under the configuration partition" \
	grep -q -i "SRCH base=\"$C\" scope=2 deref=0 filter=\"(&(objectClass=serviceConnectionPoint)(keywords=77378F46-2C66-4aa9-A6A6-3E7A48B19596))\"" \
	"$SLAPD_DIR/slapd.log"
run_sr "$T/ldap.csv.out" "$T/ldap.csv.err" report --db "$T/ldap.db" --format csv -o "$T/ldap.csv"
# The columns that do not depend on how the source spells a DN (the key
# of an object without objectGUID is its DN).
cols() {
	csv_rows "$1" | python3 -c '
import sys
rows = [l.rstrip("\n").split("\t") for l in sys.stdin]
want = ["OBJECTCLASS", "ATTRIBUTE", "ERROR", "VALUE", "UPDATE", "PROPOSEDACTION", "RULE", "SEVERITY"]
idx = [rows[0].index(c) for c in want]
for r in sorted("|".join(r[i] for i in idx) for r in rows[1:]):
    print(r)'
}
cols "$T/ldap.csv" >"$T/ldap.rows"
check "the SCP's row: exchange.autodiscover-scp, a warning on serviceBindingInformation" \
	grep -q -x "serviceConnectionPoint|serviceBindingInformation|AutodiscoverScp|https://ex01.contoso.com/Autodiscover/Autodiscover.xml||Complete|exchange.autodiscover-scp|warning" \
	"$T/ldap.rows"
is "$(grep -c '|exchange.autodiscover-scp|' "$T/ldap.rows")" 1 \
	"exactly one SCP row (another service's SCP is not read)"

run_sr "$T/ldif.out" "$T/ldif.err" scan --ldif "$T/scp.ldif" --db "$T/ldif.db" -q
is "$RC" 0 "LDIF scan of the same entries exits 0"
run_sr "$T/ldif.csv.out" "$T/ldif.csv.err" report --db "$T/ldif.db" --format csv -o "$T/ldif.csv"
cols "$T/ldif.csv" >"$T/ldif.rows"
# The LDIF holds the other service's SCP too: read, no row.
is "$(scan_field "$T/ldif.db" objects_read)" 3 "the LDIF scan reads both SCPs and the user"
check "and gives the same rows" cmp -s "$T/ldap.rows" "$T/ldif.rows"
cmp -s "$T/ldap.rows" "$T/ldif.rows" || diff "$T/ldap.rows" "$T/ldif.rows" | head | sed 's/^/# /'

scan config --base "$C"
is "$RC" 0 "a scan whose base is the configuration partition exits 0"
is "$(grep -c -i "SRCH base=\"$C\" scope=2" "$SLAPD_DIR/slapd.log")" 2 \
	"... and searches it once (no second search of the same partition)"
done_testing
