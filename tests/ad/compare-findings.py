#!/usr/bin/env python3
"""Compares the findings of a scan of the Samba DC with those of a scan of
the generator's LDIF of the same objects (syncready report --format csv of
each), minus what the DC computes or refuses itself:

    compare-findings.py --adapt adapt.json --ldif contoso-all.ldif \\
                        AD.csv LDIF.csv

Left out, and listed on standard output as "# ..." lines:
* the OBJECTGUID column: the DC assigns its own objectGUIDs (and objectSid,
  whenCreated, uSN*, ... which the rules do not report);
* objects only one side holds: what a new DC creates itself (built-in
  accounts and groups) and what the adapter skipped because the DC already
  had it or refused to create it;
* objects whose values the DC refused (a value over rangeUpper, the second
  holder of a sAMAccountName or UPN), and findings on a refused value or on
  a value that an object of the two groups above held in the LDIF (a
  duplicate partner that is not on the DC), or its shortened form.

Every other finding row must be on both sides.  Exit status 0 when equal,
1 with the differences on standard output.
"""
import argparse
import csv
import io
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ldifutil import read_ldif  # noqa: E402

# The columns compared: all of SPEC 3 except OBJECTGUID, ACTION, STATUS.
COLS = ["DISTINGUISHEDNAME", "COMMONNAME", "OBJECTCLASS", "ATTRIBUTE",
        "ERROR", "VALUE", "UPDATE", "PROPOSEDACTION", "RULE", "SEVERITY"]


def norm_dn(dn):
    """Case- and escape-insensitive DN: \\HH escapes decoded, other
    backslash escapes dropped, lower case."""
    b = dn.encode("utf-8", "surrogateescape")
    b = re.sub(rb"\\([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), b)
    b = re.sub(rb"\\(.)", rb"\1", b)
    return b.decode("utf-8", "replace").lower().replace(", ", ",")


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        r = csv.DictReader(io.StringIO(f.read()))
        missing = [c for c in COLS if c not in (r.fieldnames or [])]
        if missing:
            sys.exit(f"compare-findings: {path}: no column {', '.join(missing)}")
        for row in r:
            yield row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adapt", required=True)
    ap.add_argument("--ldif", required=True)
    ap.add_argument("ad_csv")
    ap.add_argument("ldif_csv")
    a = ap.parse_args()

    with open(a.adapt, encoding="utf-8") as f:
        rep = json.load(f)
    recs = read_ldif(a.ldif)
    in_ldif = {norm_dn(r.dn) for r in recs}
    by_dn = {norm_dn(r.dn): r for r in recs}

    skipped = {norm_dn(d) for d in rep["skipped_existing"]}
    skipped |= {norm_dn(o["dn"]) for o in rep["refused_objects"]}
    changed = {norm_dn(v["dn"]) for v in rep["refused_values"]}
    # Values whose holders differ between the sides.
    gone_values = set()
    for v in rep["refused_values"]:
        gone_values.add((v["attribute"].lower(), v["value"].lower()))
    for dn in skipped:
        r = by_dn.get(dn)
        for name, val in (r.attrs if r else []):
            gone_values.add((name.lower(), val.decode("utf-8", "replace").lower()))

    def keep(row, side):
        dn = norm_dn(row["DISTINGUISHEDNAME"])
        if dn in skipped or dn in changed:
            return False
        if side == "ad" and dn not in in_ldif:
            return False  # created by the DC itself
        val = row["VALUE"].lower()
        attr = row["ATTRIBUTE"].lower()
        if (attr, val) in gone_values:
            return False
        # proxyAddresses values carry a prefix; the holders' mail does not
        if attr == "proxyaddresses" and ":" in val:
            bare = val.split(":", 1)[1]
            if ("mail", bare) in gone_values or ("userprincipalname", bare) in gone_values:
                return False
        # a duplicate of a refused value cut to the attribute's length
        if "Duplicate" in row["ERROR"] and any(
                ga == attr and gv.startswith(val) for ga, gv in gone_values):
            return False
        if attr in ("mail", "userprincipalname", "targetaddress"):
            for p in ("smtp:" + val,):
                if ("proxyaddresses", p) in gone_values:
                    return False
        return True

    def key(row):
        return tuple(norm_dn(row[c]) if c == "DISTINGUISHEDNAME" else row[c]
                     for c in COLS)

    ad_rows = list(rows(a.ad_csv))
    ldif_rows = list(rows(a.ldif_csv))
    ad = sorted(key(r) for r in ad_rows if keep(r, "ad"))
    ld = sorted(key(r) for r in ldif_rows if keep(r, "ldif"))

    print(f"# compared {len(ad)} of {len(ad_rows)} DC findings with {len(ld)} of "
          f"{len(ldif_rows)} LDIF findings (OBJECTGUID not compared: the DC assigns it)")
    print(f"# left out: {len(skipped)} objects the DC already had or refused "
          f"({len(rep['skipped_existing'])} existing, {len(rep['refused_objects'])} refused), "
          f"{len(changed)} objects with values the DC refused, "
          f"{len(gone_values)} values those objects held")
    system = sorted({v["attribute"] for v in rep.get("system_values_set", [])})
    print("# computed by the DC, dropped before loading: "
          + ", ".join(sorted(set(rep["computed_dropped"]) - set(system))))
    if system:
        print(f"# system-only, set after loading: {', '.join(system)} "
              f"({len(rep['system_values_set'])} objects)")
    only_ad = sorted(set(ad) - set(ld))
    only_ld = sorted(set(ld) - set(ad))
    # multiplicity matters too (one row per holder)
    if not only_ad and not only_ld and ad != ld:
        print("# same rows, different counts")
        return 1
    for k in only_ad[:20]:
        print("only on the DC:   " + " | ".join(k))
    for k in only_ld[:20]:
        print("only in the LDIF: " + " | ".join(k))
    if only_ad or only_ld:
        print(f"# {len(only_ad)} rows only on the DC, {len(only_ld)} only in the LDIF")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
