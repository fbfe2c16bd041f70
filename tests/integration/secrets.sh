#!/usr/bin/env bash
# The password never appears on the command line, in the database (its
# -wal and -shm files included), in a report or in the logs (stderr and
# stdout with -v), whether the scan succeeds or fails, and whether it comes
# from --password-file or SYNCREADY_PASSWORD.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

# The command line has no way to pass a password.
"$SYNCREADY" --help >"$T/help" 2>&1 || true
check "--help documents --password-file" grep -q -- '--password-file' "$T/help"
check "--help offers no option that takes the password itself" \
	bash -c "! grep -q -E -- '--(password|passwd|pw|bind-pw|bind-password)([^-a-z]|\$)' '$T/help'"
for opt in --password --passwd -w; do
	run_sr "$T/opt.out" "$T/opt.err" scan --ldif "$SRC/fixtures/ldif/p95.ldif" \
		--db "$T/opt.db" "$opt" secret
	is "$RC" 2 "scan $opt VALUE is a usage error (exit 2)"
done

start_slapd slapd "$SRC/fixtures/contoso.ldif"
pw=$BIND_PW
[ ${#pw} -ge 12 ] || { echo "Bail out! the test password is too short to grep for"; exit 1; }

# secret_free DESCRIPTION FILE...: none of the files holds the password
# (as text, or as UTF-16 the way a Windows tool would write it).
secret_free() {
	local desc=$1 f found=0
	shift
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -a -q -F -- "$pw" "$f"; then found=1; diag "password found in $f"; fi
		if python3 -c 'import sys; sys.exit(0 if sys.argv[1].encode("utf-16-le") in open(sys.argv[2], "rb").read() else 1)' "$pw" "$f"; then
			found=1; diag "password (UTF-16) found in $f"
		fi
	done
	ok "$found" "$desc"
}

# A successful scan with -v, the password from the file.  While it runs,
# its command line is read from /proc: a relay holds the connection after
# the first 64 KiB so that the process is certainly alive mid-scan.
python3 "$CUT" --target "$LDAP_PORT" --cut-after 65536 \
	--port-file "$T/relay.port" --held-file "$T/relay.held" 2>"$T/relay.err" &
_bg_pids+=($!)
for _ in $(seq 1 100); do [ -s "$T/relay.port" ] && break; sleep 0.1; done
"$SYNCREADY" scan --db "$T/held.db" --uri "ldap://127.0.0.1:$(cat "$T/relay.port")" \
	--starttls --ca-file "$CA_FILE" --bind-dn "$BIND_DN" \
	--password-file "$BIND_PW_FILE" --base "$BASE_DN" --page-size 20 -v \
	>"$T/held.out" 2>"$T/held.err" &
scan_pid=$!
for _ in $(seq 1 600); do
	[ -e "$T/relay.held" ] && break
	kill -0 "$scan_pid" 2>/dev/null || break
	sleep 0.1
done
check "the scan is running mid-crawl" kill -0 "$scan_pid"
cp "/proc/$scan_pid/cmdline" "$T/cmdline" 2>/dev/null || : >"$T/cmdline"
check "its command line was read" test -s "$T/cmdline"
secret_free "the password is not in the running scan's argv" "$T/cmdline"
kill "$scan_pid" 2>/dev/null || true
wait "$scan_pid" 2>/dev/null || true
secret_free "nor in what the interrupted scan wrote" "$T/held.db" "$T/held.db-wal" \
	"$T/held.db-shm" "$T/held.out" "$T/held.err"

run_sr "$T/ok.out" "$T/ok.err" scan --uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" --base "$BASE_DN" \
	--db "$T/ok.db" -v
is "$RC" 0 "a scan with -v succeeds"
check "-v logs something (so the log check below means something)" test -s "$T/ok.err"
secret_free "the password is not in the database, its WAL, stdout or the -v log" \
	"$T/ok.db" "$T/ok.db-wal" "$T/ok.db-shm" "$T/ok.out" "$T/ok.err"

for fmt in csv json html ldif; do
	run_sr "$T/rep.out" "$T/rep.err" report --db "$T/ok.db" --format "$fmt" -o "$T/report.$fmt"
	if [ "$RC" = 0 ]; then
		secret_free "the password is not in the $fmt report" "$T/report.$fmt" "$T/rep.err"
	elif [ "$fmt" = csv ]; then
		ok 1 "report --format csv works"
		diag_file "$T/rep.err"
	fi
done

# The password from the environment; and a failing bind with -v.
SYNCREADY_PASSWORD=$pw run_sr "$T/env.out" "$T/env.err" scan --uri "$LDAP_URI" \
	--starttls --ca-file "$CA_FILE" --bind-dn "$BIND_DN" --base "$BASE_DN" \
	--db "$T/env.db" -v
is "$RC" 0 "a scan with the password in SYNCREADY_PASSWORD succeeds"
secret_free "the password is not in that database or log" "$T/env.db" "$T/env.db-wal" \
	"$T/env.out" "$T/env.err"

printf '%s' "${pw}x" >"$T/wrong.pw"
run_sr "$T/bad.out" "$T/bad.err" scan --uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$T/wrong.pw" --base "$BASE_DN" \
	--db "$T/bad.db" -v
is "$RC" 1 "a scan with a wrong password fails"
secret_free "the wrong password is not echoed either" "$T/bad.db" "$T/bad.db-wal" \
	"$T/bad.out" "$T/bad.err"

done_testing
