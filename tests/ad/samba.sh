#!/bin/bash
# tests/ad/samba.sh -- a throwaway Samba Active Directory domain controller
# for syncready's AD suite.
#
#   samba.sh start DIR            provision (first time), start, wait for LDAP
#                                 and Kerberos; prints the KEY=value bind info
#   samba.sh load  DIR FILE.ldif [CHANGES.ldif]
#                                 add entries offline (stops and restarts
#                                 samba around it); any rejected entry fails;
#                                 then apply CHANGES (system-only values such
#                                 as isCriticalSystemObject, relax control)
#   samba.sh stop  DIR            stop the DC started from DIR
#   samba.sh env   DIR            print the KEY=value bind info
#   samba.sh ports                fail, naming them, when any of the DC's
#                                 ports is taken (start checks the same)
#
# Everything lives under DIR: smb.conf, the databases, logs, the pid file,
# a krb5.conf and a hosts file for clients.  Nothing under /etc, /var or
# /run is read or written.  The DC listens on 127.0.0.1 only: LDAP 389,
# LDAPS 636, Global Catalog 3268/3269, Kerberos 88 and 464 (Samba's ports
# are fixed, so there is one such DC per machine: start refuses to run
# when one of them is taken).  Samba keeps its default "ldap server require
# strong auth", so simple binds need LDAPS or StartTLS (CA: DIR/private/
# tls/ca.pem, generated on first start).  Needs root (samba refuses to run
# otherwise) and the packages scripts/bootstrap installs: samba,
# samba-ad-provision, samba-dsdb-modules, samba-vfs-modules, ldb-tools,
# krb5-user, ldap-utils, libsasl2-modules-gssapi-mit.
set -euo pipefail

REALM=CONTOSO.TEST
NT_DOMAIN=CONTOSO
DC_HOST=dc1
DC_FQDN=dc1.contoso.test
IP=127.0.0.1
BASE_DN=DC=contoso,DC=test
ADMIN_PW='Adm1n!Contoso-Test'
PORTS="389 636 3268 3269 88 464"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
SCHEMA_LDIF=$top/fixtures/ad/exchange-schema.ldif

die() { echo "samba.sh: $*" >&2; exit 1; }
say() { echo "samba.sh: $*" >&2; }

usage() { sed -n '4,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

need_tools() {
	local t missing=()
	for t in samba samba-tool ldbadd ldbmodify ldapsearch kinit ss; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] ||
		die "missing ${missing[*]}: run scripts/bootstrap (it installs samba, samba-ad-provision, samba-dsdb-modules, samba-vfs-modules, ldb-tools, krb5-user, ldap-utils)"
	compgen -G '/usr/lib/*/samba/vfs/acl_xattr.so' >/dev/null ||
		die "samba-vfs-modules is missing (provision needs vfs acl_xattr): run scripts/bootstrap"
	[ "$(id -u)" = 0 ] || die "samba must run as root"
}

# The root samba process started from DIR, if it is alive and is samba
# (PIDs are reused quickly: never signal a pid file's number blindly).
pid_of() {
	local d=$1 p
	[ -r "$d/run/samba.pid" ] || return 1
	p=$(tr -dc 0-9 < "$d/run/samba.pid")
	[ -n "$p" ] && [ -r "/proc/$p/cmdline" ] || return 1
	# samba rewrites its title ("samba: root process"): check the name, the
	# binary and that it holds files under DIR open (its logs, databases).
	tr '\0' ' ' < "/proc/$p/cmdline" | grep '^samba' >/dev/null || return 1
	[ "$(readlink -f "/proc/$p/exe")" = "$(readlink -f "$(command -v samba)")" ] || return 1
	ls -l "/proc/$p/fd" 2>/dev/null | grep " $d/" >/dev/null || return 1
	echo "$p"
}

taken_ports() {
	local p out=""
	for p in $PORTS; do
		if ss -Hltn "sport = :$p" | grep . >/dev/null || ss -Hlun "sport = :$p" | grep . >/dev/null; then
			out="$out $p"
		fi
	done
	echo "${out# }"
}

