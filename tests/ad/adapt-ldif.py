#!/usr/bin/env python3
"""Adapts a directory export (the fixture generator's LDIF) so that a Samba
AD DC loads it offline with ldbadd.

    adapt-ldif.py --base DN --existing FILE [--schema FILE] [--big-group N]
                  [--extra FILE] [--modify FILE] [--report FILE]
                  IN.ldif > OUT.ldif

What a real DC refuses or computes itself is taken out and written to the
report (JSON), so that a test can name it:

* attributes the DC computes itself (objectGUID, objectSid, whenCreated,
  uSN*, objectCategory, sAMAccountType, memberOf, ...) are dropped: Samba
  assigns its own values, rejects some supplied ones, and the scan of the
  DC shows Samba's;
* system-only values (isCriticalSystemObject) cannot be added; --modify
  writes them as changes to apply with the relax control after the load;
* entries that already exist on a freshly provisioned DC (the domain head,
  CN=Users, ...; listed one DN per line in --existing) are skipped;
* a value outside its attribute's rangeLower..rangeUpper (--schema: the
  DC's attributeSchema objects) makes AD refuse the object: it is dropped
  and named;
* a sAMAccountName or userPrincipalName already held by another object is
  refused by AD: the second holder's value is dropped and the object named;
* group members that are not loaded are dropped; groups come after the
  objects they contain, parents before children.

--big-group N: when no group has N members, a group OU=Groups/CN=GS-Big-N
with the first N users and contacts is added (to both OUT and --extra, so
that the LDIF side of a comparison sees the same object).

Values are handled as bytes; the LDIF read here is the plain content form
that generators and ldapsearch write (folded lines, base64 with '::').
"""
import argparse
import base64
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ldifutil import Record, fail, read_ldif  # noqa: E402

# Values only the system may write (Samba refuses them in an add); a DC
# sets them on its own accounts.  --modify writes them as changes that
# ldbmodify applies with the relax control after the load.
SYSTEM_ONLY = {"iscriticalsystemobject"}

# Attributes a DC computes or owns; a directory export may carry them.
COMPUTED = {a.lower() for a in [
    "objectGUID", "objectSid", "whenCreated", "whenChanged", "uSNCreated",
    "uSNChanged", "objectCategory", "instanceType", "sAMAccountType",
    "primaryGroupID", "memberOf", "distinguishedName", "name",
    "dSCorePropagationData", "isCriticalSystemObject", "nTSecurityDescriptor",
    "pwdLastSet", "badPwdCount", "badPasswordTime", "lastLogon",
    "lastLogoff", "lastLogonTimestamp", "logonCount", "accountExpires",
    "codePage", "countryCode", "homeMDBBL", "msDS-KeyVersionNumber",
    "replPropertyMetaData", "objectVersion", "structuralObjectClass",
    "entryUUID", "entryCSN", "createTimestamp", "modifyTimestamp",
    "creatorsName", "modifiersName", "subschemaSubentry",
    "hasSubordinates", "entryDN",
]}


def container(dn):
    """A plain OU or container record for dn."""
    o = Record(dn, 0)
    at, _, val = dn.split(",", 1)[0].partition("=")
    if at.lower() == "ou":
        o.attrs = [["objectClass", b"top"], ["objectClass", b"organizationalUnit"],
                   ["ou", val.encode()]]
    else:
        o.attrs = [["objectClass", b"top"], ["objectClass", b"container"],
                   ["cn", val.encode()]]
    return o


def schema_ranges(path):
    """lDAPDisplayName (lower case) -> (syntax, rangeLower, rangeUpper)."""
    out = {}
    for r in read_ldif(path):
        name = r.values("lDAPDisplayName")
        syntax = r.values("attributeSyntax")
        if not name or not syntax:
            continue
        lo = r.values("rangeLower")
        hi = r.values("rangeUpper")
        out[name[0].decode().lower()] = (syntax[0].decode(),
                                         int(lo[0]) if lo else None,
                                         int(hi[0]) if hi else None)
    return out


def out_of_range(spec, v):
    """Why a DC refuses value v of an attribute with spec, or None."""
    if spec is None:
        return None
    syntax, lo, hi = spec
    if syntax in ("2.5.5.12", "2.5.5.4", "2.5.5.5", "2.5.5.6"):
        # AD counts Unicode strings in UTF-16 code units
        n = len(v.decode("utf-8", "replace").encode("utf-16-le")) // 2
        unit = "characters"
    elif syntax == "2.5.5.10":
        n, unit = len(v), "bytes"
    else:
        return None
    if hi is not None and n > hi:
        return f"{n} {unit}, more than rangeUpper {hi}"
    if lo is not None and n < lo:
        return f"{n} {unit}, fewer than rangeLower {lo}"
    return None


