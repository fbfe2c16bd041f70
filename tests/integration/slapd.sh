#!/usr/bin/env bash
# slapd.sh -- a throwaway OpenLDAP slapd that looks like Active Directory to
# syncready's crawler, for the integration tests and scripts/demo.
#
#   slapd.sh start DIR [FILE.ldif]  create DIR (config, test CA, server
#                                   certificate), load FILE.ldif offline
#                                   (slapadd -q; a fresh database each time a
#                                   file is given), start slapd on two free
#                                   127.0.0.1 ports (ldap:// with StartTLS,
#                                   ldaps://) and print the settings
#   slapd.sh stop DIR               stop it (TERM, then KILL after 10 s)
#   slapd.sh kill DIR               SIGKILL at once (a server that dies)
#   slapd.sh env DIR                print the settings of a running server
#
# The settings are printed as shell assignments, for
#   eval "$(tests/integration/slapd.sh start DIR fixtures/contoso.ldif)"
# LDAP_URI, LDAP_PORT, LDAPS_URI, LDAPS_PORT, BIND_DN, BIND_PW,
# BIND_PW_FILE, BASE_DN, CA_FILE, ROOT_DN, SLAPD_DIR, SLAPD_PID.  BIND_DN is an ordinary entry, so the
# server's size limit applies to it as AD's MaxPageSize applies to an
# account; ROOT_DN (same password) is exempt from limits.
#
# What it imitates: AD's attribute names, OIDs and syntaxes
# (fixtures/slapd/ad.schema); (objectCategory=person) short-form filters,
# rewritten by the rwm overlay; a search without paging stops at 1000
# entries (sizeLimitExceeded) and pages over 1000 are refused
# (adminLimitExceeded), so a crawler must page with at most 1000; StartTLS
# and LDAPS with a certificate from a CA made here.  What it does not: ranged
# retrieval, UPN bind names, memberOf, server-maintained objectGUID and
# whenChanged (they are whatever the LDIF says).
#
# Environment: BASE_DN (default DC=contoso,DC=com), SLAPD_PORT (default: a
# free port), SLAPD_LOGLEVEL (slapd -d level, default stats: connections,
# binds, searches and results, logged to DIR/slapd.log for the tests to read),
# SLAPD_ROOTDSE (an LDIF file of extra RootDSE attributes, e.g. AD's
# configurationNamingContext: slapd.conf's rootDSE directive).
# Never touches /etc/ldap or the system's slapd: everything lives in DIR.
set -euo pipefail

BASE_DN=${BASE_DN:-DC=contoso,DC=com}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SCHEMA=$ROOT/fixtures/slapd/ad.schema
SYS_SCHEMA=/etc/ldap/schema

