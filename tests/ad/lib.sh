# tests/ad/lib.sh -- sourced by the Samba AD suite's TAP tests.
#
# ad_up provisions the DC of tests/ad/samba.sh into $AD_DIR/dc and loads
# the Contoso fixture into it once (again only when samba.sh, the schema
# extension, the adapter or the generator change), starts it, and stops it
# when the test exits, whatever the outcome.  Environment (meson sets it):
# AD_DIR (state), SYNCREADY and AD_DUMP (the binaries under test).
# shellcheck shell=bash

set -u
# Byte order for sort, join and comparisons; UTF-8 values stay bytes.
export LC_ALL=C
AD_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AD_TOP=$(cd "$AD_SRC/../.." && pwd)
: "${AD_DIR:=$AD_TOP/build-ad/tests/ad/dc}"
: "${SYNCREADY:=$AD_TOP/build-ad/syncready}"
: "${AD_DUMP:=$AD_TOP/build-ad/tests/ad/ad-dump}"
# The big group: more members than one range window (1,500) holds.
AD_BIG_GROUP=3200
AD_DEFAULT_FILTER='(|(objectCategory=person)(objectCategory=group))'

# ---- TAP -----------------------------------------------------------------
_tap_n=0
_tap_failed=0

plan() { echo "1..$1"; }

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# t DESC CMD...: one test point, passing when CMD succeeds.  CMD's output
# goes to the test's log ($AD_WORK/t.log), shown when it fails.
t() {
	local desc=$1 log=${AD_WORK:-/tmp}/t.log
	shift
	_tap_n=$((_tap_n + 1))
	if "$@" > "$log" 2>&1; then
		echo "ok $_tap_n - $desc"
	else
		echo "not ok $_tap_n - $desc"
		diag "$(cut -c1-300 <<< "$*")" "$(tail -5 "$log" | cut -c1-300)"
		_tap_failed=$((_tap_failed + 1))
	fi
}

# is GOT WANT DESC
is() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_tap_n - $3"
	else
		echo "not ok $_tap_n - $3"
		diag "got:  '$1'" "want: '$2'"
		_tap_failed=$((_tap_failed + 1))
	fi
}

bail() {
	echo "Bail out! $*"
	exit 1
}

# ---- the DC --------------------------------------------------------------
# samba.sh without the lock's descriptor: the daemon would inherit it and
# hold the lock after the test ends.
ad_samba() { "$AD_SRC/samba.sh" "$@" 9>&-; }

ad_down() {
	ad_samba stop "$AD_DIR/dc" >/dev/null 2>&1 || true
	if [ "${AD_NS_MODE:-}" = etc-hosts ]; then
		# in place (sed -i would replace a bind-mounted /etc/hosts)
		grep -vF "$AD_HOSTS_MARK" /etc/hosts > "$AD_WORK/hosts.new" &&
			cat "$AD_WORK/hosts.new" > /etc/hosts
	fi
	[ -n "${AD_WORK:-}" ] && [ -z "${AD_KEEP:-}" ] && rm -rf "$AD_WORK"
}

# The fixture: Contoso as a domain controller export (fixtures/
# gen-contoso.py --flavor ad) under the DC's base DN.
ad_source_ldif() {
	python3 "$AD_TOP/fixtures/gen-contoso.py" --flavor ad \
		--base "DC=contoso,DC=test" \
		--stats "$AD_DIR/data/contoso.stats.json" -o "$1"
}

ad_load() {
	local data=$AD_DIR/data dc=$AD_DIR/dc
	ad_samba stop "$dc" >/dev/null 2>&1 || true
	rm -rf "$dc"
	ad_samba start "$dc" > "$data/start.out" ||
		bail "provisioning the Samba AD DC failed (see above)"
	ad_samba stop "$dc"
	# What a new DC already holds, and its schema's value ranges.
	{
		ldbsearch -H "$dc/private/sam.ldb" -b DC=contoso,DC=test \
			'(objectClass=*)' dn
		ldbsearch -H "$dc/private/sam.ldb" \
			-b CN=Configuration,DC=contoso,DC=test '(objectClass=*)' dn
	} 2>/dev/null | sed -n 's/^dn: //p' > "$data/existing.txt"
	ldbsearch -H "$dc/private/sam.ldb" \
		-b CN=Schema,CN=Configuration,DC=contoso,DC=test \
		'(objectClass=attributeSchema)' lDAPDisplayName \
		attributeSyntax rangeLower rangeUpper > "$data/schema.ldif" 2>/dev/null ||
		bail "cannot read the DC's schema"
	python3 "$AD_SRC/adapt-ldif.py" --base DC=contoso,DC=test \
		--existing "$data/existing.txt" --schema "$data/schema.ldif" \
		--big-group "$AD_BIG_GROUP" --extra "$data/extra.ldif" \
		--modify "$data/modify.ldif" \
		--report "$data/adapt.json" "$data/contoso.ldif" \
		> "$data/load.ldif" || bail "adapting the fixture for Samba failed"
	ad_samba load "$dc" "$data/load.ldif" "$data/modify.ldif" ||
		bail "loading the fixture into Samba failed"
	# The same objects as an LDIF export: the generator's file plus what
	# the adapter added (the big group).
	cat "$data/contoso.ldif" "$data/extra.ldif" > "$data/contoso-all.ldif"
}

