#!/usr/bin/env bash
# The multi-tenant golden fixture served by slapd and scanned over LDAP
# with StartTLS gives exactly the rows (and skips) fixtures/expected/mt.tsv
# expects from the LDIF: the rules see the same entries from both inputs.
# Uses the integration harness (tests/integration/lib.sh, slapd.sh).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../integration/lib.sh"

python3 "$SRC/fixtures/rules/mkldif.py" --slapd mt "$T/mt.ldif" "$T/mt.dns"
start_slapd slapd "$T/mt.ldif"

export LDAPNOINIT=1
if python3 "$SRC/tests/rules/golden-e2e.py" "$SYNCREADY" "$SRC/fixtures/expected/mt.tsv" \
	--dns "$T/mt.dns" --uri "$LDAP_URI" --starttls --ca-file "$CA_FILE" \
	--bind-dn "$BIND_DN" --password-file "$BIND_PW_FILE" --base "$BASE_DN" \
	--rules multi-tenant >"$T/ldap.out" 2>&1; then
	ok 0 "LDAP scan of the golden fixture: $(tail -1 "$T/ldap.out")"
else
	ok 1 "LDAP scan of the golden fixture gives the expected rows"
	diag_file "$T/ldap.out"
fi
if python3 "$SRC/tests/rules/golden-e2e.py" "$SYNCREADY" "$SRC/fixtures/expected/mt.tsv" \
	--dns "$T/mt.dns" --ldif "$T/mt.ldif" --rules multi-tenant >"$T/ldif.out" 2>&1; then
	ok 0 "LDIF scan of the same entries: $(tail -1 "$T/ldif.out")"
else
	ok 1 "LDIF scan of the same entries gives the expected rows"
	diag_file "$T/ldif.out"
fi
done_testing