die() { echo "slapd.sh: $*" >&2; exit 1; }
log() { echo "slapd.sh: $*" >&2; }
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The pid of DIR's slapd if it runs; the pid file alone is not trusted
# (pids are reused quickly here): its command line must name DIR's config.
pid_of() {
	local d=$1 p
	[ -r "$d/run/slapd.pid" ] || return 1
	p=$(cat "$d/run/slapd.pid" 2>/dev/null) || return 1
	[[ $p =~ ^[0-9]+$ ]] || return 1
	[ -r "/proc/$p/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -F -- "slapd" || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -F -- "$d/slapd.conf" || return 1
	echo "$p"
}

free_port() {
	python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# Answers a StartTLS search of the RootDSE with certificate verification on.
ldap_up() {
	local d=$1 port=$2
	env -u LDAPNOINIT LDAPTLS_CACERT="$d/tls/ca.crt" LDAPTLS_REQCERT=demand LDAPRC=/dev/null \
		LDAPCONF=/dev/null \
		ldapsearch -x -ZZ -H "ldap://127.0.0.1:$port/" -s base -b '' \
		-o nettimeout=2 -l 2 namingContexts >/dev/null 2>&1
}

# A test CA and a server certificate for 127.0.0.1/localhost, valid 30
# days.  openssl is on every Debian system; certtool (gnutls-bin) is the
# fallback.  slapd (built with GnuTLS on Debian) reads both.
make_tls() {
	local t=$1
	mkdir -p "$t"
	[ -s "$t/server.crt" ] && [ -s "$t/ca.crt" ] && return 0
	if command -v openssl >/dev/null; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
			-subj "/O=syncready tests/CN=syncready test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout "$t/ca.key" -out "$t/ca.crt" >/dev/null 2>&1 ||
			die "openssl could not make the test CA"
		openssl req -newkey rsa:2048 -nodes \
			-subj "/O=syncready tests/CN=127.0.0.1" \
			-keyout "$t/server.key" -out "$t/server.csr" >/dev/null 2>&1 ||
			die "openssl could not make the server key"
		printf '%s\n' "basicConstraints=CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=IP:127.0.0.1,DNS:localhost" >"$t/server.ext"
		openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" \
			-CAkey "$t/ca.key" -CAcreateserial -days 30 \
			-extfile "$t/server.ext" -out "$t/server.crt" >/dev/null 2>&1 ||
			die "openssl could not sign the server certificate"
	elif command -v certtool >/dev/null; then
		certtool --generate-privkey --outfile "$t/ca.key" >/dev/null 2>&1
		printf '%s\n' 'organization = "syncready tests"' \
			'cn = "syncready test CA"' ca cert_signing_key crl_signing_key \
			'expiration_days = 30' >"$t/ca.tmpl"
		certtool --generate-self-signed --load-privkey "$t/ca.key" \
			--template "$t/ca.tmpl" --outfile "$t/ca.crt" >/dev/null 2>&1 ||
			die "certtool could not make the test CA"
		certtool --generate-privkey --outfile "$t/server.key" >/dev/null 2>&1
		printf '%s\n' 'organization = "syncready tests"' 'cn = "127.0.0.1"' \
			'ip_address = "127.0.0.1"' 'dns_name = "localhost"' tls_www_server \
			encryption_key signing_key 'expiration_days = 30' >"$t/server.tmpl"
		certtool --generate-certificate --load-privkey "$t/server.key" \
			--load-ca-certificate "$t/ca.crt" --load-ca-privkey "$t/ca.key" \
			--template "$t/server.tmpl" --outfile "$t/server.crt" >/dev/null 2>&1 ||
			die "certtool could not sign the server certificate"
	else
		die "neither openssl nor certtool is installed (run scripts/bootstrap)"
	fi
	chmod 600 "$t/ca.key" "$t/server.key"
}

write_conf() {
	local d=$1 hash
	hash=$(slappasswd -s "$(cat "$d/bind.pw")") || die "slappasswd failed"
	cat >"$d/slapd.conf" <<EOF
# Written by tests/integration/slapd.sh; rewritten on every start.
include $SYS_SCHEMA/core.schema
include $SYS_SCHEMA/cosine.schema
include $SYS_SCHEMA/inetorgperson.schema
include $SCHEMA
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload rwm
${SLAPD_ROOTDSE:+rootDSE $SLAPD_ROOTDSE}
pidfile $d/run/slapd.pid
argsfile $d/run/slapd.args
loglevel none
TLSCACertificateFile $d/tls/ca.crt
TLSCertificateFile $d/tls/server.crt
TLSCertificateKeyFile $d/tls/server.key
TLSVerifyClient never
# AD: MaxPageSize 1000.  Unpaged searches stop at 1000 entries; paged ones
# return any total in pages of at most 1000.
sizelimit size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=unlimited

database mdb
suffix "$BASE_DN"
rootdn "CN=Manager,$BASE_DN"
rootpw $hash
directory $d/db
maxsize 1073741824
index objectClass,objectCategory eq
index sAMAccountName,userPrincipalName,mail,proxyAddresses,mailNickname eq
index objectGUID,msExchMailboxGuid eq
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none

# AD expands the short form (objectCategory=person) itself; here rwm
# rewrites every such term to (objectCategory=CN=person,CN=Schema,...).
overlay rwm
rwm-rewriteEngine on
rwm-rewriteContext searchFilter
rwm-rewriteRule "^(.*)[(][oO][bB][jJ][eE][cC][tT][cC][aA][tT][eE][gG][oO][rR][yY]=([^=,()*]+)[)](.*)$" "%1(objectCategory=CN=%2,CN=Schema,CN=Configuration,$BASE_DN)%3"
EOF
	slaptest -Q -u -f "$d/slapd.conf" || die "slaptest rejected $d/slapd.conf"
}

# The domain head (unless the LDIF has it) and the account the tests bind
# as.  The account is an applicationProcess, not a person: the crawler's
# filter does not return it, so the LDAP scan and the LDIF scan of the same
# file read the same objects.
base_ldif() {
	local d=$1 ldif=$2 dc hash
	hash=$(slappasswd -s "$(cat "$d/bind.pw")")
	if [ -z "$ldif" ] || ! grep -q -i -x -F "dn: $BASE_DN" "$ldif"; then
		dc=$(echo "$BASE_DN" | sed 's/^[dD][cC]=\([^,]*\).*/\1/')
		printf 'dn: %s\nobjectClass: top\nobjectClass: domain\ndc: %s\n\n' \
			"$BASE_DN" "$dc"
	fi
	printf 'dn: %s\nobjectClass: top\nobjectClass: applicationProcess\n' \
		"$(bind_dn)"
	printf 'objectClass: simpleSecurityObject\ncn: syncready-reader\n'
	printf 'userPassword: %s\n\n' "$hash"
}

bind_dn() { echo "CN=syncready-reader,$BASE_DN"; }

print_env() {
	local d=$1 port sport pid
	port=$(cat "$d/run/port")
	sport=$(cat "$d/run/ldaps-port")
	pid=$(pid_of "$d") || die "slapd in $d is not running"
	printf 'LDAP_URI=%q\n' "ldap://127.0.0.1:$port"
	printf 'LDAP_PORT=%q\n' "$port"
	printf 'LDAPS_URI=%q\n' "ldaps://127.0.0.1:$sport"
	printf 'LDAPS_PORT=%q\n' "$sport"
	printf 'BIND_DN=%q\n' "$(bind_dn)"
	printf 'BIND_PW=%q\n' "$(cat "$d/bind.pw")"
	printf 'BIND_PW_FILE=%q\n' "$d/bind.pw"
	printf 'BASE_DN=%q\n' "$BASE_DN"
	printf 'CA_FILE=%q\n' "$d/tls/ca.crt"
	printf 'ROOT_DN=%q\n' "CN=Manager,$BASE_DN"
	printf 'SLAPD_DIR=%q\n' "$d"
	printf 'SLAPD_PID=%q\n' "$pid"
}

cmd_start() {
	local d=$1 ldif=${2:-} port sport i p
	command -v slapd >/dev/null || die "slapd is not installed (run scripts/bootstrap)"
	command -v ldapsearch >/dev/null || die "ldapsearch is not installed (run scripts/bootstrap)"
	[ -r "$SCHEMA" ] || die "cannot read $SCHEMA"
	if [ -n "$ldif" ]; then
		[ -r "$ldif" ] || die "cannot read $ldif"
		ldif=$(cd "$(dirname "$ldif")" && pwd)/$(basename "$ldif")
	fi
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	if p=$(pid_of "$d"); then
		[ -z "$ldif" ] || die "slapd already runs in $d (pid $p): stop it first"
		print_env "$d"
		return 0
	fi
	mkdir -p "$d/db" "$d/run"
	chmod 700 "$d"
	if [ ! -s "$d/bind.pw" ]; then
		# A fresh random password per directory: the tests grep for it.
		(umask 077 && python3 -c 'import secrets; print("Rdr-" + secrets.token_hex(12), end="")' >"$d/bind.pw")
	fi
	make_tls "$d/tls"
	write_conf "$d"
	if [ -n "$ldif" ] || [ ! -e "$d/db/data.mdb" ]; then
		rm -f "$d/db/"*.mdb
		if [ -n "$ldif" ]; then
			{ base_ldif "$d" "$ldif"; cat "$ldif"; } >"$d/load.ldif"
		else
			base_ldif "$d" "" >"$d/load.ldif"
		fi
		# -q: no consistency checks, fast; a bad entry still stops it.
		slapadd -q -f "$d/slapd.conf" -l "$d/load.ldif" >"$d/slapadd.log" 2>&1 || {
			tail -5 "$d/slapadd.log" >&2
			die "slapadd could not load ${ldif:-the base entries} (log: $d/slapadd.log)"
		}
		rm -f "$d/load.ldif"
	fi
	for _ in 1 2 3; do
		port=${SLAPD_PORT:-$(free_port)}
		sport=$(free_port)
		echo "$port" >"$d/run/port"
		echo "$sport" >"$d/run/ldaps-port"
		rm -f "$d/run/slapd.pid"
		# In the foreground (-d) so that its log goes to DIR/slapd.log; in
		# the background of this script, and in its process group, so an
		# interrupted test run takes it down too.
		slapd -d "${SLAPD_LOGLEVEL:-stats}" -f "$d/slapd.conf" \
			-h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$sport/" \
			</dev/null >>"$d/slapd.log" 2>&1 &
		for i in $(seq 1 100); do
			ldap_up "$d" "$port" && break
			# slapd forks and exits at once if it cannot listen
			if [ "$i" -gt 10 ] && ! pid_of "$d" >/dev/null; then break; fi
			sleep 0.1
		done
		if ldap_up "$d" "$port"; then
			print_env "$d"
			return 0
		fi
		cmd_stop "$d" 2>/dev/null || true
		[ -z "${SLAPD_PORT:-}" ] || break
		log "slapd did not answer on port $port; another port"
	done
	die "slapd does not answer StartTLS on 127.0.0.1:$port (see $d/slapd.log)"
}

cmd_stop() {
	local d=$1 sig=${2:-TERM} p i
	[ -d "$d" ] || return 0
	d=$(cd "$d" && pwd)
	p=$(pid_of "$d") || return 0
	kill "-$sig" "$p" 2>/dev/null || true
	for i in $(seq 1 100); do
		[ -e "/proc/$p" ] || break
		# a zombie is gone as far as the tests care
		grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && break
		sleep 0.1
	done
	if [ -e "/proc/$p" ] && pid_of "$d" >/dev/null; then
		log "slapd $p ignored SIG$sig for 10 s: KILL"
		kill -KILL "$p" 2>/dev/null || true
	fi
	rm -f "$d/run/slapd.pid"
}

[ $# -ge 2 ] || usage
case $1 in
start) [ $# -le 3 ] || usage; cmd_start "$2" "${3:-}" ;;
stop) cmd_stop "$2" TERM ;;
kill) cmd_stop "$2" KILL ;;
env) d=$(cd "$2" && pwd) && print_env "$d" ;;
*) usage ;;
esac
