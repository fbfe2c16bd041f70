#!/usr/bin/env python3
"""Prints an LDIF (ldapsearch, ldbsearch, a generator) the way ad-dump
prints the scanner's entries, one value a line: DN TAB attribute TAB value
(base64 decoded; control bytes and backslash as \\xHH), so the two can be
compared with sort and diff.

    ldif2tsv.py [FILE]      (default: standard input)
"""
import os
import signal
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ldifutil import escape, read_ldif  # noqa: E402

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # | head is fine
out = sys.stdout.buffer
for r in read_ldif(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin"):
    dn = escape(r.dn.encode())
    for name, v in r.attrs:
        out.write(dn + b"\t" + name.encode() + b"\t" + escape(v) + b"\n")
