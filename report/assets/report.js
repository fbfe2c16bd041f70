"use strict";
/* The findings table of a syncready HTML report: reads the rows from the
 * JSON blocks, filters, sorts and shows one page at a time, building every
 * cell with textContent so that no directory value is ever parsed as HTML.
 * This script runs before the browser has read the block of every row: it
 * shows the first page from a small block at once, and the rest when the
 * document is complete. */
(function () {
  var firstEl = document.getElementById("findings-first");
  var table = document.getElementById("findings-table");
  if (!firstEl || !table) { return; }
  var data = JSON.parse(firstEl.textContent);
  /* Each row holds indexes into the string table (0: null). */
  var rows = data.rows, S = data.strings, total = data.total;
  var C = {};
  data.columns.forEach(function (name, i) { C[name] = i; });
  var SHOWN = ["SEVERITY", "RULE", "ERROR", "ATTRIBUTE", "VALUE", "UPDATE",
    "PROPOSEDACTION", "ACTION", "DISTINGUISHEDNAME", "OBJECTCLASS"];
  if (data.compared) { SHOWN.push("STATUS"); }
  var LABEL = { SEVERITY: "Severity", RULE: "Rule", ERROR: "Error",
    ATTRIBUTE: "Attribute", VALUE: "Value", UPDATE: "Proposed value",
    PROPOSEDACTION: "Proposed action", ACTION: "Action",
    DISTINGUISHEDNAME: "Object (DN)", OBJECTCLASS: "Class", STATUS: "Status" };
  var SEVRANK = { error: 0, warning: 1, info: 2 };
  var collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  var state = { rule: "", severity: "", attribute: "", text: "", sort: -1, dir: 1, page: 0, size: 100 };
  var view = rows;
  var haystack = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  /* Controls as visible symbols, as the server-side escaper shows them. */
  function visible(s) {
    if (s === null || s === undefined) { return ""; }
    return String(s).replace(/[\u0000-\u001f\u007f]/g, function (c) {
      var n = c.charCodeAt(0);
      return String.fromCharCode(n === 0x7f ? 0x2421 : 0x2400 + n);
    });
  }
  function distinct(col) {
    var seen = Object.create(null), out = [];
    for (var i = 0; i < rows.length; i++) {
      var v = S[rows[i][col]];
      if (v !== null && !(v in seen)) { seen[v] = 1; out.push(v); }
    }
    return out.sort(collator.compare);
  }
  function fillSelect(id, col) {
    var sel = document.getElementById(id);
    distinct(col).forEach(function (v) {
      var o = el("option", visible(v)); o.value = v; sel.appendChild(o);
    });
    sel.addEventListener("change", function () { state[sel.dataset.key] = sel.value; update(true); });
  }
  function buildHead() {
    var tr = el("tr");
    SHOWN.forEach(function (name) {
      var th = el("th"), b = el("button", LABEL[name]);
      b.type = "button";
      b.addEventListener("click", function () {
        var col = C[name];
        if (state.sort === col) { state.dir = -state.dir; } else { state.sort = col; state.dir = 1; }
        update(false);
      });
      th.appendChild(b); th.dataset.col = C[name]; tr.appendChild(th);
    });
    table.tHead.appendChild(tr);
  }
  function matches(r, i) {
    if (state.rule && S[r[C.RULE]] !== state.rule) { return false; }
    if (state.severity && S[r[C.SEVERITY]] !== state.severity) { return false; }
    if (state.attribute && S[r[C.ATTRIBUTE]] !== state.attribute) { return false; }
    if (state.text) {
      if (!haystack) {
        haystack = rows.map(function (x) {
          return x.map(function (k) { return S[k] === null ? "" : S[k]; }).join("\u0001").toLowerCase();
        });
      }
      if (haystack[i].indexOf(state.text) < 0) { return false; }
    }
    return true;
  }
  function compareRows(a, b) {
    var col = state.sort, x = S[a[col]], y = S[b[col]];
    var c;
    if (col === C.SEVERITY) { c = (SEVRANK[x] || 0) - (SEVRANK[y] || 0); }
    else { c = collator.compare(x === null ? "" : x, y === null ? "" : y); }
    return c * state.dir;
  }
  function update(refilter) {
    if (refilter) {
      var out = [];
      for (var i = 0; i < rows.length; i++) { if (matches(rows[i], i)) { out.push(rows[i]); } }
      view = out;
      state.page = 0;
    }
    if (state.sort >= 0) {
      /* Stable: equal rows keep the report's DN order. */
      view = view.map(function (r, i) { return [r, i]; })
        .sort(function (a, b) { return compareRows(a[0], b[0]) || a[1] - b[1]; })
        .map(function (p) { return p[0]; });
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var col = Number(th.dataset.col);
      if (col === state.sort) { th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending"); }
      else { th.removeAttribute("aria-sort"); }
    });
    render();
  }
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    if (state.page >= pages) { state.page = pages - 1; }
    var start = state.page * state.size, end = Math.min(view.length, start + state.size);
    var body = document.createElement("tbody");
    for (var i = start; i < end; i++) {
      var r = view[i], tr = el("tr");
      SHOWN.forEach(function (name) {
        var v = S[r[C[name]]], td = el("td", visible(v));
        if (name === "SEVERITY") { td.className = "sev " + v; }
        else if (name === "VALUE" || name === "UPDATE") { td.className = "mono"; }
        else if (name === "STATUS" && v === "new") { td.className = "new"; }
        if (name === "DISTINGUISHEDNAME" && S[r[C.OBJECTGUID]]) { td.title = "objectGUID " + S[r[C.OBJECTGUID]]; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
    document.getElementById("findings-count").textContent =
      rows.length < total ? total + " findings; loading the table\u2026"
        : view.length === rows.length ? rows.length + " findings"
        : view.length + " of " + rows.length + " findings match";
    document.getElementById("page-info").textContent =
      view.length === 0 ? "no rows" : "rows " + (start + 1) + "\u2013" + end + ", page " + (state.page + 1) + " of " + pages;
    document.getElementById("page-prev").disabled = state.page === 0;
    document.getElementById("page-next").disabled = state.page >= pages - 1;
  }

  buildHead();
  render();

  function loadAll() {
    var all = JSON.parse(document.getElementById("findings-data").textContent);
    rows = all.rows; S = all.strings; view = rows;
    haystack = null;
    start();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loadAll);
  } else {
    loadAll();
  }

  function start() {
    fillSelect("filter-rule", C.RULE);
    fillSelect("filter-severity", C.SEVERITY);
    fillSelect("filter-attribute", C.ATTRIBUTE);
    var text = document.getElementById("filter-text"), timer = null;
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.text = text.value.toLowerCase(); update(true); }, 150);
    });
    document.getElementById("page-size").addEventListener("change", function (e) {
      state.size = Number(e.target.value) || 100; state.page = 0; render();
    });
    document.getElementById("page-prev").addEventListener("click", function () { state.page--; render(); });
    document.getElementById("page-next").addEventListener("click", function () { state.page++; render(); });
    document.getElementById("findings-controls").hidden = false;
    document.getElementById("findings-pager").hidden = false;
    update(false);
  }
})();
