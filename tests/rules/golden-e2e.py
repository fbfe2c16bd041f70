#!/usr/bin/env python3
"""End-to-end golden test: `syncready scan` into a fresh database,
`syncready report --format csv`, and the CSV rows (DN, OBJECTCLASS,
ATTRIBUTE, ERROR, VALUE, UPDATE, PROPOSEDACTION, RULE) must be exactly the
expected file's rows, the scan's skipped count its SKIP lines, and the
stored summary counters its COUNT lines (without --dns).  This
proves the store resolves duplicate candidates as the golden driver does,
and (with --uri) that an LDAP scan gives the rows an LDIF scan gives.

Usage: golden-e2e.py SYNCREADY EXPECTED.tsv [--dns FILE] SCAN-ARGS...
  --dns FILE   only the expected rows of the DNs listed in FILE (one a
               line): the objects a directory server could hold
  SCAN-ARGS    passed to `syncready scan` (e.g. --ldif F --rules P)
"""
import csv
import os
import sqlite3
import subprocess
import sys
import tempfile

syncready, expected = sys.argv[1:3]
scan_args = sys.argv[3:]
only = None
if scan_args[:1] == ["--dns"]:
    with open(scan_args[1], encoding="utf-8") as f:
        only = {l.rstrip("\n") for l in f if l.strip()}
    scan_args = scan_args[2:]


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == "\\":
            c = s[i + 1]
            if c == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}[c]
            i += 2
            continue
        out += s[i].encode("utf-8")
        i += 1
    # Invalid bytes: the CSV carries U+FFFD for them.
    return out.decode("utf-8", "replace")


def unguard(cell):
    """Undoes the CSV formula guard (SPEC §5), as `import` does."""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r", "'"):
        return cell[1:]
    return cell


want = set()
skips = 0
counts = {}
with open(expected, encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        fields = [unescape(p) for p in line.split("\t")]
        if fields[0] == "SKIP":
            skips += only is None or fields[1] in only
            continue
        if fields[0] == "COUNT":
            # Summary counters (rule_sink.count, the store's table
            # summary): compared unless only some DNs are expected.
            if only is None:
                counts[fields[1]] = int(fields[2])
            continue
        if only is None or fields[0] in only:
            want.add(tuple(fields))

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "g.db")
    out = os.path.join(tmp, "g.csv")
    subprocess.run([syncready, "scan"] + scan_args + ["--db", db, "-q"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([syncready, "report", "--db", db, "--format", "csv", "-o", out], check=True)
    got = set()
    with open(out, encoding="utf-8-sig", newline="") as f:
        for x in csv.DictReader(f):
            got.add(tuple(unguard(x[k]) for k in (
                "DISTINGUISHEDNAME", "OBJECTCLASS", "ATTRIBUTE", "ERROR",
                "VALUE", "UPDATE", "PROPOSEDACTION", "RULE")))
    con = sqlite3.connect(db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(scans)")]
    skipped = None
    if "objects_skipped" in cols:
        skipped = con.execute("SELECT objects_skipped FROM scans ORDER BY id DESC LIMIT 1").fetchone()[0]
    stored_counts = None
    if only is None and con.execute("SELECT 1 FROM sqlite_master WHERE name = 'summary'").fetchone():
        stored_counts = dict(con.execute(
            "SELECT name, count FROM summary WHERE scan_id = (SELECT max(id) FROM scans)"))
    con.close()

rc = 0
for r in sorted(got - want):
    print("unexpected:", r)
    rc = 1
for r in sorted(want - got):
    print("missing:   ", r)
    rc = 1
if stored_counts is not None and stored_counts != counts:
    print("counters: %s, expected %s" % (sorted(stored_counts.items()), sorted(counts.items())))
    rc = 1
if skipped is not None and skipped != skips:
    print("skipped: %s, expected %d" % (skipped, skips))
    rc = 1
print("%d rows, %d expected, skipped %s/%d: %s" % (len(got), len(want), skipped, skips,
                                                  "FAIL" if rc else "ok"))
sys.exit(rc)
