# bench/lib.sh -- sourced by bench/run and bench/crawl-ab: one measured
# run, medians, and the crawl of target 1 (slapd on loopback, syncready's
# scan over LDAP, and ldapsearch asking for what syncready asked for), so
# that both measure the crawl the same way.  The caller sets ROOT (the
# source tree) and tmp (a directory of its own, removed on exit, where
# slapd's stop belongs too).

say() { echo "bench/${0##*/}: $*" >&2; }

# measure NAME CMD...: one run; appends "wall cpu rss_kb" to $tmp/NAME.t.
# Standard output goes to $tmp/NAME.out, standard error to $tmp/NAME.err.
measure() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/$name.time" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" || {
		say "$name failed: $*"
		tail -5 "$tmp/$name.err" >&2
		exit 1
	}
	awk '{printf "%.2f %.2f %d\n", $1, $2 + $3, $4}' "$tmp/$name.time" >>"$tmp/$name.t"
}

# median NAME FIELD (1 wall, 2 cpu, 3 rss_kb)
median() {
	sort -n -k"$2,$2" "$tmp/$1.t" | awk -v f="$2" '{v[NR] = $f} END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# all NAME FIELD: every run's figure, in order, comma-separated.
all() { awk -v f="$2" '{printf "%s%s", sep, $f; sep = ", "}' "$tmp/$1.t"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }

crawl_filter='(|(objectCategory=person)(objectCategory=group))'

# crawl_start SLAPD_DIR LDIF: slapd with LDIF loaded (tests/integration/
# slapd.sh sets LDAP_URI, CA_FILE, BIND_DN, BIND_PW_FILE, BASE_DN), and
# ldapenv, the environment both LDAP clients run in.
crawl_start() {
	eval "$("$ROOT/tests/integration/slapd.sh" start "$1" "$2")"
	ldapenv=(env -u LDAPNOINIT LDAPTLS_CACERT="$CA_FILE" LDAPTLS_REQCERT=demand
		LDAPRC=/dev/null LDAPCONF=/dev/null)
}

# crawl_scan NAME SYNCREADY: one measured scan over LDAP (StartTLS, paged)
# into a new $tmp/NAME.db.
crawl_scan() {
	rm -f "$tmp/$1.db" "$tmp/$1.db-wal" "$tmp/$1.db-shm"
	measure "$1" "${ldapenv[@]}" "$2" scan --uri "$LDAP_URI" --starttls \
		--ca-file "$CA_FILE" --bind-dn "$BIND_DN" \
		--password-file "$BIND_PW_FILE" --db "$tmp/$1.db" -q
}

# crawl_ldapsearch SLAPD_DIR: after a first crawl_scan, sets ldapsearch_cmd
# to ldapsearch of the attribute list syncready asked for, read from
# slapd's log, and pages of 1,000 like syncready's.
crawl_ldapsearch() {
	local attrs
	attrs=$(grep -o 'SRCH attr=.*' "$1/slapd.log" | sed 's/^SRCH attr=//' |
		sort | uniq -c | sort -rn | head -1 | sed 's/^ *[0-9]* //')
	[ -n "$attrs" ] || { say "cannot read syncready's attribute list from $1/slapd.log"; exit 1; }
	read -r -a attr_list <<<"$attrs"
	ldapsearch_cmd=(ldapsearch -LLL -x -ZZ -H "$LDAP_URI" -D "$BIND_DN" -y "$BIND_PW_FILE"
		-b "$BASE_DN" -E pr=1000/noprompt "$crawl_filter" "${attr_list[@]}")
}
