#!/usr/bin/env bash
# Faults in the middle of a scan (issue 9).  Each one ends with exactly one
# line on stderr that says what failed, exit status 1, the scan recorded
# `failed` with that line as its reason (where the database can be written
# at all), the scans before it intact (their CSV byte for byte), and no
# report file, not even a partial or temporary one, in --report-dir:
#
#   paused      slapd stopped (SIGSTOP) mid-page: the network timeout fires
#   killed      slapd killed (SIGKILL) mid-page, without a relay
#   size-limit  slapd's size.prtotal ends a paged search part way
#   admin-limit slapd refuses the page size (size.pr)
#   cookie      the server rejects the paged-results cookie of page 2, as
#               AD does with an expired one (fake-ldap.py)
#   silent      a server that accepts TCP and never answers (fake-ldap.py)
#   sigint      Ctrl-C during an LDAP scan and during an LDIF scan
#   disk-full   the database on a full tmpfs (nearly full: the failure is
#               recorded; completely full: nothing can be, and nothing
#               claims to be complete); a report on a full filesystem
#   read-only   the database on a read-only mount: the scan is refused,
#               the earlier scans can still be listed
#
# tests/integration/failures.sh has the others (wrong password, unreachable,
# bad base, untrusted certificate, cleartext bind, a relay cut mid-scan).
# The tmpfs mounts need root (CI runs as root); without it this fails.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/../integration/lib.sh"
FAKE=$HERE/fake-ldap.py
_mounts=()
_stopped=()
_fault_cleanup() {
	local m p
	for p in "${_stopped[@]}"; do kill -CONT "$p" 2>/dev/null || true; done
	for m in "${_mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
	_cleanup
}
trap _fault_cleanup EXIT

no_sanitizer_report() {
	! grep -q -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"
}

# baseline DB: a complete LDIF scan of Contoso as scan 1, and its CSV.
baseline() {
	"$SYNCREADY" scan --ldif "$SRC/fixtures/contoso.ldif" --db "$1" -q >/dev/null 2>"$1.base.err" ||
		{ echo "Bail out! the baseline scan into $1 failed: $(cat "$1.base.err")"; exit 1; }
	"$SYNCREADY" report --db "$1" --scan 1 --format csv -o "$1.scan1.csv"
}

# expect_fault NAME REGEX [nodb]: checks the scan just run into $T/NAME.db
# (baseline first), with stderr $T/NAME.err and --report-dir $T/NAME-rep.
# nodb, ro: the database could not be written at all (full, read-only), so
# there is no failed scan row to check, only that nothing new claims to be
# complete.
expect_fault() {
	local name=$1 re=$2 mode=${3:-}
	local db=$T/$name.db
	is "$RC" 1 "$name: exits 1"
	is "$(lines_of "$T/$name.err")" 1 "$name: exactly one line on stderr"
	[ "$(lines_of "$T/$name.err")" = 1 ] || diag_file "$T/$name.err"
	check "$name: the line says what failed (/$re/)" \
		grep -q -i -E "^syncready: .*($re)" "$T/$name.err"
	grep -q -i -E "^syncready: .*($re)" "$T/$name.err" || diag_file "$T/$name.err"
	check "$name: no sanitizer report" no_sanitizer_report "$T/$name.err"
	if [ "$mode" = nodb ] || [ "$mode" = ro ]; then
		is "$(sqlite3 "file:$db?immutable=1" "SELECT count(*) FROM scans WHERE id > 1 AND state = 'complete'")" 0 \
			"$name: no later scan is recorded complete"
	else
		is "$(scan_field "$db" id)" 2 "$name: the scan was recorded"
		is "$(scan_field "$db" state)" failed "$name: the scan is recorded failed"
		check "$name: its reason is the message" \
			grep -q -F -x -- "syncready: $(scan_field "$db" reason)" "$T/$name.err"
	fi
	is "$(sqlite3 "file:$db?immutable=1" "SELECT state FROM scans WHERE id = 1")" complete \
		"$name: the earlier scan is still complete"
	local again=$T/$name.scan1-again.csv
	if [ "$mode" = nodb ] || [ "$mode" = ro ]; then
		# The database cannot take a reader's lock files: read it as is.
		cp "$db" "$T/$name.copy.db"
		"$SYNCREADY" report --db "$T/$name.copy.db" --scan 1 --format csv -o "$again" 2>/dev/null || true
	else
		"$SYNCREADY" report --db "$db" --scan 1 --format csv -o "$again" 2>/dev/null || true
	fi
	check "$name: the earlier scan's CSV is unchanged" cmp -s "$db.scan1.csv" "$again"
	check "$name: no report file (nor a temporary one)" \
		test -z "$(ls -A "$T/$name-rep" 2>/dev/null)"
}

