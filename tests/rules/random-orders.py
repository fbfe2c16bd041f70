#!/usr/bin/env python3
"""Random directories (seeded, so reproducible): objects of every type with
hostile values (invalid UTF-8, NUL, surrogates, K and long s, control
characters, prefixes, very long values) scanned by both packs in two
orders.  The rows must be the same and nothing may crash (run it in a
sanitizer build to also catch memory errors).

Usage: random-orders.py GOLDEN-RULES [ROUNDS]
"""
import base64
import os
import random
import subprocess
import sys
import tempfile

golden = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
random.seed(11)
SINGLE = ["displayName", "givenName", "mail", "mailNickname", "sAMAccountName",
          "targetAddress", "userPrincipalName", "cn", "sn", "homeMDB", "groupType",
          "msExchRecipientTypeDetails", "isCriticalSystemObject",
          "msExchHideFromAddressLists"]
PIECES = [b"smtp:", b"SMTP:", b"X400:", b"x.500:", b"sip:", b"@", b".", b":", b" ",
          b"\t", b"\n", b"\xff", b"\xc3\xa9", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80",
          b"\x00", b"a", b"Z", b"..", b"(", b'"', b"\\", b"\xe2\x80\xaf", b"-1",
          b"8388608", b"TRUE", b"krbtgt", b"\xe2\x84\xaa", b"\xc5\xbf", b"$",
          b"contoso.com", b"x@y.com"]


def value():
    v = b"".join(random.choice(PIECES) for _ in range(random.randint(1, 12)))
    return v * 50 if random.random() < 0.05 else v


rc = 0
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "random.ldif")
    for r in range(rounds):
        out = []
        for n in range(300):
            out.append("dn: CN=o%d,DC=x,DC=com" % n)
            out.append("objectClass: top")
            out.append("objectClass: " + random.choice(
                ["user", "contact", "group", "inetOrgPerson"]))
            # Single-valued attributes once (as AD holds them), so only
            # the order of objects and of proxyAddresses values varies.
            for a in random.sample(SINGLE, random.randint(0, len(SINGLE))):
                out.append("%s:: %s" % (a, base64.b64encode(value()).decode()))
            for _ in range(random.randint(0, 6)):
                out.append("proxyAddresses:: %s" % base64.b64encode(value()).decode())
            out.append("")
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")
        for pack in ("multi-tenant", "dedicated"):
            p = subprocess.run([golden, pack, path, "--orders"], capture_output=True,
                               text=True, errors="replace")
            last = p.stdout.strip().splitlines()[-1:] or [""]
            ok = p.returncode == 0
            print("%s round %d %s: %s" % ("ok" if ok else "FAIL", r, pack, last[0]))
            if not ok:
                print(p.stdout[-2000:], p.stderr[-2000:])
                rc = 1
sys.exit(rc)
