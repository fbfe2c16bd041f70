#!/usr/bin/env bash
# ldaps:// works as StartTLS does: the certificate verified against
# --ca-file, the scan complete; an untrusted certificate is one clear line.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

start_slapd slapd "$SRC/fixtures/ldif/p95.ldif"

run_sr "$T/ok.out" "$T/ok.err" scan --uri "$LDAPS_URI" --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" --base "$BASE_DN" \
	--db "$T/ok.db" -q
is "$RC" 0 "scan over ldaps:// exits 0"
[ "$RC" = 0 ] || diag_file "$T/ok.err"
is "$(scan_field "$T/ok.db" state)" complete "the scan is complete"
is "$(scan_field "$T/ok.db" objects_read)" 95 "it read the 95 users"
check "slapd saw the bind on its ldaps port" python3 - "$SLAPD_DIR/slapd.log" "$LDAPS_PORT" <<'PY'
import re, sys
log, port = open(sys.argv[1]).read(), sys.argv[2]
conns = set(re.findall(r"conn=(\d+) fd=\d+ ACCEPT from IP=127\.0\.0\.1:\d+ \(IP=127\.0\.0\.1:" + port + r"\)", log))
binds = set(re.findall(r'conn=(\d+) op=\d+ BIND dn="cn=syncready-reader', log, re.I))
sys.exit(0 if conns & binds else 1)
PY

sys_ca=/etc/ssl/certs/ca-certificates.crt
[ -r "$sys_ca" ] || { sys_ca=$T/empty.pem; : >"$sys_ca"; }
run_sr "$T/bad.out" "$T/bad.err" scan --uri "$LDAPS_URI" --ca-file "$sys_ca" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" --base "$BASE_DN" \
	--db "$T/bad.db" -q
is "$RC" 1 "an ldaps:// server with an untrusted certificate: exit 1"
is "$(lines_of "$T/bad.err")" 1 "with one line on stderr"
[ "$(lines_of "$T/bad.err")" = 1 ] || diag_file "$T/bad.err"
check "no scan is recorded complete" no_complete_scan "$T/bad.db"

done_testing