# ldap_scan NAME ARGS...: in the background against $LDAP_URI (StartTLS,
# bind), into $T/NAME.db with --report-dir; sets SCAN_PID.
ldap_scan() {
	local name=$1
	shift
	timeout 300 "$SYNCREADY" scan --db "$T/$name.db" --report-dir "$T/$name-rep" \
		--uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" --bind-dn "$BIND_DN" \
		--password-file "$BIND_PW_FILE" --base "$BASE_DN" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" &
	SCAN_PID=$!
}

# pages_done: how many page results slapd has sent so far.
pages_done() { grep -c 'SEARCH RESULT' "$SLAPD_DIR/slapd.log" || true; }

# wait_pages N: until slapd has sent N more pages than when called (the
# scan is then mid-crawl: it asks for 5 entries a page of ~3,500).
wait_pages() {
	local want=$(($(pages_done) + $1)) i
	for i in $(seq 1 300); do
		[ "$(pages_done)" -ge "$want" ] && return 0
		kill -0 "$SCAN_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

finish_scan() { RC=0; wait "$SCAN_PID" || RC=$?; }

# A fake server in the background; sets FAKE_PORT.
start_fake() {
	local name=$1
	shift
	python3 "$FAKE" --port-file "$T/$name.port" "$@" 2>"$T/$name.fake.err" &
	_bg_pids+=($!)
	for _ in $(seq 1 100); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
	[ -s "$T/$name.port" ] || { echo "Bail out! fake-ldap.py did not start: $(cat "$T/$name.fake.err")"; exit 1; }
	FAKE_PORT=$(cat "$T/$name.port")
}

# ---- a server that never answers (runs while the slapd cases do) ----------
start_fake silent --mode silent
baseline "$T/silent.db"
silent_start=$(date +%s)
timeout 300 "$SYNCREADY" scan --db "$T/silent.db" --report-dir "$T/silent-rep" \
	--uri "ldap://127.0.0.1:$FAKE_PORT" --base "DC=contoso,DC=com" \
	>"$T/silent.out" 2>"$T/silent.err" &
silent_pid=$!

# ---- slapd paused mid-page: the network timeout fires ----------------------
start_slapd slapd "$SRC/fixtures/contoso.ldif"
baseline "$T/paused.db"
ldap_scan paused --page-size 5
check "paused: the scan is mid-crawl" wait_pages 5
kill -STOP "$SLAPD_PID"
_stopped+=("$SLAPD_PID")
check "paused: the scan is recorded running meanwhile" \
	test "$(scan_field "$T/paused.db" state)" = running
paused_start=$(date +%s)
finish_scan
paused_took=$(($(date +%s) - paused_start))
kill -CONT "$SLAPD_PID"
expect_fault paused 'sent nothing for [0-9]+ s'
check "paused: it gave up after the 30 s timeout, not before, not much after (${paused_took} s)" \
	test "$paused_took" -ge 25 -a "$paused_took" -le 90

# ---- SIGINT during an LDAP scan --------------------------------------------
baseline "$T/sigint-ldap.db"
ldap_scan sigint-ldap --page-size 5
check "sigint-ldap: the scan is mid-crawl" wait_pages 5
kill -INT "$SCAN_PID"
finish_scan
expect_fault sigint-ldap 'interrupted'

# ---- SIGINT during an LDIF scan that waits for input -----------------------
# A FIFO holds the scan mid-file, between two records, at a known point.
mkfifo "$T/half.ldif"
baseline "$T/sigint-ldif.db"
timeout 300 "$SYNCREADY" scan --db "$T/sigint-ldif.db" --report-dir "$T/sigint-ldif-rep" \
	--ldif "$T/half.ldif" >"$T/sigint-ldif.out" 2>"$T/sigint-ldif.err" &
SCAN_PID=$!
exec 7>"$T/half.ldif"
head -c 200000 "$SRC/fixtures/contoso.ldif" | sed '$d' >&7
for _ in $(seq 1 100); do
	[ "$(scan_field "$T/sigint-ldif.db" state 2>/dev/null)" = running ] && break
	sleep 0.1
done
sleep 0.5
check "sigint-ldif: the scan waits for the rest of the file" kill -0 "$SCAN_PID"
kill -INT "$SCAN_PID"
finish_scan
exec 7>&-
expect_fault sigint-ldif 'interrupted'

# ---- slapd killed mid-page -------------------------------------------------
baseline "$T/killed.db"
ldap_scan killed --page-size 5
check "killed: the scan is mid-crawl" wait_pages 5
"$SLAPD_SH" kill "$SLAPD_DIR"
finish_scan
expect_fault killed 'connection .* lost|server|contact'

# ---- size and admin limits from a real slapd -------------------------------
# slapd_limits LIMITS: restarts this test's slapd with that sizelimit line
# (slapd.sh rewrites its configuration on start, so it is started here the
# way slapd.sh starts it).  Bails out, with slapd's log, if it does not
# answer within 30 s.
slapd_limits() {
	local try i
	"$SLAPD_SH" stop "$SLAPD_DIR"
	sed -i "s/^sizelimit .*/sizelimit $1/" "$SLAPD_DIR/slapd.conf"
	for try in 1 2 3; do
		slapd -d stats -f "$SLAPD_DIR/slapd.conf" \
			-h "ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/" \
			</dev/null >>"$SLAPD_DIR/slapd.log" 2>&1 &
		for i in $(seq 1 300); do
			if LDAPTLS_CACERT=$CA_FILE ldapsearch -x -ZZ -H "$LDAP_URI" -s base -b '' \
				-o nettimeout=2 >/dev/null 2>&1; then
				eval "$("$SLAPD_SH" env "$SLAPD_DIR")"
				return 0
			fi
			# slapd exits at once if it cannot listen or open its database
			[ "$i" -gt 20 ] && ! "$SLAPD_SH" env "$SLAPD_DIR" >/dev/null 2>&1 && break
			sleep 0.1
		done
		diag "slapd with '$1' did not answer (try $try):"
		tail -5 "$SLAPD_DIR/slapd.log" | sed 's/^/#   /'
		"$SLAPD_SH" stop "$SLAPD_DIR"
		sleep 1
	done
	echo "Bail out! slapd did not restart with '$1' (see $SLAPD_DIR/slapd.log)"
	exit 1
}
slapd_limits "size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=500"
baseline "$T/size-limit.db"
ldap_scan size-limit --page-size 100
finish_scan
expect_fault size-limit 'size limit exceeded'
is "$(scan_field "$T/size-limit.db" objects_read)" 500 "size-limit: it stopped after the 500 entries the server sent"

slapd_limits "size.soft=1000 size.hard=1000 size.pr=50 size.prtotal=unlimited"
baseline "$T/admin-limit.db"
ldap_scan admin-limit --page-size 100
finish_scan
expect_fault admin-limit 'administrative limit exceeded'

# ---- the server rejects the paged-results cookie ---------------------------
start_fake cookie --mode cookie-rejected --entries 5
baseline "$T/cookie.db"
RC=0
timeout 300 "$SYNCREADY" scan --db "$T/cookie.db" --report-dir "$T/cookie-rep" \
	--uri "ldap://127.0.0.1:$FAKE_PORT" --base "DC=contoso,DC=com" --page-size 5 \
	>"$T/cookie.out" 2>"$T/cookie.err" || RC=$?
expect_fault cookie 'unwilling to perform.*WILL_NOT_PERFORM'
is "$(scan_field "$T/cookie.db" objects_read)" 5 "cookie: the first page was read"

# ---- the silent server's scan, started at the top --------------------------
RC=0
wait "$silent_pid" || RC=$?
silent_took=$(($(date +%s) - silent_start))
expect_fault silent 'timed out|timeout|sent nothing|no answer'
check "silent: it gave up after the timeout (${silent_took} s)" test "$silent_took" -ge 25 -a "$silent_took" -le 90

# ---- the database on a full filesystem -------------------------------------
# mount_tmpfs DIR SIZE
mount_tmpfs() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>"$T/mount.err"; then
		echo "Bail out! cannot mount a tmpfs for the disk-full test (needs root, as in CI): $(cat "$T/mount.err")"
		exit 1
	fi
	_mounts+=("$1")
}
# fill DIR KB: leaves about KB kilobytes free.
fill() {
	local avail
	avail=$(df -k --output=avail "$1" | tail -1)
	if [ "$avail" -gt "$2" ]; then
		dd if=/dev/zero of="$1/filler" bs=1k count=$((avail - $2)) 2>/dev/null || true
	fi
	dd if=/dev/zero of="$1/filler2" bs=1k count="$2" 2>/dev/null || true
	[ "$2" -eq 0 ] || rm -f "$1/filler2"
}

