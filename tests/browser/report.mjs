// Opens an HTML report in headless Chromium and checks it as a reader
// would see it: the summary and charts are there, the findings table
// filters and sorts, hostile directory values are text, nothing ran that
// should not (no dialog, no CSP violation, no exception, no console
// error) and no network request was made.  TAP output; exit 77 (skip)
// without Chromium.
//
//   node report.mjs REPORT.html [--screenshot FILE.png] [--bench]
//
// --bench only measures how long the first screen of findings takes to
// appear (for BENCHMARKS.md) and checks the basics.
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { launch, openPage, waitFor, evaluate } from "./cdp.mjs";

const argv = process.argv.slice(2);
const report = argv[0];
const shotAt = argv.indexOf("--screenshot");
const screenshot = shotAt >= 0 ? argv[shotAt + 1] : null;
const bench = argv.includes("--bench");
const exe = process.env.CHROMIUM || "/usr/bin/chromium";

let n = 0, failed = 0;
function ok(cond, what, detail) {
  n++;
  if (cond) { console.log(`ok ${n} - ${what}`); } else {
    failed++;
    console.log(`not ok ${n} - ${what}`);
    if (detail !== undefined) { console.log(`#   ${JSON.stringify(detail)}`); }
  }
}
function is(got, want, what) { ok(got === want, what, got === want ? undefined : { got, want }); }

if (!report || !existsSync(report)) {
  console.error("usage: node report.mjs REPORT.html [--screenshot FILE.png] [--bench]");
  process.exit(2);
}
if (!existsSync(exe)) {
  console.log(`1..0 # SKIP no Chromium at ${exe}`);
  process.exit(77);
}

