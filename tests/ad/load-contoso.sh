#!/bin/bash
# tests/ad/load-contoso.sh -- the Contoso directory in a new Samba AD DC:
# the one implementation the AD suite (tests/ad/lib.sh) and
# `scripts/demo --ad` share.
#
#   load-contoso.sh gen  DATA     the fixture: fixtures/gen-contoso.py --flavor ad
#                                 under the DC's base DN into DATA/contoso.ldif
#                                 (its seeded defects: DATA/contoso.stats.json)
#   load-contoso.sh load DC DATA  provision a new DC into DC (anything there is
#                                 removed), adapt DATA/contoso.ldif for it
#                                 (adapt-ldif.py) and load it offline; the DC
#                                 is left stopped (samba.sh start DC)
#
# load writes into DATA: adapt.json (what the adapter left out, and why),
# load.ldif and modify.ldif (what was loaded), extra.ldif (what the adapter
# added) and contoso-all.ldif (the same objects as an LDIF export: the
# generator's file plus extra.ldif).  AD_BIG_GROUP (default 3200): the
# members of the group the adapter adds when none has that many, more than
# one range window (1,500) holds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
big_group=${AD_BIG_GROUP:-3200}

die() { echo "load-contoso.sh: $*" >&2; exit 1; }

usage() { sed -n '6,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The DC's base DN, as samba.sh provisions it (one definition: samba.sh).
base_dn() {
	"$here/samba.sh" env "$1" | sed -n 's/^AD_BASE=//p'
}

cmd_gen() {
	local data=$1
	mkdir -p "$data"
	python3 "$top/fixtures/gen-contoso.py" --flavor ad \
		--base "$(base_dn "$data")" \
		--stats "$data/contoso.stats.json" -o "$data/contoso.ldif"
}

cmd_load() {
	local dc=$1 data=$2 base config
	[ -r "$data/contoso.ldif" ] ||
		die "cannot read $data/contoso.ldif (load-contoso.sh gen $data)"
	"$here/samba.sh" stop "$dc" >/dev/null 2>&1 || true
	rm -rf "${dc:?}"
	# The first start provisions the DC and makes its TLS certificates.
	"$here/samba.sh" start "$dc" > "$data/start.out" ||
		die "provisioning the Samba AD DC failed (see above)"
	"$here/samba.sh" stop "$dc"
	base=$(base_dn "$dc")
	config=CN=Configuration,$base
	# What a new DC already holds, and its schema's value ranges.
	{
		ldbsearch -H "$dc/private/sam.ldb" -b "$base" '(objectClass=*)' dn
		ldbsearch -H "$dc/private/sam.ldb" -b "$config" '(objectClass=*)' dn
	} 2>/dev/null | sed -n 's/^dn: //p' > "$data/existing.txt"
	ldbsearch -H "$dc/private/sam.ldb" -b "CN=Schema,$config" \
		'(objectClass=attributeSchema)' lDAPDisplayName \
		attributeSyntax rangeLower rangeUpper > "$data/schema.ldif" 2>/dev/null ||
		die "cannot read the DC's schema"
	python3 "$here/adapt-ldif.py" --base "$base" \
		--existing "$data/existing.txt" --schema "$data/schema.ldif" \
		--big-group "$big_group" --extra "$data/extra.ldif" \
		--modify "$data/modify.ldif" \
		--report "$data/adapt.json" "$data/contoso.ldif" \
		> "$data/load.ldif" || die "adapting the fixture for Samba failed"
	"$here/samba.sh" load "$dc" "$data/load.ldif" "$data/modify.ldif" ||
		die "loading the fixture into Samba failed"
	cat "$data/contoso.ldif" "$data/extra.ldif" > "$data/contoso-all.ldif"
}

case ${1:-} in
gen) [ $# = 2 ] || usage; cmd_gen "$2" ;;
load) [ $# = 3 ] || usage; cmd_load "$2" "$3" ;;
*) usage ;;
esac
