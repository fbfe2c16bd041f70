#!/bin/bash
# SASL GSSAPI: a ticket from the DC's own KDC (kinit with the krb5.conf
# samba.sh writes), then syncready scan --sasl-mech GSSAPI by the DC's
# name.  No password is involved; the DC logs a Kerberos logon.
. "$(dirname "$0")/lib.sh"
plan 12
ad_up

# libldap would name the Kerberos service after the reverse look-up of
# the server's address (for 127.0.0.1: this machine's own name); syncready
# sets LDAP_OPT_X_SASL_NOCANON, so the name in the URI is used, with no
# SASL_NOCANON in any ldap.conf.
db=$AD_WORK/krb.db
ad_ns "$SYNCREADY" scan --uri "ldap://$AD_DC_FQDN" \
	--sasl-mech GSSAPI --db "$db" > /dev/null 2> "$AD_WORK/noticket.err" && rc=0 || rc=$?
diag "$(cat "$AD_WORK/noticket.err")"
is "$rc" 1 "without a Kerberos ticket the GSSAPI scan fails (exit 1)"
is "$(ad_lines "$AD_WORK/noticket.err")" 1 "... with one line"
t "... that says to get a ticket (kinit)" grep -q kinit "$AD_WORK/noticket.err"

t "kinit gets a ticket from the DC's KDC" kinit "Administrator@$AD_REALM" < "$AD_PASSWORD_FILE"
t "... a TGT for the realm" sh -c "klist | grep -q 'krbtgt/$AD_REALM@$AD_REALM'"

ad_log_mark
ad_ns "$SYNCREADY" scan --uri "ldap://$AD_DC_FQDN" \
	--sasl-mech GSSAPI --db "$db" > /dev/null 2> "$AD_WORK/krb.err" && rc=0 || rc=$?
ad_log_since > "$AD_WORK/dc.log"
diag "$(cat "$AD_WORK/krb.err")"
is "$rc:$(ad_last_state "$db")" 0:complete "scan over ldap:// with SASL GSSAPI is complete"
is "$(sqlite3 "$db" "SELECT objects_read FROM scans WHERE state = 'complete'")" \
	"$(ad_count "$AD_DEFAULT_FILTER")" "... and read every object"
t "the DC logged a Kerberos (GSSAPI) logon, not a simple bind" \
	sh -c "grep -q 'BindSASL dn' '$AD_WORK/dc.log' && grep -q '\"authType\": \"krb5\"' '$AD_WORK/dc.log' && ! grep -q 'BindSimple dn: .' '$AD_WORK/dc.log'"
t "the ticket cache now holds a service ticket for ldap/$AD_DC_FQDN" \
	sh -c "klist | grep -qi 'ldap/$AD_DC_FQDN@$AD_REALM'"

ad_ns "$SYNCREADY" scan --uri "ldap://127.0.0.1" \
	--sasl-mech GSSAPI --db "$db" > /dev/null 2> "$AD_WORK/ip.err" && rc=0 || rc=$?
diag "$(cat "$AD_WORK/ip.err")"
is "$rc" 1 "GSSAPI to the DC's address instead of its name fails (exit 1)"
t "... saying to use the host name" grep -qi 'host name' "$AD_WORK/ip.err"

# The same by name through the suite's usual scan helper.
ad_scan --uri "ldap://$AD_DC_FQDN" --sasl-mech GSSAPI --db "$AD_WORK/canon.db" \
	> /dev/null 2> "$AD_WORK/canon.err" && rc=0 || rc=$?
is "$rc:$(ad_last_state "$AD_WORK/canon.db")" 0:complete \
	"GSSAPI by name works without SASL_NOCANON in ldap.conf"
[ "$rc" = 0 ] || diag "$(cat "$AD_WORK/canon.err")"
exit 0
