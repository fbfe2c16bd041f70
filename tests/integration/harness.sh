#!/usr/bin/env bash
# The slapd harness itself behaves as the other tests (and the Samba-less
# demo) assume: StartTLS with the test CA and verification on; the AD
# attributes and short-form objectCategory filters; AD's 1000-entry limit
# without paging and pages of at most 1000; the reader account is an
# ordinary entry and not returned by the crawler's filter; stop really
# stops it; and nothing of it lands outside its directory.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

start_slapd slapd "$SRC/fixtures/contoso.ldif"
scanned=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["objects"]["scanned"])' \
	"$SRC/fixtures/contoso.stats.json")

# ldapsearch as the reader, with the test CA, verification on
q() {
	env -u LDAPNOINIT LDAPRC=/dev/null LDAPCONF=/dev/null LDAPTLS_CACERT="$CA_FILE" \
		LDAPTLS_REQCERT=demand ldapsearch -o ldif-wrap=no -x -ZZ -H "$LDAP_URI" \
		-D "$BIND_DN" -y "$BIND_PW_FILE" -b "$BASE_DN" "$@"
}
count() { grep -c '^dn:' || true; }

check "the settings name a 127.0.0.1 URI" bash -c "[[ '$LDAP_URI' =~ ^ldap://127\\.0\\.0\\.1:[0-9]+\$ ]]"
quiet() { "$@" >/dev/null 2>&1; }
check "StartTLS verifies against the test CA" quiet q -s base dn
check "StartTLS fails against a CA that did not sign it" bash -c \
	"! env -u LDAPNOINIT LDAPRC=/dev/null LDAPCONF=/dev/null LDAPTLS_CACERT=/dev/null LDAPTLS_REQCERT=demand \
	ldapsearch -x -ZZ -H '$LDAP_URI' -s base -b '' >/dev/null 2>&1"
check "the server certificate names 127.0.0.1" bash -c \
	"openssl x509 -in '$SLAPD_DIR/tls/server.crt' -noout -text | grep -q 'IP Address:127.0.0.1'"

is "$(q -E pr=1000/noprompt '(|(objectCategory=person)(objectCategory=group))' dn | count)" \
	"$scanned" "paged (objectCategory=person)|(objectCategory=group) returns the $scanned the generator counted"
is "$(q -E pr=1000/noprompt '(objectCategory=computer)' dn | count)" 9 \
	"(objectCategory=computer) finds the 9 computers"
is "$(q -E pr=1000/noprompt '(objectCategory=CN=Group,CN=Schema,CN=Configuration,DC=contoso,DC=com)' dn | count)" \
	"$(q -E pr=1000/noprompt '(objectCategory=group)' dn | count)" \
	"the short form and the DN form of objectCategory find the same groups"
rc=0; q '(objectCategory=person)' dn >"$T/unpaged" 2>&1 || rc=$?
is "$rc" 4 "an unpaged search over 1000 entries ends with sizeLimitExceeded"
is "$(count <"$T/unpaged")" 1000 "after 1000 entries"
rc=0; q -E pr=1001/noprompt '(objectCategory=person)' dn >/dev/null 2>&1 || rc=$?
check "a page size over 1000 is refused (exit $rc)" test "$rc" -ne 0
is "$(q '(cn=syncready-reader)' dn | count)" 1 "the reader account exists"
is "$(q -E pr=1000/noprompt '(&(cn=syncready-reader)(|(objectCategory=person)(objectCategory=group)))' dn | count)" 0 \
	"and the crawler's filter does not return it"

# AD's encodings come back as loaded
q '(sAMAccountName=krbtgt)' objectGUID objectSid isCriticalSystemObject userAccountControl >"$T/krbtgt"
check "objectGUID comes back as 16 bytes (base64)" \
	bash -c "grep '^objectGUID:: ' '$T/krbtgt' | cut -d' ' -f2 | base64 -d | [ \$(wc -c) = 16 ]"
check "objectSid is a binary SID ending in RID 502" python3 - "$T/krbtgt" <<'PY'
import base64, re, sys
b = base64.b64decode(re.search(r"^objectSid:: (\S+)", open(sys.argv[1]).read(), re.M).group(1))
sys.exit(0 if b[0] == 1 and int.from_bytes(b[-4:], "little") == 502 else 1)
PY
check "isCriticalSystemObject is TRUE" grep -q -x 'isCriticalSystemObject: TRUE' "$T/krbtgt"
is "$(q -E pr=1000/noprompt '(msExchRecipientTypeDetails=2147483648)' dn | count)" \
	"$(q -E pr=1000/noprompt '(&(msExchRecipientTypeDetails>=2147483648)(msExchRecipientTypeDetails<=2147483648))' dn | count)" \
	"msExchRecipientTypeDetails is an integer (equality and ordering agree)"
check "remote mailboxes exist" test "$(q -E pr=1000/noprompt '(msExchRecipientTypeDetails=2147483648)' dn | count)" -gt 100
q '(cn=Edge Many Certs)' userCertificate >"$T/certs"
is "$(grep -c '^userCertificate' "$T/certs")" 16 "a user holds 16 certificates"
q '(cn=Edge Many Proxies)' proxyAddresses >"$T/proxies"
is "$(grep -c '^proxyAddresses' "$T/proxies")" 301 "a user holds 301 proxy addresses"
is "$(q '(cn=All Staff)' member | grep -c '^member:')" \
	"$(awk -v RS= '/^dn: CN=All Staff,/' "$SRC/fixtures/contoso.ldif" | grep -c '^member:')" \
	"the All Staff group has all its members (more than AD's 1500-value window)"
is "$(q '(cn=Lee, Michael*)' dn | count)" 3 "both Michael Lees and the replication conflict are there"

# env prints the same settings; stop stops the process slapd.sh started
"$SLAPD_SH" env "$SLAPD_DIR" >"$T/env"
check "env prints the same URI" grep -q -x -F "LDAP_URI=$LDAP_URI" "$T/env"
pid=$(cat "$SLAPD_DIR/run/slapd.pid")
check "the pid file names a slapd run with this directory's config" \
	grep -q -a -F "$SLAPD_DIR/slapd.conf" "/proc/$pid/cmdline"
"$SLAPD_SH" stop "$SLAPD_DIR"
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status"; }
check "stop ends slapd" gone "$pid"
check "nothing answers on the port afterwards" bash -c \
	"! env -u LDAPNOINIT ldapsearch -x -H '$LDAP_URI' -o nettimeout=2 -s base -b '' >/dev/null 2>&1"
check "stop again is a no-op" "$SLAPD_SH" stop "$SLAPD_DIR"

# a stale pid file naming a process that is not this slapd is not killed
sleep 300 &
decoy=$!
_bg_pids+=("$decoy")
echo "$decoy" >"$SLAPD_DIR/run/slapd.pid"
"$SLAPD_SH" stop "$SLAPD_DIR"
check "stop does not signal a process that is not its slapd" kill -0 "$decoy"

done_testing
