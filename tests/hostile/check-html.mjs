// Opens the HTML report of a hostile directory in headless Chromium
// (tests/browser/cdp.mjs) and checks that none of its payloads did
// anything: no dialog, no exception, no console error or warning, no CSP
// violation, no request other than the file itself, no element made from
// a directory value; that the data block parses and holds every finding;
// and that the payloads are there as text.  TAP on stdout.
//
//   node check-html.mjs REPORT.html ROWS PAYLOADS.json LABEL
//
// ROWS: how many findings the report must hold (the CSV's row count).
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { launch, openPage, waitFor, evaluate } from "../browser/cdp.mjs";

const [report, rowsArg, payloadsFile, label] = process.argv.slice(2);
const exe = process.env.CHROMIUM || "/usr/bin/chromium";
let n = 0, failed = 0;
function ok(cond, what, detail) {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${what}`);
  if (!cond) {
    failed++;
    if (detail !== undefined) { console.log(`#   ${JSON.stringify(detail).slice(0, 2000)}`); }
  }
}
function is(got, want, what) { ok(got === want, what, got === want ? undefined : { got, want }); }

if (!report || !existsSync(report) || !payloadsFile || label === undefined) {
  console.log("Bail out! usage: node check-html.mjs REPORT.html ROWS PAYLOADS.json LABEL");
  process.exit(1);
}
if (!existsSync(exe)) {
  // Not a skip: scripts/bootstrap installs Chromium, and this is the test.
  console.log(`Bail out! no Chromium at ${exe} (run scripts/bootstrap)`);
  process.exit(1);
}
const payloads = JSON.parse(readFileSync(payloadsFile, "utf8"));
const url = pathToFileURL(resolve(report)).href;
const browser = await launch(["--window-size=1400,1000"]);
try {
  const page = await openPage(browser);
  browser.on((msg) => {
    if (msg.method === "Page.javascriptDialogOpening" && msg.sessionId === page.sessionId) {
      page.send("Page.handleJavaScriptDialog", { accept: false }).catch(() => {});
    }
  });
  await page.send("Page.enable");
  await page.send("Runtime.enable");
  await page.send("Log.enable");
  await page.send("Network.enable");
  // Records what a payload could try before the report's own script runs:
  // CSP violations, elements added to the document, window.alert & co.
  await page.send("Page.addScriptToEvaluateOnNewDocument", {
    source: `window.__violations = []; window.__calls = [];
      document.addEventListener("securitypolicyviolation",
        (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
      for (const f of ["alert", "confirm", "prompt", "open", "print"]) {
        const orig = window[f];
        window[f] = function () { window.__calls.push(f); return orig.apply(this, arguments); };
      }`,
  });
  const load = waitFor(page, "Page.loadEventFired", 120000);
  await page.send("Page.navigate", { url });
  await load;
  await evaluate(page, `new Promise((res) => {
      const t = () => document.querySelector("#findings-table tbody tr") ? res(true) : setTimeout(t, 20);
      t(); })`);

  const total = await evaluate(page, `JSON.parse(document.getElementById("findings-data").textContent).rows.length`);
  is(total, Number(rowsArg), "the data block parses and holds every finding of the CSV");
  is(await evaluate(page, `document.getElementById("findings-count").textContent`), `${total} findings`, "count shown");
  is(await evaluate(page, `document.querySelectorAll("img, iframe, object, embed, style:not(head style), svg[onload], [onerror], [onload]").length`),
    0, "no element or handler made from a directory value");
  is(await evaluate(page, `document.scripts.length`), 3, "only the report's own script and its two data blocks");
  ok(await evaluate(page, `document.querySelector("header .sub").textContent.includes(${JSON.stringify(label)})`),
    "the hostile label is shown as text");
  ok(await evaluate(page, `document.title.includes("DC=hostile,DC=test") || document.title.length > 0`), "a title");

  // Each HTML payload, found with the text filter, is in a cell as text.
  for (const p of payloads.html) {
    const needle = p.trim().slice(0, 12);
    const found = await evaluate(page, `new Promise((res) => {
        const t = document.getElementById("filter-text");
        t.value = ${JSON.stringify(needle)};
        t.dispatchEvent(new Event("input"));
        setTimeout(() => res([...document.querySelectorAll("#findings-table td")]
          .some((td) => td.textContent.includes(${JSON.stringify(needle)}))), 500); })`);
    ok(found, `payload shown as text: ${JSON.stringify(needle)}`);
  }
  // The duplicate groups hold a payload holder's cn and value as text.
  ok(await evaluate(page, `(document.querySelector("#duplicates") || {textContent: ""}).textContent.includes("dup-<script>@hostile.contoso.com")`),
    "duplicate group value shown as text");

  // Every page of the table renders (the pager walks 1,000 rows a page).
  const pages = await evaluate(page, `new Promise((res) => {
      const s = document.getElementById("page-size");
      const t = document.getElementById("filter-text");
      t.value = ""; t.dispatchEvent(new Event("input"));
      setTimeout(() => {
        s.value = [...s.options].map((o) => o.value).pop();
        s.dispatchEvent(new Event("change"));
        let k = 0;
        const next = document.getElementById("page-next");
        while (!next.disabled && k < 100000) { next.click(); k++; }
        res(k + 1);
      }, 400); })`);
  ok(pages >= 1, `all ${pages} pages of the table rendered`);

  const ev = page.events;
  is(ev.filter((e) => e.method === "Page.javascriptDialogOpening").length, 0, "no dialog opened (no payload ran)");
  is((await evaluate(page, `window.__calls`)).length, 0, "no alert/confirm/prompt/open/print called");
  const exc = ev.filter((e) => e.method === "Runtime.exceptionThrown");
  ok(exc.length === 0, "no uncaught exception", exc.map((e) => e.params.exceptionDetails.text));
  const errs = ev.filter((e) => (e.method === "Runtime.consoleAPICalled" && (e.params.type === "error" || e.params.type === "warning"))
    || (e.method === "Log.entryAdded" && (e.params.entry.level === "error" || e.params.entry.level === "warning")));
  ok(errs.length === 0, "no console error or warning", errs.map((e) => e.params.entry ? e.params.entry.text : e.params.args));
  const v = await evaluate(page, `window.__violations`);
  ok(v.length === 0, "no Content-Security-Policy violation", v);
  const req = ev.filter((e) => e.method === "Network.requestWillBeSent").map((e) => e.params.request.url);
  ok(req.every((u) => u === url), "no request other than the report itself", req);
} catch (e) {
  ok(false, `browser session: ${e.message}`);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed === 0 ? 0 : 1);
