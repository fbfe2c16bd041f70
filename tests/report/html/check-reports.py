#!/usr/bin/env python3
"""Checks report-demo's JSON and HTML reports with Python's own parsers:
the JSON parses and carries every hostile value exactly (invalid UTF-8
as U+FFFD), the HTML's CSP hashes match its <style> and <script>, the
embedded findings block parses as JSON, and no directory value appears
as markup.  TAP output.

usage: check-reports.py REPORT-DEMO
"""
import base64
import hashlib
import html.parser
import json
import os
import subprocess
import sys
import tempfile

n = 0
failed = 0


def ok(cond, what, detail=None):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what))
    if not cond:
        failed += 1
        if detail is not None:
            print("#   %r" % (detail,))


# The values demo.c writes (bytes), and what the reports must show.
HOSTILE = [
    b"<img src=x onerror=alert(1)>",
    b"</script><script>alert(2)</script>",
    b"<!-- comment --> -->",
    "Müller, Jürgen \"JJ\" 😀".encode(),
    b"=HYPERLINK(\"http://x.invalid\")",
    b"+49 30 1234",
    b"-Old-",
    b"@home",
    b"\tTabbed",
    b"'quoted",
    b"line1\r\nline2",
    b"bad \xff byte",
    "\u2028separator".encode(),
]


class Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.stack = []
        self.styles = []
        self.scripts = []
        self.meta = {}
        self.attrs = set()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.stack.append((tag, dict(attrs)))
        self.attrs.update(k for k, _ in attrs)
        self.hrefs.extend(v for k, v in attrs if k in ("href", "src", "action"))
        if tag == "meta":
            a = dict(attrs)
            if a.get("http-equiv"):
                self.meta[a["http-equiv"].lower()] = a.get("content")

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "style":
            self.styles.append(data)
        elif self.stack and self.stack[-1][0] == "script":
            self.scripts.append((self.stack[-1][1], data))


