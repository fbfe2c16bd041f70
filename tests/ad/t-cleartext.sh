#!/bin/bash
# Samba's default "ldap server require strong auth": a simple bind over
# cleartext LDAP is refused.  syncready refuses to send the password in the
# first place; with --insecure the DC refuses it, and syncready says why
# and what to do, in one line.
. "$(dirname "$0")/lib.sh"
plan 11
ad_up

db=$AD_WORK/clear.db
ad_log_mark
ad_scan --uri "ldap://$AD_DC_FQDN" --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$db" \
	> /dev/null 2> "$AD_WORK/plain.err" && rc=0 || rc=$?
ad_log_since > "$AD_WORK/dc.log"
diag "$(cat "$AD_WORK/plain.err")"
is "$rc" 1 "a simple bind over ldap:// without --insecure fails (exit 1)"
is "$(ad_lines "$AD_WORK/plain.err")" 1 "... with one line"
t "... that says what to do (StartTLS or ldaps://)" grep -qiE 'starttls|ldaps' "$AD_WORK/plain.err"
t "... and the password never reached the DC (no BindSimple in its log)" \
	sh -c "! grep -q 'BindSimple dn: .' '$AD_WORK/dc.log'"

ad_scan --uri "ldap://$AD_DC_FQDN" --insecure --bind-dn "$AD_BIND_DN" \
	--password-file "$AD_PASSWORD_FILE" --db "$db" \
	> /dev/null 2> "$AD_WORK/insecure.err" && rc=0 || rc=$?
ad_log_since > "$AD_WORK/dc.log"
diag "$(cat "$AD_WORK/insecure.err")"
t "with --insecure the bind reaches the DC (so the log check above can fail)" \
	grep -q 'BindSimple dn: .' "$AD_WORK/dc.log"
is "$rc" 1 "... which refuses it (exit 1)"
is "$(ad_lines "$AD_WORK/insecure.err")" 1 "... with one line"
t "... naming the server's reason" grep -q 'Strong(er) authentication required' "$AD_WORK/insecure.err"
t "... and the way out (StartTLS, ldaps:// or Kerberos)" grep -qiE 'starttls|ldaps|gssapi' "$AD_WORK/insecure.err"
is "$(sqlite3 "$db" "SELECT count(*) FROM scans WHERE state = 'complete'")" 0 \
	"no scan is recorded complete"
is "$(sqlite3 "$db" "SELECT count(*) FROM scans WHERE state = 'failed' AND reason <> ''")" 2 \
	"both are recorded failed with their reason"
exit 0
