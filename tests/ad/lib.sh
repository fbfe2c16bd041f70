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
# ad_ns CMD...: CMD where the DC's name resolves to 127.0.0.1 (a private
# mount namespace, or a marked /etc/hosts line removed by ad_down).
# shellcheck source=tests/ad/hosts.sh
. "$AD_SRC/hosts.sh"

# The machine-wide lock of Samba's fixed ports (scripts/demo --ad too).
AD_LOCK=${SYNCREADY_SAMBA_LOCK:-/tmp/syncready-samba-dc.lock}

# samba.sh without the lock's descriptor: the daemon would inherit it and
# hold the lock after the test ends.
ad_samba() { "$AD_SRC/samba.sh" "$@" 9>&-; }

# load-contoso.sh (it starts samba) without the lock's descriptor either.
ad_contoso() { AD_BIG_GROUP=$AD_BIG_GROUP "$AD_SRC/load-contoso.sh" "$@" 9>&-; }

ad_down() {
	ad_samba stop "$AD_DIR/dc" >/dev/null 2>&1 || true
	ad_ns_down || true
	[ -n "${AD_WORK:-}" ] && [ -z "${AD_KEEP:-}" ] && rm -rf "$AD_WORK"
}

# The Contoso fixture (fixtures/gen-contoso.py --flavor ad) provisioned
# into a new DC: tests/ad/load-contoso.sh, which scripts/demo --ad runs too.
ad_load() {
	local data=$AD_DIR/data rc=0
	ad_contoso load "$AD_DIR/dc" "$data" 2> "$data/load.err" || rc=$?
	cat "$data/load.err" >&2
	[ "$rc" = 0 ] ||
		bail "$(grep -m1 '^load-contoso.sh:' "$data/load.err" || echo "load-contoso.sh load failed")"
}

ad_up() {
	local data=$AD_DIR/data stamp
	mkdir -p "$data"
	AD_WORK=$(mktemp -d "$AD_DIR/work.XXXXXX")
	trap ad_down EXIT
	# One DC at a time on this machine: Samba's ports are fixed, so the
	# lock is machine-wide (every build dir, and scripts/demo --ad, take
	# it), not per build dir; meson runs this suite's tests serially.
	exec 9> "$AD_LOCK"
	flock -w 900 9 || bail "another Samba AD DC holds $AD_LOCK for too long"
	ad_contoso gen "$data" 2> "$data/gen.err" ||
		bail "fixtures/gen-contoso.py --flavor ad failed: $(tail -1 "$data/gen.err")"
	stamp=$(cat "$AD_SRC/samba.sh" "$AD_SRC/load-contoso.sh" "$AD_SRC/adapt-ldif.py" \
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
	ad_ns_setup ||
		bail "cannot make $AD_DC_FQDN resolve: no mount namespace and /etc/hosts is read-only"
	[ "$AD_NS_MODE" = ns ] ||
		diag "no mount namespace here: adding $AD_DC_FQDN to /etc/hosts until the test ends"
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