def refused_object(r):
    """Why a DC refuses to create r over LDAP, or None."""
    for v in r.values("userAccountControl"):
        try:
            uac = int(v)
        except ValueError:
            continue
        if uac & 0x800:
            return ("an interdomain trust account (userAccountControl 0x800): "
                    "the DC creates it when the trust is made")
    return None


SAFE_INIT = set(range(0x01, 0x80)) - set(b"\n\r :<")
SAFE = set(range(0x01, 0x80)) - set(b"\n\r")


def ldif_line(name, v):
    if v and v[0] in SAFE_INIT and v[-1] != 0x20 and all(c in SAFE for c in v):
        return f"{name}: {v.decode('ascii')}"
    return f"{name}:: {base64.b64encode(v).decode()}"


def write(out, rec):
    out.write(ldif_line("dn", rec.dn.encode()) + "\n")
    for a, v in rec.attrs:
        out.write(ldif_line(a, v) + "\n")
    out.write("\n")


def key(dn):
    return dn.lower().replace(", ", ",")


def parent(dn):
    # RDN values escape ',' as '\,' (or '\2C'): split at the first
    # unescaped comma
    i = 0
    while i < len(dn):
        if dn[i] == "\\":
            i += 2
            continue
        if dn[i] == ",":
            return dn[i + 1:]
        i += 1
    return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--base", required=True)
    ap.add_argument("--existing", required=True)
    ap.add_argument("--schema", help="the DC's attributeSchema objects (ldbsearch LDIF)")
    ap.add_argument("--big-group", type=int, default=0)
    ap.add_argument("--extra")
    ap.add_argument("--modify", help="write the system-only values here (ldbmodify --controls=relax:0)")
    ap.add_argument("--report")
    a = ap.parse_args()

    with open(a.existing, encoding="utf-8") as f:
        existing = {key(l.strip()) for l in f if l.strip()}
    recs = read_ldif(a.input)
    report = {"computed_dropped": {}, "skipped_existing": [],
              "refused_values": [], "refused_objects": [], "members_dropped": 0,
              "parents_added": [], "link_targets_added": [], "added": [], "system_values_set": [],
              "loaded": 0}

    kept, seen, system = [], set(), []
    for r in recs:
        k = key(r.dn)
        if not k.endswith(key(a.base)):
            fail(f"{r.dn} (line {r.line}) is outside {a.base}")
        if k in existing:
            report["skipped_existing"].append(r.dn)
            continue
        if k in seen:
            fail(f"{r.dn} (line {r.line}) appears twice")
        seen.add(k)
        for name, v in r.attrs:
            if name.lower() in SYSTEM_ONLY:
                system.append((r.dn, name, v))
        for name, _ in list(r.attrs):
            if name.lower() in COMPUTED:
                c = report["computed_dropped"]
                c[name] = c.get(name, 0) + 1
        r.attrs = [x for x in r.attrs if x[0].lower() not in COMPUTED]
        kept.append(r)

    # Objects a DC creates itself and refuses over LDAP.
    refused = []
    for r in kept:
        why = refused_object(r)
        if why:
            refused.append(r)
            report["refused_objects"].append({"dn": r.dn, "reason": why})
    kept = [r for r in kept if r not in refused]

    # Values outside the schema's rangeLower/rangeUpper: AD refuses the
    # whole object ("invalid value"); the value is dropped and named.
    if a.schema:
        ranges = schema_ranges(a.schema)
        for r in kept:
            for name, v in list(r.attrs):
                why = out_of_range(ranges.get(name.lower()), v)
                if why:
                    r.drop(name, v)
                    report["refused_values"].append(
                        {"dn": r.dn, "attribute": name,
                         "value": v.decode("utf-8", "replace"), "reason": why})

    # AD refuses a second holder of a sAMAccountName or UPN.
    for attr in ("sAMAccountName", "userPrincipalName"):
        holders = {}
        for r in kept:
            for v in r.values(attr):
                lk = v.decode("utf-8", "replace").lower()
                if lk in holders:
                    r.drop(attr, v)
                    report["refused_values"].append(
                        {"dn": r.dn, "attribute": attr,
                         "value": v.decode("utf-8", "replace"),
                         "held_by": holders[lk]})
                else:
                    holders[lk] = r.dn

    groups = [r for r in kept if "group" in r.classes()]
    others = [r for r in kept if "group" not in r.classes()]

    extra = []
    if a.big_group:
        biggest = max((len(g.values("member")) for g in groups), default=0)
        if biggest < a.big_group:
            people = [r for r in others
                      if {"user", "contact", "inetorgperson"} & set(r.classes())
                      and "computer" not in r.classes()
                      and not r.values("isCriticalSystemObject")
                      and ",cn=users," not in key(r.dn)]
            if len(people) < a.big_group:
                fail(f"--big-group {a.big_group}: only {len(people)} users and contacts")
            ou = f"OU=Groups,{a.base}"
            if key(ou) not in existing and key(ou) not in seen:
                o = Record(ou, 0)
                o.attrs = [["objectClass", b"top"], ["objectClass", b"organizationalUnit"],
                           ["ou", b"Groups"]]
                others.append(o)
                extra.append(o)
                seen.add(key(ou))
            g = Record(f"CN=GS-Big-{a.big_group},{ou}", 0)
            g.attrs = [["objectClass", b"top"], ["objectClass", b"group"],
                       ["cn", f"GS-Big-{a.big_group}".encode()],
                       ["sAMAccountName", f"GS-Big-{a.big_group}".encode()],
                       ["groupType", b"-2147483646"]]
            g.attrs += [["member", p.dn.encode()] for p in people[:a.big_group]]
            groups.append(g)
            extra.append(g)
            report["added"].append(g.dn)

    # DN-valued links must point at existing objects (Samba checks, as AD
    # does): a mailbox database that homeMDB names is created as a plain
    # container, with its parents, in the Configuration partition.
    infra = []
    allk = existing | {key(r.dn) for r in others + groups}
    for r in others:
        for v in r.values("homeMDB"):
            t = v.decode("utf-8", "replace")
            if key(t) not in allk:
                infra.append(container(t))
                allk.add(key(t))
                report["link_targets_added"].append(t)

    # Parents before children; a missing parent OU/container is added.
    for r in list(infra + others + groups):
        p = parent(r.dn)
        while p and key(p) not in allk:
            infra.append(container(p))
            allk.add(key(p))
            report["parents_added"].append(p)
            p = parent(p)
    infra.sort(key=lambda r: r.dn.count(","))
    others.sort(key=lambda r: r.dn.count(","))  # stable: input order kept
    others = infra + others

    # Members must exist; groups that contain groups come after them.
    for g in groups:
        for v in g.values("member"):
            if key(v.decode("utf-8", "replace")) not in allk:
                g.drop("member", v)
                report["members_dropped"] += 1
    gk = {key(g.dn): g for g in groups}
    done, ordered = set(), []

    def visit(g, path):
        k = key(g.dn)
        if k in done or k in path:
            return
        path.add(k)
        for v in g.values("member"):
            m = gk.get(key(v.decode("utf-8", "replace")))
            if m is not None:
                visit(m, path)
        done.add(k)
        ordered.append(g)

    for g in groups:
        visit(g, set())

    out = sys.stdout
    for r in others + ordered:
        write(out, r)
    report["loaded"] = len(others) + len(ordered)
    if a.extra:
        with open(a.extra, "w", encoding="utf-8") as f:
            for r in extra:
                write(f, r)
    if a.modify:
        with open(a.modify, "w", encoding="utf-8") as f:
            for dn, name, v in system:
                if key(dn) in existing or not any(key(dn) == key(r.dn) for r in kept):
                    continue
                f.write(ldif_line("dn", dn.encode()) + "\nchangetype: modify\n"
                        f"replace: {name}\n" + ldif_line(name, v) + "\n-\n\n")
                report["system_values_set"].append({"dn": dn, "attribute": name})
    if a.report:
        with open(a.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    print(f"adapt-ldif: {report['loaded']} entries; computed attributes dropped: "
          f"{report['computed_dropped']}; {len(report['skipped_existing'])} existing skipped; "
          f"{len(report['refused_values'])} values AD refuses dropped; "
          f"{report['members_dropped']} unknown members dropped", file=sys.stderr)


if __name__ == "__main__":
    main()