const url = pathToFileURL(resolve(report)).href;
const browser = await launch(["--window-size=1400,1000"]);
try {
  const page = await openPage(browser);
  // A payload that ran would block the page with a dialog: record it
  // (Page.javascriptDialogOpening below) and dismiss it.
  browser.on((msg) => {
    if (msg.method === "Page.javascriptDialogOpening" && msg.sessionId === page.sessionId) {
      page.send("Page.handleJavaScriptDialog", { accept: false }).catch(() => {});
    }
  });
  await page.send("Page.enable");
  await page.send("Runtime.enable");
  await page.send("Log.enable");
  await page.send("Network.enable");
  // Runs before the report's own script, whatever its CSP says.
  await page.send("Page.addScriptToEvaluateOnNewDocument", {
    source: `window.__violations = [];
      document.addEventListener("securitypolicyviolation",
        (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
      window.__marks = {};
      new MutationObserver(() => {
        const m = window.__marks;
        if (!m.row && document.querySelector("#findings-table tbody tr")) { m.row = performance.now(); }
        const c = document.getElementById("findings-count");
        if (!m.ready && c && /^[0-9]+ findings$/.test(c.textContent)) { m.ready = performance.now(); }
      }).observe(document, { subtree: true, childList: true, characterData: true });`,
  });
  await page.send("Emulation.setDeviceMetricsOverride",
    { width: 1400, height: 1000, deviceScaleFactor: 1, mobile: false });

  const t0 = Date.now();
  const load = waitFor(page, "Page.loadEventFired", 60000);
  await page.send("Page.navigate", { url });
  await load;
  await evaluate(page, `new Promise((res) => { const t = () => window.__marks.ready ? res(true) : setTimeout(t, 10); t(); })`);
  const wall = Date.now() - t0;
  // Milliseconds since navigation start, measured in the page.
  const m = await evaluate(page, `(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return { fcp: fcp ? Math.round(fcp.startTime) : -1, row: Math.round(window.__marks.row),
        ready: Math.round(window.__marks.ready), dcl: Math.round(nav.domContentLoadedEventEnd),
        load: Math.round(nav.loadEventEnd) }; })()`);
  const firstScreen = Math.max(m.fcp, m.row);
  console.log(`# first paint ${m.fcp} ms, first page of findings ${m.row} ms, every finding loaded and the filters ready ${m.ready} ms ` +
    `(DOMContentLoaded ${m.dcl} ms, load ${m.load} ms; ${wall} ms from navigate to ready)`);
  if (bench) {
    ok(firstScreen < 3000, `first screen (summary and the first page of findings) in under 3 s (${firstScreen} ms)`);
  }

  // ---- the summary, readable without the script -------------------------
  is(await evaluate(page, `document.querySelector("#summary h2").textContent`), "Summary", "summary section first");
  ok(await evaluate(page, `document.querySelector("section").id === "summary"`), "summary is the first section");
  ok(await evaluate(page, `document.querySelectorAll("#summary svg").length`) >= 3, "three SVG charts");
  ok(await evaluate(page, `document.querySelectorAll("#summary svg rect").length`) >= 3, "the charts have bars");
  ok(await evaluate(page, `[...document.querySelectorAll("#summary svg rect")].every(r => r.getBBox().width > 0)`), "bars are drawn");
  ok(await evaluate(page, `document.querySelector("dl.facts").innerText.includes("Objects read")`), "scan facts shown");
  const total = await evaluate(page, `JSON.parse(document.getElementById("findings-data").textContent).rows.length`);
  ok(total > 0, `the data block parses (${total} rows)`);
  is(await evaluate(page, `document.getElementById("findings-count").textContent`), `${total} findings`, "count shown");

  if (bench) {
    // Interaction at this size: a filter, a sort, a text search.
    const timed = (code) => evaluate(page, `(() => { const t = performance.now(); ${code}; return Math.round(performance.now() - t); })()`);
    const filter = await timed(`const s = document.getElementById("filter-rule"); s.value = s.options[1].value; s.dispatchEvent(new Event("change"))`);
    await timed(`const s = document.getElementById("filter-rule"); s.value = ""; s.dispatchEvent(new Event("change"))`);
    const sort = await timed(`document.querySelectorAll("#findings-table th button")[4].click()`);
    const search = await evaluate(page, `new Promise((res) => { const t = performance.now(); const i = document.getElementById("filter-text");
        i.value = "zz-no-such-text"; i.dispatchEvent(new Event("input"));
        const w = () => document.getElementById("findings-count").textContent.startsWith("0 of") ? res(Math.round(performance.now() - t - 150)) : setTimeout(w, 5); w(); })`);
    console.log(`# rule filter ${filter} ms, sort by value ${sort} ms, first text search ${search} ms (after the 150 ms debounce)`);
    ok(filter < 1000 && sort < 3000 && search < 3000, "filter, sort and search respond");
  }

  if (!bench) {
    // ---- hostile values are text ----------------------------------------
    is(await evaluate(page, `document.querySelectorAll("img, iframe, object, embed").length`), 0, "no element from a directory value");
    is(await evaluate(page, `document.scripts.length`), 3, "only the report's script and its two data blocks");
    is(await evaluate(page, `document.title`), "Entra Connect readiness: DC=example,DC=com", "title");
    const cells = await evaluate(page, `[...document.querySelectorAll("#findings-table td")].map(td => td.textContent)`);
    ok(cells.includes("<img src=x onerror=alert(1)>"), "img payload shown as text in the table");
    ok(cells.includes("</script><script>alert(2)</script>"), "script breaker shown as text");
    ok(cells.includes("<!-- comment --> -->"), "comment opener shown as text");
    ok(cells.includes("line1\u240d\u240aline2"), "CR LF shown as control pictures");
    ok(cells.includes("bad \ufffd byte"), "invalid UTF-8 shown as U+FFFD");
    ok(await evaluate(page, `document.querySelector("header .sub").textContent.includes("<script>alert(3)</script>")`), "label shown as text");

    // ---- filtering and sorting -------------------------------------------
    const rowsShown = `document.querySelectorAll("#findings-table tbody tr").length`;
    const setSelect = (id, v) => evaluate(page, `(() => { const s = document.getElementById(${JSON.stringify(id)});
        s.value = ${JSON.stringify(v)}; s.dispatchEvent(new Event("change")); return s.value; })()`);
    is(await setSelect("filter-severity", "warning"), "warning", "severity filter offers warning");
    is(await evaluate(page, rowsShown), 1, "severity filter: one warning");
    ok((await evaluate(page, `document.getElementById("findings-count").textContent`)).startsWith("1 of"), "count says 1 of N");
    await setSelect("filter-severity", "");
    is(await setSelect("filter-rule", "proxyaddresses.duplicate"), "proxyaddresses.duplicate", "rule filter offers the rule");
    is(await evaluate(page, rowsShown), 3, "rule filter: three duplicates");
    await setSelect("filter-rule", "");
    is(await setSelect("filter-attribute", "userprincipalname"), "userprincipalname", "attribute filter offers the attribute");
    is(await evaluate(page, rowsShown), 1, "attribute filter: one UPN");
    await setSelect("filter-attribute", "");
    await evaluate(page, `(() => { const t = document.getElementById("filter-text"); t.value = "SHARED@EXAMPLE";
        t.dispatchEvent(new Event("input")); })()`);
    await new Promise((r) => setTimeout(r, 400));
    is(await evaluate(page, rowsShown), 3, "text filter (case-insensitive)");
    await evaluate(page, `(() => { const t = document.getElementById("filter-text"); t.value = "onerror";
        t.dispatchEvent(new Event("input")); })()`);
    await new Promise((r) => setTimeout(r, 400));
    is(await evaluate(page, rowsShown), 1, "text filter finds the hostile value");
    await evaluate(page, `(() => { const t = document.getElementById("filter-text"); t.value = "";
        t.dispatchEvent(new Event("input")); })()`);
    await new Promise((r) => setTimeout(r, 400));
    is(await evaluate(page, rowsShown), Math.min(total, 100), "filters cleared");
    // Sort by severity, descending: info first.
    await evaluate(page, `document.querySelector("#findings-table th button").click()`);
    await evaluate(page, `document.querySelector("#findings-table th button").click()`);
    is(await evaluate(page, `document.querySelector("#findings-table tbody td").textContent`), "info", "sort by severity, descending");
    is(await evaluate(page, `document.querySelector("#findings-table th").getAttribute("aria-sort")`), "descending", "aria-sort set");

    // ---- duplicates side by side -----------------------------------------
    is(await evaluate(page, `document.querySelectorAll("#duplicates .dup").length`), 2, "two duplicate groups");
    is(await evaluate(page, `[...document.querySelectorAll("#duplicates .dup")].map((g) => g.querySelectorAll("tbody tr").length).join()`),
      "3,2", "with their three and two holders");
    ok(await evaluate(page, `document.querySelector("#duplicates").textContent.includes("CN=Dup C <b>x</b>")`), "holder DN as text");

    // ---- comparison ------------------------------------------------------
    ok(await evaluate(page, `document.querySelector("#comparison") !== null`), "comparison section");
    is(await evaluate(page, `[...document.querySelectorAll("#comparison .card")].map((c) => c.querySelector(".n").textContent + " " + c.lastChild.textContent).join("; ")`),
      "1 fixed since then; 1 still open; 20 new; 1 gone with their object", "fixed, open, new and gone counted");
    is(await evaluate(page, `[...document.querySelectorAll("#comparison tbody tr")].map((r) => r.cells[0].textContent + " " + r.cells[1].textContent).join("; ")`),
      "object gone CN=Deleted,OU=Users,DC=example,DC=com; fixed CN=Fixed,OU=Users,DC=example,DC=com", "fixed and gone findings listed");
  }

  if (!bench) {
    // ---- print: controls hidden, the summary kept ---------------------------
    await page.send("Emulation.setEmulatedMedia", { media: "print" });
    is(await evaluate(page, `getComputedStyle(document.getElementById("findings-controls")).display`), "none", "print hides the filters");
    ok(await evaluate(page, `getComputedStyle(document.querySelector("#summary svg")).display !== "none"`), "print keeps the charts");
    await page.send("Emulation.setEmulatedMedia", { media: "" });
    const pdf = await page.send("Page.printToPDF", { printBackground: true });
    ok(Buffer.from(pdf.data, "base64").subarray(0, 5).toString() === "%PDF-", "prints to PDF");
  }

  if (screenshot) {
    await evaluate(page, `(() => { for (const s of ["filter-rule", "filter-severity", "filter-attribute"]) {
        const e = document.getElementById(s); e.value = ""; e.dispatchEvent(new Event("change")); } window.scrollTo(0, 0); })()`);
    const { data } = await page.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: 1400, height: await evaluate(page, `Math.min(2400, document.documentElement.scrollHeight)`), scale: 1 } });
    writeFileSync(screenshot, Buffer.from(data, "base64"));
    console.log(`# screenshot written to ${screenshot}`);
  }

  // ---- nothing that should not happen -----------------------------------
  const ev = page.events;
  const dialogs = ev.filter((e) => e.method === "Page.javascriptDialogOpening");
  is(dialogs.length, 0, "no dialog opened (no payload ran)");
  const exceptions = ev.filter((e) => e.method === "Runtime.exceptionThrown");
  is(exceptions.length, 0, "no uncaught exception");
  const consoleErrors = ev.filter((e) => (e.method === "Runtime.consoleAPICalled" && (e.params.type === "error" || e.params.type === "warning"))
    || (e.method === "Log.entryAdded" && (e.params.entry.level === "error" || e.params.entry.level === "warning")));
  ok(consoleErrors.length === 0, "no console error or warning", consoleErrors.map((e) => e.params.entry ? e.params.entry.text : e.params.args));
  const violations = await evaluate(page, `window.__violations`);
  ok(violations.length === 0, "no Content-Security-Policy violation", violations);
  const requests = ev.filter((e) => e.method === "Network.requestWillBeSent").map((e) => e.params.request.url);
  ok(requests.every((u) => u === url), "no request other than the report itself", requests);
  ok(await evaluate(page, `document.querySelector('meta[http-equiv="Content-Security-Policy"]').content.startsWith("default-src 'none'")`),
    "CSP meta tag: default-src 'none'");
  if (!bench) {
    // ---- without JavaScript: the summary still reads --------------------------
    const bare = await openPage(browser);
    await bare.send("Page.enable");
    await bare.send("Emulation.setScriptExecutionDisabled", { value: true });
    const loaded = waitFor(bare, "Page.loadEventFired", 60000);
    await bare.send("Page.navigate", { url });
    await loaded;
    ok((await evaluate(bare, `document.querySelector("#summary").innerText`)).includes("Objects read"), "without JavaScript: summary readable");
    ok(await evaluate(bare, `document.querySelectorAll("#summary svg rect").length`) >= 3, "without JavaScript: charts drawn");
    ok(await evaluate(bare, `document.querySelectorAll("#duplicates .dup").length`) >= 1, "without JavaScript: duplicate groups shown");
    is(await evaluate(bare, `document.getElementById("findings-controls").hidden`), true, "without JavaScript: no dead filter controls");
  }
} catch (e) {
  ok(false, `browser session: ${e.message}`);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed === 0 ? 0 : 1);
