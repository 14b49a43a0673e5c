// icestats dashboard: the charts are Vega-Lite specifications made by icestats (the same
// ones the report draws: /api/charts/daily), drawn by vega-embed from /vendor/vega.js,
// served by icestats itself; no other origin. The table shows the answer (/api/daily).
// State lives in the query string (?aor=CHI,NYC&by=&from=&to=), so a URL can be shared.
"use strict";
const $ = (id) => document.getElementById(id);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMBED = { actions: false, renderer: "svg", ast: true, defaultStyle: false,
                tooltip: { disableDefaultStyle: true } };  // ast: no eval under the CSP

function state() {
  const q = new URLSearchParams(location.search);
  const aor = (q.get("aor") || "").split(",").map((c) => c.trim().toUpperCase()).filter((c) => c);
  return { aor, by: q.get("by") || "", from: q.get("from") || "", to: q.get("to") || "" };
}

function query(s, extra) {
  const q = new URLSearchParams();
  if (s.aor.length) q.set("aor", s.aor.join(","));
  for (const k of ["by", "from", "to"]) if (s[k]) q.set(k, s[k]);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

function invalid(s) {
  // One line a reader can act on, for a URL the controls could not have made.
  const offices = [...$("aor").options].map((o) => o.value).filter((v) => v);
  const dims = [...$("by").options].map((o) => o.value).filter((v) => v);
  const unknown = s.aor.filter((c) => !offices.includes(c));
  if (unknown.length) return `Unknown office ${unknown.join(", ")} in the address: choose offices from the list.`;
  if (s.by && !dims.includes(s.by)) return `Unknown breakdown "${s.by}" in the address (expected one of ${dims.join(", ")}).`;
  for (const k of ["from", "to"]) {
    if (s[k] && (!DATE.test(s[k]) || isNaN(Date.parse(s[k])))) return `"${k}" in the address is not a date (YYYY-MM-DD): ${s[k]}`;
  }
  if (s.from && s.to && s.from > s.to) return `The range is reversed: from ${s.from} is after to ${s.to}.`;
  if (s.by && s.aor.length > 1) return "A breakdown shows one office at a time: choose one office, or no breakdown.";
  return "";
}

async function getJSON(url) {
  const r = await fetch(url);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const d = body.detail;
    throw new Error(typeof d === "string" ? d : Array.isArray(d) ? d.map((x) => `${(x.loc || []).slice(-1)[0]}: ${x.msg}`).join("; ") : r.statusText);
  }
  return body;
}

function message(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

async function draw(el, spec) {
  if (el.view) el.view.finalize();
  el.replaceChildren();
  el.view = null;
  if (!spec) return;
  el.view = (await vegaEmbed(el, spec, EMBED)).view;
}

function fillTable(keyName, rows, total) {
  // Every figure comes from the answer (/api/daily: totals and total).
  $("table-key").textContent = keyName;
  const body = $("table").tBodies[0];
  body.replaceChildren();
  const fmt = (v, d) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
  const all = rows.map((r) => ({ key: r.partial ? r.key + " (partial)" : r.key, n: r.arrests, share: r.share_percent, perDay: r.per_day }));
  if (total) all.push({ key: "total", n: total.arrests, share: 100, perDay: total.per_day });
  for (const r of all) {
    const tr = document.createElement("tr");
    tr.dataset.key = r.key;
    for (const text of [r.key, fmt(r.n, 0), r.share === null || r.share === undefined ? "–" : fmt(r.share, 1) + "%", fmt(r.perDay, 1)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
}

function controls(s) {
  for (const o of $("aor").options) o.selected = o.value ? s.aor.includes(o.value) : !s.aor.length;
  for (const k of ["by", "from", "to"]) $(k).value = s[k];
}

let generation = 0;  // a newer render makes older responses stale

async function render() {
  const mine = ++generation;
  const s = state();
  controls(s);
  const bad = invalid(s);
  const single = s.aor.length <= 1;
  $("csv").hidden = !single;
  $("csv").href = "/api/daily?" + query(s, { format: "csv" });
  if (bad) return fail(bad);
  try {
    const names = s.aor.map((c) => $("aor").querySelector(`option[value="${c}"]`).textContent);
    const tables = single ? [getJSON("/api/daily?" + query(s))]
      : s.aor.map((c) => getJSON("/api/daily?" + query({ ...s, aor: [c] })));
    const [charts, ...answers] = await Promise.all([getJSON("/api/charts/daily?" + query(s)), ...tables]);
    if (mine !== generation) return;
    message("");
    const data = answers[0];
    $("source").textContent = data.source.text;
    $("source").className = data.synthetic ? "synthetic" : data.synthetic === false ? "real" : "note";
    $("chart-title").textContent = charts.title;
    window.icestatsCharts = charts.charts;
    await Promise.all([draw($("chart"), charts.charts[0]), draw($("chart2"), charts.charts[1])]);
    const where = single ? (names[0] || "national") : "by office";
    if (single) fillTable(s.by || "month", data.totals, data.total);
    else fillTable("office", answers.map((a, k) => ({ key: names[k], arrests: a.total.arrests, share_percent: null, per_day: a.total.per_day })), null);
    $("table-title").textContent = s.by ? `Totals by ${s.by}, ${where}` : single ? `Totals by month, ${where}` : `Totals, ${s.aor.join(", ")}`;
  } catch (e) {
    if (mine === generation) fail(e.message);
  }
}

function fail(text) {
  message(text);
  $("chart-title").textContent = "No chart: " + text;
  draw($("chart"), null);
  draw($("chart2"), null);
  $("table").tBodies[0].replaceChildren();
  $("table-title").textContent = "Totals";
}

function update() {
  const aor = [...$("aor").selectedOptions].map((o) => o.value).filter((v) => v);
  const s = { aor, by: $("by").value, from: $("from").value, to: $("to").value };
  history.replaceState(null, "", "?" + query(s));
  render();
}

async function init() {
  try {
    const [status, offices] = await Promise.all([getJSON("/api/status"), getJSON("/api/offices")]);
    const c = status.coverage;
    $("coverage").textContent = c.start ? `Data ${c.start} to ${c.end}; complete through ${c.complete_through}. Database: ${status.database}.` : "No arrest release loaded.";
    for (const o of offices.offices) {
      const opt = document.createElement("option");
      opt.value = o.aor;
      opt.textContent = `${o.name} (${o.aor})`;
      $("aor").append(opt);
    }
    for (const id of ["aor", "by", "from", "to"]) $(id).addEventListener("change", update);
    await render();
  } catch (e) {
    message(e.message);
  }
  document.body.dataset.ready = "1";
}

init();