check_ports() {
	local busy
	busy=$(taken_ports)
	[ -z "$busy" ] ||
		die "port(s) $busy already in use on this machine; Samba's ports are fixed ($PORTS), so another DC or directory server must be stopped first"
}

ldap_up() {
	ldapsearch -x -H "ldap://$IP:389" -s base -b '' -o nettimeout=2 \
		defaultNamingContext >/dev/null 2>&1
}

write_client_conf() {
	local d=$1
	# For kinit and the GSSAPI test: the realm's KDC is this DC, nothing is
	# looked up in DNS, and host names are not canonicalised by reverse DNS.
	cat > "$d/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1

[realms]
	$REALM = {
		kdc = $IP
		admin_server = $IP
	}

[domain_realm]
	.contoso.test = $REALM
	contoso.test = $REALM
EOF
	# A hosts file for a private mount namespace (tests/ad/lib.sh,
	# ad_with_hosts): Kerberos needs the DC's own name, and libldap's SASL
	# code names the service after the reverse look-up of 127.0.0.1.
	printf '%s %s %s localhost\n' "$IP" "$DC_FQDN" "$DC_HOST" > "$d/hosts"
}

write_conf() {
	local d=$1 f=$1/etc/smb.conf
	python3 - "$f" "$d" "$IP" <<'PY'
import re, sys
f, d, ip = sys.argv[1:4]
src = open(f).read()
head, _, rest = src.partition("[global]")
glob = re.split(r"\n\[", rest, maxsplit=1)[0]   # [global] only: no shares
drop = re.compile(r"\s*(server services|interfaces|bind interfaces only|"
                  r"disable netbios|log file|log level|max log size|logging|"
                  r"pid directory|"
                  r"ncalrpc dir|winbindd socket directory|"
                  r"ntp signd socket directory|usershare path|"
                  r"dns update command|spn update command|nsupdate command|"
                  r"dsdb:schema update allowed)\s*=", re.I)
lines = [l for l in glob.splitlines() if l.strip() and not drop.match(l)]
lines += ["\t%s = %s" % kv for kv in [
    # LDAP and Kerberos only: no SMB, NetBIOS, DNS, dynamic updates.
    ("server services", "ldap kdc"),
    ("interfaces", ip), ("bind interfaces only", "yes"),
    ("disable netbios", "yes"),
    # Level 10: the log shows each SearchRequest's attribute list and one
    # request per page, which is how the tests see what a client asked for
    # (Samba itself neither caps pages at 1000 nor values at 1500).
    ("log level", "10"),
    # Never rotated while it runs (a test reading the lines since its
    # mark would miss those moved to log.samba.old); start rotates it.
    ("max log size", "0"),
    ("pid directory", d + "/run"), ("ncalrpc dir", d + "/run/ncalrpc"),
    ("winbindd socket directory", d + "/run/winbindd"),
    ("ntp signd socket directory", d + "/run/ntp_signd"),
    ("usershare path", d + "/usershares"),
    ("dns update command", "/bin/true"), ("spn update command", "/bin/true"),
    ("nsupdate command", "/bin/true"),
    ("dsdb:schema update allowed", "true")]]
# "ldap server require strong auth" is deliberately left at its default.
open(f, "w").write(head + "[global]\n" + "\n".join(lines) + "\n")
PY
}

# Applies fixtures/ad/exchange-schema.ldif offline.  A schema change is
# visible only after its transaction commits (schemaUpdateNow does nothing
# inside one ldb transaction), so each part between two rootDSE records is
# its own ldbmodify run and the rootDSE records themselves are dropped.
apply_schema() {
	local d=$1 n=0 part
	[ -r "$SCHEMA_LDIF" ] || die "cannot read $SCHEMA_LDIF"
	grep -q "CN=Schema,CN=Configuration,$BASE_DN" "$SCHEMA_LDIF" ||
		die "$SCHEMA_LDIF is not for $BASE_DN"
	rm -f "$d/log"/schema.*.ldif
	awk -v out="$d/log/schema." '
		BEGIN { RS = ""; ORS = "\n\n"; n = 1 }
		/^#/ { sub(/^(#[^\n]*\n)+/, "") }
		$0 == "" { next }
		/^dn:[ \t]*\n/ { n++; next }
		{ print > (out n ".ldif") }' "$SCHEMA_LDIF"
	for part in "$d/log"/schema.*.ldif; do
		n=$((n + 1))
		if ! ldbmodify -H "$d/private/sam.ldb" \
			--option='dsdb:schema update allowed=true' "$part" \
			> "$part.log" 2>&1 || grep -q '^ERR' "$part.log"; then
			cat "$part.log" >&2
			die "Exchange schema part $n ($part) was rejected"
		fi
	done
	say "Exchange schema applied ($n parts)"
}