ad_up() {
	local data=$AD_DIR/data stamp
	mkdir -p "$data"
	AD_WORK=$(mktemp -d "$AD_DIR/work.XXXXXX")
	trap ad_down EXIT
	# One test at a time owns the DC (meson runs them serially; this
	# also covers two people running the suite from one build dir).
	exec 9> "$AD_DIR/lock"
	flock -w 900 9 || bail "another test holds $AD_DIR/lock"
	ad_source_ldif "$data/contoso.ldif" 2> "$data/gen.err" ||
		bail "fixtures/gen-contoso.py --flavor ad failed: $(tail -1 "$data/gen.err")"
	stamp=$(cat "$AD_SRC/samba.sh" "$AD_SRC/adapt-ldif.py" \
		"$AD_TOP/fixtures/ad/exchange-schema.ldif" "$data/contoso.ldif" |
		sha256sum | cut -d' ' -f1)
	if [ "$(cat "$AD_DIR/dc/.loaded" 2>/dev/null)" != "$stamp" ]; then
		ad_load >&2
		echo "$stamp" > "$AD_DIR/dc/.loaded"
	fi
	local envs
	envs=$(ad_samba start "$AD_DIR/dc") ||
		bail "the Samba AD DC did not start"
	eval "$(printf '%s\n' "$envs" | grep '^AD_[A-Z0-9_]*=')"
	export KRB5_CONFIG=$AD_KRB5_CONFIG
	export KRB5CCNAME=FILE:$AD_WORK/ccache
	# libldap reads ldap.conf, ~/.ldaprc and LDAP* variables: give it an
	# empty configuration so that only the options the tests pass count.
	unset LDAPTLS_CACERT LDAPTLS_REQCERT LDAPURI LDAPBASE LDAPBINDDN \
		LDAPSASL_NOCANON
	: > "$AD_WORK/ldap.conf"
	export LDAPCONF=$AD_WORK/ldap.conf LDAPRC=$AD_WORK/ldaprc
	export PYTHONDONTWRITEBYTECODE=1
	ad_ns_setup
}

# ad_ns CMD...: runs CMD where the DC's name dc1.contoso.test resolves to
# 127.0.0.1: a private mount namespace with $AD_HOSTS bind-mounted over
# /etc/hosts.  The machine's own /etc/hosts is never changed.  TLS checks
# the certificate Samba made for that name; Kerberos needs it for the
# service principal ldap/dc1.contoso.test.
# Where mount namespaces are not allowed (a container without
# CAP_SYS_ADMIN), or AD_FORCE_ETC_HOSTS is set, ad_up adds one marked line
# to /etc/hosts instead and ad_down removes it again.
AD_HOSTS_MARK='# syncready tests/ad (removed when the test ends)'
ad_ns() {
	if [ "${AD_NS_MODE:-ns}" = etc-hosts ]; then
		"$@"
		return
	fi
	unshare --mount --propagation private -- /bin/sh -c \
		'mount --bind "$0" /etc/hosts && exec "$@"' "$AD_HOSTS" "$@"
}

ad_ns_setup() {
	if [ -z "${AD_FORCE_ETC_HOSTS:-}" ] && unshare --mount --propagation private -- /bin/sh -c \
		'mount --bind "$0" /etc/hosts' "$AD_HOSTS" 2>/dev/null; then
		AD_NS_MODE=ns
		return
	fi
	AD_NS_MODE=etc-hosts
	diag "no mount namespace here: adding $AD_DC_FQDN to /etc/hosts until the test ends"
	grep -qF "$AD_HOSTS_MARK" /etc/hosts ||
		printf '127.0.0.1 %s %s\n' "$AD_DC_FQDN" "$AD_HOSTS_MARK" >> /etc/hosts ||
		bail "cannot make $AD_DC_FQDN resolve: no mount namespace and /etc/hosts is read-only"
}

# ldapsearch over LDAPS with Samba's CA, as Administrator.
ad_ldapsearch() {
	ad_ns env LDAPTLS_CACERT="$AD_CA" ldapsearch -LLL -o ldif-wrap=no \
		-H "ldaps://$AD_DC_FQDN" -x -D "$AD_BIND_DN" \
		-y "$AD_PASSWORD_FILE" "$@"
}

# ad_tsv: LDIF on stdin to ad-dump's "DN TAB attribute TAB value" lines.
ad_tsv() { python3 "$AD_SRC/ldif2tsv.py"; }

# Number of entries a paged ldapsearch finds for filter under the base.
ad_count() {
	ad_ldapsearch -b "$AD_BASE" -E pr=1000/noprompt "$1" 1.1 |
		grep -c '^dn:'
}

# Lines the DC logged from now on: ad_log_mark; ...; ad_log_since.
ad_log_mark() { AD_LOG_AT=$(wc -l < "$AD_DIR/dc/log/log.samba"); }
# (the DC's workers write their lines a little after the client is done:
# wait until the log stops growing, at most 5 s)
ad_log_since() {
	local f=$AD_DIR/dc/log/log.samba n m i
	n=$(wc -c < "$f")
	for i in $(seq 1 25); do
		sleep 0.2
		m=$(wc -c < "$f")
		[ "$m" = "$n" ] && [ "$i" -ge 3 ] && break
		n=$m
	done
	tail -n "+$((AD_LOG_AT + 1))" "$f"
}

# syncready scan as a consultant runs it against the DC, in the namespace
# where the DC's name resolves.  Extra arguments follow.
ad_scan() {
	ad_ns "$SYNCREADY" scan "$@"
}

# The state of the scan with the highest id in a database.
ad_last_state() {
	sqlite3 "$1" 'SELECT state FROM scans ORDER BY id DESC LIMIT 1' 2>/dev/null
}

# Non-empty lines of a file.
ad_lines() { grep -c . "$1" || true; }