mount_tmpfs "$T/full" 8m
mkdir -p "$T/full/db"
baseline "$T/full/db/x.db"
ln -s "$T/full/db/x.db" "$T/disk-full.db"
cp "$T/full/db/x.db.scan1.csv" "$T/disk-full.db.scan1.csv"
fill "$T/full" 200
run_sr "$T/disk-full.out" "$T/disk-full.err" scan --ldif "$SRC/fixtures/contoso.ldif" \
	--db "$T/full/db/x.db" --report-dir "$T/disk-full-rep"
expect_fault disk-full 'full|no space'
rm -f "$T/full/filler" "$T/full/filler2"

# Completely full: SQLite cannot even size its shared-memory file, so not
# even a failed scan can be recorded; nothing may claim to be complete.
mount_tmpfs "$T/full0" 8m
baseline "$T/full0/x.db"
ln -s "$T/full0/x.db" "$T/disk-full0.db"
cp "$T/full0/x.db.scan1.csv" "$T/disk-full0.db.scan1.csv"
fill "$T/full0" 0
run_sr "$T/disk-full0.out" "$T/disk-full0.err" scan --ldif "$SRC/fixtures/contoso.ldif" \
	--db "$T/full0/x.db" --report-dir "$T/disk-full0-rep"
expect_fault disk-full0 'full|no space|I/O error' nodb
rm -f "$T/full0/filler" "$T/full0/filler2"