# A Windows DC registers its LDAP service names itself; Samba does it with
# its "spn update command", which runs DNS look-ups and is disabled here.
# Without ldap/<fqdn> the KDC has no ticket for a GSSAPI bind.
add_spns() {
	local d=$1
	if ! ldbmodify -H "$d/private/sam.ldb" > "$d/log/spn.log" 2>&1 <<EOF
dn: CN=${DC_HOST^^},OU=Domain Controllers,$BASE_DN
changetype: modify
add: servicePrincipalName
servicePrincipalName: ldap/$DC_FQDN
servicePrincipalName: ldap/$DC_FQDN/${REALM,,}
servicePrincipalName: ldap/$DC_FQDN/$NT_DOMAIN
servicePrincipalName: ldap/${DC_HOST^^}
servicePrincipalName: GC/$DC_FQDN/${REALM,,}
-
EOF
	then
		cat "$d/log/spn.log" >&2
		die "adding the DC's ldap/ service principal names failed"
	fi
}

provision() {
	local d=$1 t0=$SECONDS
	rm -rf "${d:?}"/*
	mkdir -p "$d/log" "$d/run" "$d/usershares"
	# --host-name: the DC's name does not depend on this machine's name;
	# --dns-backend=NONE: no DNS zone; the DC never resolves anything.
	if ! samba-tool domain provision --realm="$REALM" --domain="$NT_DOMAIN" \
		--server-role=dc --dns-backend=NONE --use-rfc2307 \
		--adminpass="$ADMIN_PW" --targetdir="$d" \
		--host-name="$DC_HOST" --host-ip="$IP" \
		--option="interfaces=$IP" --option="bind interfaces only=yes" \
		> "$d/log/provision.log" 2>&1; then
		tail -20 "$d/log/provision.log" >&2
		die "provision failed (log: $d/log/provision.log)"
	fi
	write_conf "$d"
	apply_schema "$d"
	add_spns "$d"
	touch "$d/.provisioned"
	say "provisioned $REALM in $((SECONDS - t0)) s"
}

print_env() {
	local d=$1
	cat <<EOF
AD_DC_DIR=$d
AD_REALM=$REALM
AD_DOMAIN=$NT_DOMAIN
AD_DC_FQDN=$DC_FQDN
AD_BASE=$BASE_DN
AD_LDAP_URI=ldap://$IP
AD_LDAPS_URI=ldaps://$IP
AD_GC_URI=ldap://$IP:3268
AD_GCS_URI=ldaps://$IP:3269
AD_CA=$d/private/tls/ca.pem
AD_BIND_DN=CN=Administrator,CN=Users,$BASE_DN
AD_BIND_UPN=Administrator@$REALM
AD_PASSWORD_FILE=$d/admin.pw
AD_KRB5_CONFIG=$d/krb5.conf
AD_HOSTS=$d/hosts
EOF
}

cmd_start() {
	local d=$1 p i t0=$SECONDS
	need_tools
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	if p=$(pid_of "$d") && ldap_up; then
		say "already running (pid $p)"
		print_env "$d"
		return 0
	fi
	check_ports
	[ -e "$d/.provisioned" ] || provision "$d"
	write_conf "$d"
	write_client_conf "$d"
	printf '%s' "$ADMIN_PW" > "$d/admin.pw"
	chmod 600 "$d/admin.pw"
	# One start's lines per log, so that it stays small without rotation.
	if [ -f "$d/log/log.samba" ]; then
		mv -f "$d/log/log.samba" "$d/log/log.samba.old"
	fi
	# -l before smb.conf is read: else samba first creates /var/log/samba.
	samba -s "$d/etc/smb.conf" -D -l "$d/log" ||
		die "samba failed to start (see $d/log)"
	for i in $(seq 1 600); do
		if ldap_up && [ -s "$d/private/tls/ca.pem" ] &&
			ss -Hltn "sport = :88" | grep . >/dev/null; then
			break
		fi
		if [ "$i" -gt 30 ] && ! pid_of "$d" >/dev/null; then
			tail -20 "$d/log/log.samba" >&2 || true
			die "samba exited during start (log: $d/log/log.samba)"
		fi
		sleep 0.1
	done
	if ! ldap_up; then
		cmd_stop "$d" || true
		die "samba did not answer LDAP within 60 s (log: $d/log/log.samba)"
	fi
	say "started (pid $(pid_of "$d")) in $((SECONDS - t0)) s"
	print_env "$d"
}

cmd_stop() {
	local d=$1 p i
	[ -d "$d" ] || return 0
	d=$(cd "$d" && pwd)
	p=$(pid_of "$d") || return 0
	kill -TERM "$p"
	for i in $(seq 1 300); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		say "samba $p ignored TERM for 30 s: KILL"
		kill -KILL "$p" 2>/dev/null || true
	fi
	# The pre-forked workers leave with their parent; wait for the ports.
	for i in $(seq 1 100); do
		[ -z "$(taken_ports)" ] && break
		sleep 0.1
	done
	rm -f "$d/run/samba.pid"
	say "stopped"
}

# ldbadd stops at the first entry Samba rejects, commits the ones before
# it and may still exit 0: its ERR: line is the only reliable sign.
cmd_load() {
	local d=$1 f=$2 changes=${3:-} was=0 t0=$SECONDS rc=0 n
	[ -e "$d/.provisioned" ] || die "$d is not a provisioned DC (samba.sh start $d)"
	[ -r "$f" ] || die "cannot read $f"
	d=$(cd "$d" && pwd)
	if pid_of "$d" >/dev/null; then
		was=1
		cmd_stop "$d"
	fi
	n=$(grep -c '^dn:' "$f" || true)
	# batch_mode: no nested transaction per entry (10x faster); --nosync:
	# no fsync, the database is thrown away anyway.
	ldbadd --nosync -o batch_mode:1 -H "$d/private/sam.ldb" "$f" \
		> "$d/log/load.log" 2>&1 || rc=$?
	if [ $rc != 0 ] || grep -q '^ERR' "$d/log/load.log"; then
		grep -m3 -A2 '^ERR' "$d/log/load.log" >&2 || tail -5 "$d/log/load.log" >&2
		die "loading $f failed (log: $d/log/load.log)"
	fi
	say "loaded $n entries in $((SECONDS - t0)) s ($(tail -1 "$d/log/load.log"))"
	if [ -n "$changes" ] && [ -s "$changes" ]; then
		rc=0
		ldbmodify --nosync --controls=relax:0 -H "$d/private/sam.ldb" \
			"$changes" > "$d/log/modify.log" 2>&1 || rc=$?
		if [ $rc != 0 ] || grep -q '^ERR' "$d/log/modify.log"; then
			grep -m3 -A2 '^ERR' "$d/log/modify.log" >&2 || tail -5 "$d/log/modify.log" >&2
			die "applying $changes failed (log: $d/log/modify.log)"
		fi
		say "applied $(grep -c '^dn:' "$changes") changes ($(tail -1 "$d/log/modify.log"))"
	fi
	if [ $was = 1 ]; then
		cmd_start "$d" >/dev/null
	fi
}

[ "${1:-}" = ports ] && [ $# = 1 ] && { check_ports; exit 0; }
[ $# -ge 2 ] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
load) [ $# -ge 3 ] || usage; cmd_load "$2" "$3" "${4:-}" ;;
env) mkdir -p "$2"; print_env "$(cd "$2" && pwd)" ;;
*) usage ;;
esac
