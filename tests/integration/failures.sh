#!/usr/bin/env bash
# Each way a scan can fail exits 1 with exactly one line on stderr that says
# what failed, and leaves no scan recorded as complete: a wrong password, an
# unreachable server, a base DN that does not exist, a certificate the CA
# file does not vouch for, a simple bind over cleartext (refused by
# syncready before the password is sent), and a server that dies mid-scan.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

start_slapd slapd "$SRC/fixtures/contoso.ldif"
printf 'not-the-password' >"$T/wrong.pw"

# expect_failure NAME REGEX: checks the scan just run with run_sr into
# $T/NAME.db, $T/NAME.out and $T/NAME.err.
expect_failure() {
	local name=$1 re=$2
	is "$RC" 1 "$name: exits 1"
	is "$(lines_of "$T/$name.err")" 1 "$name: exactly one line on stderr"
	[ "$(lines_of "$T/$name.err")" = 1 ] || diag_file "$T/$name.err"
	check "$name: the line says what failed (/$re/)" grep -q -i -E "$re" "$T/$name.err"
	check "$name: no scan is recorded complete" no_complete_scan "$T/$name.db"
	if [ -e "$T/$name.db" ]; then
		"$SYNCREADY" scans --db "$T/$name.db" >"$T/$name.scans" 2>&1 || true
		check "$name: 'scans' shows no complete scan" \
			bash -c "! grep -q -w complete '$T/$name.scans'"
	fi
}

# scan NAME ARGS...: a scan against the test server into $T/NAME.db
scan() {
	local name=$1
	shift
	run_sr "$T/$name.out" "$T/$name.err" scan --db "$T/$name.db" "$@"
}

scan wrong-password --uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$T/wrong.pw" --base "$BASE_DN"
expect_failure wrong-password 'credential|password|bind'

port=$(closed_port)
scan unreachable --uri "ldap://127.0.0.1:$port" --starttls --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" --base "$BASE_DN"
expect_failure unreachable "connect|contact|reach|refused|127\\.0\\.0\\.1:$port"

scan bad-base --uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" \
	--base "OU=Nowhere,$BASE_DN"
expect_failure bad-base 'base|no such object|OU=Nowhere'

# The system's CAs do not include the test CA: verification must fail.
sys_ca=/etc/ssl/certs/ca-certificates.crt
[ -r "$sys_ca" ] || sys_ca=$T/empty-ca.pem
[ -e "$sys_ca" ] || : >"$sys_ca"
scan untrusted-cert --uri "$LDAP_URI" --starttls --ca-file "$sys_ca" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" --base "$BASE_DN"
expect_failure untrusted-cert 'certificate|TLS|verif|trust'

# Cleartext: no --starttls, no --insecure.  slapd itself would accept the
# bind, so only syncready's own refusal makes this fail; and the password
# must not have gone over the wire, so slapd saw no simple bind as the
# reader from it.
binds_before=$(grep -c -i 'BIND dn="cn=syncready-reader' "$SLAPD_DIR/slapd.log" || true)
scan cleartext --uri "$LDAP_URI" --bind-dn "$BIND_DN" \
	--password-file "$BIND_PW_FILE" --base "$BASE_DN"
expect_failure cleartext 'insecure|starttls|cleartext|unencrypted|encrypt|tls'
binds_after=$(grep -c -i 'BIND dn="cn=syncready-reader' "$SLAPD_DIR/slapd.log" || true)
is "$binds_after" "$binds_before" "cleartext: no bind reached the server"

# The server dies mid-scan.  A relay lets the first 256 KiB of the crawl
# through (past StartTLS, the bind and several pages), then holds the
# connection; slapd is killed while the scan waits for its next page, and
# the relay resets the connection.  Small pages make the crawl many pages
# long, so the cut is always mid-scan.
python3 "$CUT" --target "$LDAP_PORT" --cut-after 262144 \
	--port-file "$T/relay.port" --held-file "$T/relay.held" \
	2>"$T/relay.err" &
_bg_pids+=($!)
for _ in $(seq 1 100); do [ -s "$T/relay.port" ] && break; sleep 0.1; done
relay=$(cat "$T/relay.port")
RC=0
timeout 300 "$SYNCREADY" scan --db "$T/dropped.db" --uri "ldap://127.0.0.1:$relay" \
	--starttls --ca-file "$CA_FILE" --bind-dn "$BIND_DN" \
	--password-file "$BIND_PW_FILE" --base "$BASE_DN" --page-size 50 \
	>"$T/dropped.out" 2>"$T/dropped.err" &
scan_pid=$!
for _ in $(seq 1 600); do
	[ -e "$T/relay.held" ] && break
	kill -0 "$scan_pid" 2>/dev/null || break
	sleep 0.1
done
check "dropped: the relay held the connection mid-scan" test -e "$T/relay.held"
check "dropped: the scan was still waiting for the server" kill -0 "$scan_pid"
check "dropped: the scan is recorded as running meanwhile" \
	test "$(scan_field "$T/dropped.db" state 2>/dev/null)" = running
"$SLAPD_SH" kill "$SLAPD_DIR"
wait "$scan_pid" || RC=$?
expect_failure dropped 'connection|server|lost|closed|reset|contact'
is "$(scan_field "$T/dropped.db" state)" failed "dropped: the scan is recorded failed"
check "dropped: with a reason" test -n "$(scan_field "$T/dropped.db" reason)"

done_testing