# The reports on a full filesystem (the database elsewhere): the scan is
# complete, the report fails, and no partial or temporary file is left.
mount_tmpfs "$T/repfull" 1m
fill "$T/repfull" 0
run_sr "$T/rep-full.out" "$T/rep-full.err" scan --ldif "$SRC/fixtures/contoso.ldif" \
	--db "$T/rep-full.db" --report-dir "$T/repfull/out"
is "$RC" 1 "report-full: exits 1"
is "$(lines_of "$T/rep-full.err")" 1 "report-full: exactly one line on stderr"
check "report-full: the line says what failed" grep -q -i -E 'space|full|write|report' "$T/rep-full.err"
diag_file "$T/rep-full.err"
check "report-full: no report file nor a temporary one" \
	test -z "$(ls -A "$T/repfull/out" 2>/dev/null)"
is "$(scan_field "$T/rep-full.db" state)" complete "report-full: the scan itself is complete"
rm -f "$T/repfull/filler" "$T/repfull/filler2"

# ---- a read-only database --------------------------------------------------
mount_tmpfs "$T/ro" 16m
baseline "$T/ro/x.db"
ln -s "$T/ro/x.db" "$T/read-only.db"
cp "$T/ro/x.db.scan1.csv" "$T/read-only.db.scan1.csv"
mount -o remount,ro "$T/ro"
run_sr "$T/read-only.out" "$T/read-only.err" scan --ldif "$SRC/fixtures/contoso.ldif" \
	--db "$T/ro/x.db" --report-dir "$T/read-only-rep"
expect_fault read-only 'read-only|readonly' ro
run_sr "$T/ro-scans.out" "$T/ro-scans.err" scans --db "$T/ro/x.db"
is "$RC" 0 "read-only: 'scans' still lists the earlier scans"
check "read-only: scan 1 listed complete" grep -q -E '^1 +complete' "$T/ro-scans.out"

done_testing