def main():
    demo = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([demo, d], check=True)
        raw = open(os.path.join(d, "report.json"), "rb").read()
        page = open(os.path.join(d, "report.html"), "rb").read()
        changes = open(os.path.join(d, "changes.ldif"), "rb").read()
        undo = open(os.path.join(d, "changes-undo.ldif"), "rb").read()

    # ---- JSON -----------------------------------------------------------
    ok(raw.decode("utf-8", "strict") is not None, "JSON report is valid UTF-8")
    doc = json.loads(raw)
    ok(doc["format"] == "syncready-report" and doc["format_version"] == 1, "format and version")
    scan = doc["scan"]
    ok(scan["id"] == 2 and scan["state"] == "complete", "scan id and state")
    ok(scan["label"] == "Contoso <script>alert(3)</script> pre-migration", "label exact")
    ok(scan["compared_with"] == 1, "compared_with")
    ok({s["reason"] for s in doc["skipped"]} == {"system object (isCriticalSystemObject)", "<b>reason</b> & more"},
       "skipped reasons")
    ok(doc["counts"] == [{"name": "objects with <i>mS-DS-ConsistencyGuid</i>", "count": 2}], "the rules' counters",
       doc["counts"])
    fields = ["distinguished_name", "common_name", "object_class", "attribute", "error", "value", "update",
              "proposed_action", "action", "rule", "severity", "object_guid", "status"]
    ok(all(list(f.keys()) == fields for f in doc["findings"]), "every finding has the documented fields in order")
    values = [f["value"] for f in doc["findings"] if f["rule"] == "displayname.character"]
    want = [v.decode("utf-8", "replace") for v in HOSTILE]
    for v in want:
        ok(v in values, "JSON value exact: %r" % v)
    ok(len(doc["findings"]) == len(HOSTILE) + 8, "finding count", len(doc["findings"]))
    ok({f["status"] for f in doc["findings"]} == {"new", "open"}, "status filled when compared")
    ok([(f["distinguished_name"], f["status"]) for f in doc["fixed"]] ==
       [("CN=Deleted,OU=Users,DC=example,DC=com", "gone"), ("CN=Fixed,OU=Users,DC=example,DC=com", "fixed")],
       "fixed findings listed with fixed/gone", doc["fixed"])
    ok(list(doc.keys()) == ["format", "format_version", "scan", "skipped", "counts", "findings", "fixed"], "top-level keys")
    ok(scan["errors"] + scan["warnings"] + scan["infos"] == len(doc["findings"]), "severity counts add up")

    # ---- HTML -----------------------------------------------------------
    text = page.decode("utf-8", "strict")
    ok(True, "HTML report is valid UTF-8")
    p = Collect()
    p.feed(text)
    p.close()
    csp = p.meta.get("content-security-policy", "")
    ok(csp.startswith("default-src 'none';"), "CSP default-src 'none'", csp)
    ok("'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, "no unsafe-inline or unsafe-eval")
    style = "".join(p.styles)
    h = "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    ok("style-src '%s'" % h in csp, "style hash matches the <style> block", (h, csp))
    code = [s for a, s in p.scripts if "type" not in a]
    ok(len(code) == 1, "one executable script")
    h = "sha256-" + base64.b64encode(hashlib.sha256(code[0].encode()).digest()).decode()
    ok("script-src '%s'" % h in csp, "script hash matches the <script> block", (h, csp))
    data = {a.get("id"): s for a, s in p.scripts if a.get("type") == "application/json"}
    ok(sorted(data) == ["findings-data", "findings-first"], "two JSON data blocks")
    block = json.loads(data["findings-data"])
    first = json.loads(data["findings-first"])
    ok(first["total"] == block["total"] == len(block["rows"]), "both blocks know the total")
    ok([[first["strings"][i] for i in r] for r in first["rows"]] ==
       [[block["strings"][i] for i in r] for r in block["rows"][:100]], "the first block is the first page")
    strings = block["strings"]
    ok(strings[0] is None, "string 0 is null")
    rows = [[strings[i] for i in r] for r in block["rows"]]
    ok(len(rows) == len(doc["findings"]), "data block has every finding")
    cols = [c.lower() for c in block["columns"]]
    json_rows = [[f[k] for k in fields] for f in doc["findings"]]
    ok(cols == [k.replace("_", "") for k in fields], "data block columns are the CSV's")
    ok(rows == json_rows, "data block rows equal the JSON report's findings, in order")
    col = block["columns"].index("VALUE")
    ok(all(v in [r[col] for r in rows] for v in want), "data block values exact")
    ok(set(p.tags) <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "p", "section", "h2", "dl",
                       "dt", "dd", "div", "span", "figure", "figcaption", "h3", "svg", "title", "g", "text", "rect",
                       "table", "thead", "tbody", "tr", "th", "td", "code", "ul", "li", "strong", "noscript",
                       "label", "select", "option", "input", "button", "script", "nav", "a"},
       "only the report's own elements", sorted(set(p.tags)))
    ok(p.tags.count("script") == 3, "three script elements")
    ok(text.count("</script") == 3, "</script appears only as the three end tags")
    ok("<!--" not in text, "no <!-- anywhere")
    ok("<img" not in text, "no <img anywhere")
    ok(not any(k.startswith("on") for k in p.attrs), "no event handler attribute", sorted(p.attrs))
    ok(all(h.startswith("#") for h in p.hrefs), "links only within the page", p.hrefs)
    ok("Contoso &lt;script&gt;alert(3)&lt;/script&gt; pre-migration" in text, "label escaped in the summary")
    ok("<td>objects with &lt;i&gt;mS-DS-ConsistencyGuid&lt;/i&gt;</td><td class=\"num\">2</td>" in text,
       "the rules' counters in the summary, escaped")

    # ---- LDIF -----------------------------------------------------------
    ok(b"\ncn:" not in changes, "no cn: line in the change file")
    ok(changes.count(b"changetype: modify") == undo.count(b"changetype: modify"), "one undo record per change")
    for line in changes.splitlines() + undo.splitlines():
        if line.startswith(b" ") or line.startswith(b"#") or not line or line == b"-":
            continue
        name, _, value = line.partition(b":")
        if value.startswith(b":"):
            continue
        v = value[1:]
        if v and (v[0:1] in (b" ", b":", b"<") or any(c > 0x7e or c < 0x20 for c in v)):
            ok(False, "value needing base64 written plain: %r" % line)
            break
    else:
        ok(True, "every value needing base64 is base64")

    print("1..%d" % n)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
