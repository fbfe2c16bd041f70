"""The small LDIF reader the AD suite's Python helpers share: the plain
content records that generators, ldapsearch and ldbsearch write (folded
lines, base64 with '::', comments), values as bytes."""
import base64
import sys


def fail(msg):
    print(f"{sys.argv[0].rsplit('/', 1)[-1]}: {msg}", file=sys.stderr)
    sys.exit(1)


class Record:
    def __init__(self, dn, line):
        self.dn = dn
        self.line = line
        self.attrs = []  # [name, bytes]

    def values(self, name):
        n = name.lower()
        return [v for a, v in self.attrs if a.lower() == n]

    def drop(self, name, value=None):
        n = name.lower()
        self.attrs = [[a, v] for a, v in self.attrs
                      if not (a.lower() == n and (value is None or v == value))]

    def classes(self):
        return [v.decode("utf-8", "replace").lower()
                for v in self.values("objectClass")]


def read_ldif(path):
    recs, lines, start = [], [], 0
    with open(path, "rb") as f:
        raw = f.read().split(b"\n")
    # unfold: a line starting with one space continues the previous one
    logical = []
    for no, l in enumerate(raw, 1):
        l = l.rstrip(b"\r")
        if l.startswith(b" ") and logical and logical[-1][1] != b"":
            logical[-1][1] += l[1:]
        else:
            logical.append([no, l])
    cur = None
    skipping = False
    for no, l in logical + [[len(raw) + 1, b""]]:
        if l.startswith(b"#"):
            continue
        if l == b"":
            if cur is not None:
                recs.append(cur)
                cur = None
            skipping = False
            continue
        name, sep, rest = l.partition(b":")
        if not sep:
            fail(f"{path}:{no}: not an LDIF line")
        name = name.decode("ascii", "replace")
        if rest.startswith(b":"):
            try:
                val = base64.b64decode(rest[1:].strip(), validate=True)
            except Exception:
                fail(f"{path}:{no}: bad base64 in {name}")
        elif rest.startswith(b"<"):
            fail(f"{path}:{no}: URL values are not supported")
        else:
            val = rest[1:] if rest.startswith(b" ") else rest
        if cur is None:
            if name.lower() == "version" or skipping:
                continue
            if name.lower() in ("ref", "search", "result", "matcheddn",
                                "text", "control"):
                # a search reference or result record (ldapsearch, ldbsearch)
                skipping = True
                continue
            if name.lower() != "dn":
                fail(f"{path}:{no}: record does not start with dn:")
            cur = Record(val.decode("utf-8"), no)
        elif name.lower() == "changetype":
            fail(f"{path}:{no}: {cur.dn}: change records are not supported")
        else:
            cur.attrs.append([name, val])
    return recs




def escape(v):
    """Bytes as ad-dump prints them: control bytes, DEL and backslash as
    \\xHH, everything else (UTF-8 included) as it is."""
    out = bytearray()
    for c in v:
        if c < 0x20 or c == 0x7F or c == 0x5C:
            out += b"\\x%02x" % c
        else:
            out.append(c)
    return bytes(out)
