# shellcheck shell=bash
# lib.sh -- shared by the integration tests (sourced, not run).
#
# Every test is called by meson as: TEST.sh SYNCREADY SOURCE_ROOT, and
# speaks TAP on stdout.  It gets a private scratch directory ($T, removed at
# exit unless KEEP_TEST_DIR=1) and, through start_slapd, a throwaway slapd
# that is stopped at exit whatever happens.
set -euo pipefail

SYNCREADY=${1:?usage: $0 SYNCREADY SOURCE_ROOT}
SRC=${2:?usage: $0 SYNCREADY SOURCE_ROOT}
SLAPD_SH=$SRC/tests/integration/slapd.sh
# shellcheck disable=SC2034 # used by the tests that source this
CUT=$SRC/tests/integration/tcp-cut.py
[ -x "$SYNCREADY" ] || { echo "Bail out! no syncready binary at $SYNCREADY"; exit 1; }
for tool in slapd ldapsearch sqlite3 python3; do
	command -v "$tool" >/dev/null ||
		{ echo "Bail out! $tool is not installed (run scripts/bootstrap)"; exit 1; }
done

# libldap (syncready's and the ldap* tools') must not pick up a user's
# ~/.ldaprc or LDAP* settings from the caller's environment; and a
# "TLS_REQCERT never" in /etc/ldap/ldap.conf must not hide a certificate
# failure (environment variables override the file).  LDAPTLS_* set by a
# test after sourcing this still apply: e.g. LDAPTLS_CACERT=$CA_FILE for
# ldapsearch -ZZ.
while read -r v; do unset "$v"; done < <(env | sed -n 's/^\(LDAP[A-Z_]*\)=.*/\1/p')
export LDAPRC=.syncready-tests-read-no-ldaprc
export LDAPTLS_REQCERT=demand
unset SYNCREADY_PASSWORD

T=$(mktemp -d "${TMPDIR:-/tmp}/syncready-it.XXXXXX")
_slapd_dirs=()
_bg_pids=()
_cleanup() {
	local d p
	for p in "${_bg_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for d in "${_slapd_dirs[@]}"; do
		"$SLAPD_SH" stop "$d" 2>/dev/null || true
	done
	if [ "${KEEP_TEST_DIR:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap _cleanup EXIT

_n=0
_failed=0
# ok STATUS DESCRIPTION: STATUS 0 passes.
ok() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok 0 "$desc"; else ok 1 "$desc"; fi
}
# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
	fi
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
# Show a file as diagnostics (the first 20 lines).
diag_file() { if [ -s "$1" ]; then head -20 "$1" | sed 's/^/#   /'; fi; }
done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}

# start_slapd NAME LDIF: a slapd in $T/NAME loaded with LDIF; sets
# LDAP_URI, LDAP_PORT, BIND_DN, BIND_PW, BIND_PW_FILE, BASE_DN, CA_FILE,
# SLAPD_DIR.  Bails out if it cannot start.
start_slapd() {
	local env
	_slapd_dirs+=("$T/$1")
	if ! env=$("$SLAPD_SH" start "$T/$1" "$2" 2>"$T/$1.start.err"); then
		echo "Bail out! the test slapd did not start: $(tail -1 "$T/$1.start.err")"
		exit 1
	fi
	eval "$env"
}

# run_sr OUT ERR ARGS...: runs syncready with a time limit; sets RC.
run_sr() {
	local out=$1 err=$2
	shift 2
	# shellcheck disable=SC2034 # read by the tests
	RC=0
	timeout 300 "$SYNCREADY" "$@" >"$out" 2>"$err" || RC=$?
}

# The number of non-empty lines of a file.
lines_of() { grep -c . "$1" || true; }

# no_complete_scan DB: no scan in DB is complete (an absent DB has none).
no_complete_scan() {
	[ -e "$1" ] || return 0
	[ "$(sqlite3 "$1" "SELECT count(*) FROM scans WHERE state = 'complete'")" = 0 ]
}

# scan_field DB COLUMN: that column of the newest scan.
scan_field() {
	sqlite3 "$1" "SELECT $2 FROM scans ORDER BY id DESC LIMIT 1"
}

# A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# CSV rows as sorted, tab-separated lines with the BOM, CRLFs and quoting
# gone, for comparing two reports.  DISTINGUISHEDNAME is normalised (RFC
# 4514 escapes decoded, case folded): servers spell the same DN differently
# (slapd writes cn=Lee\2C Michael where AD writes CN=Lee\, Michael).
csv_rows() {
	python3 - "$1" <<'EOF'
import csv, re, sys
SPECIAL = b',+"\\<>;=#'
def dn_norm(dn):
    """One spelling per DN: structural characters as \\xx, everything
    else (UTF-8 bytes escaped as \\xx too) as itself, case folded."""
    b, out, i = dn.encode(), bytearray(), 0
    while i < len(b):
        if b[i] == 0x5C and re.fullmatch(rb"[0-9A-Fa-f]{2}", b[i + 1:i + 3]):
            v, i = int(b[i + 1:i + 3], 16), i + 3
        elif b[i] == 0x5C and i + 1 < len(b):
            v, i = b[i + 1], i + 2
        elif b[i] >= 0x20:
            out.append(b[i]); i += 1
            continue
        else:  # slapd writes a conflict RDN's LF raw, AD as \\0A
            v, i = b[i], i + 1
        if v in SPECIAL or v < 0x20:
            out += b"\\%02x" % v
        else:
            out.append(v)
    return out.decode("utf-8", "replace").lower()
csv.field_size_limit(sys.maxsize)  # directory values may be megabytes
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
if not rows:
    sys.exit("empty CSV")
head, body = rows[0], rows[1:]
dn_col = head.index("DISTINGUISHEDNAME") if "DISTINGUISHEDNAME" in head else None
out = []
for r in body:
    if dn_col is not None and dn_col < len(r):
        r[dn_col] = dn_norm(r[dn_col])
    out.append("\t".join(c.replace("\n", "\\n").replace("\r", "\\r") for c in r))
print("\t".join(head))
for line in sorted(out):
    print(line)
EOF
}
