// icestats dashboard: plain JavaScript, no libraries, no other origin.
// State lives in the query string (?aor=&by=&from=&to=), so a URL can be shared.
"use strict";
const COLORS = ["#1f5aa6", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#888"];
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

function state() {
  const q = new URLSearchParams(location.search);
  return { aor: q.get("aor") || "", by: q.get("by") || "", from: q.get("from") || "", to: q.get("to") || "" };
}

function query(s, extra) {
  const q = new URLSearchParams();
  for (const k of ["aor", "by", "from", "to"]) if (s[k]) q.set(k, s[k]);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

async function getJSON(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(body.detail ? JSON.stringify(body.detail) : r.statusText);
  return body;
}

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function drawChart(dates, series) {
  const svg = $("chart");
  svg.replaceChildren();
  const W = 900, H = 300, ml = 56, mr = 12, mt = 12, mb = 30;
  const w = W - ml - mr, h = H - mt - mb;
  let top = 1;
  for (const s of series) for (const v of s.values) if (v > top) top = v;
  const mag = Math.pow(10, Math.floor(Math.log10(top)));
  top = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((v) => v >= top);
  const x = (i) => ml + (w * i) / Math.max(dates.length - 1, 1);
  const y = (v) => mt + h - (h * v) / top;
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    svg.append(el("line", { x1: ml, x2: ml + w, y1: y(v), y2: y(v), stroke: "#e6e6e6" }));
    svg.append(el("text", { x: ml - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11 }, Math.round(v).toLocaleString()));
  }
  dates.forEach((d, i) => {
    if (d.endsWith("-01") && (dates.length < 200 || ["01", "04", "07", "10"].includes(d.slice(5, 7))))
      svg.append(el("text", { x: x(i), y: H - 10, "text-anchor": "middle", "font-size": 11 }, d.slice(0, 7)));
  });
  const legend = $("legend");
  legend.replaceChildren();
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(el("polyline", { points: pts, fill: "none", stroke: COLORS[k % COLORS.length], "stroke-width": 1.5, class: "series", "data-label": s.label }));
    const span = document.createElement("span");
    span.style.color = COLORS[k % COLORS.length];
    span.textContent = "\u25a0 " + s.label;
    legend.append(span);
  });
}

function fillTable(keyName, rows, days) {
  $("table-key").textContent = keyName;
  const body = $("table").tBodies[0];
  body.replaceChildren();
  const total = rows.reduce((a, r) => a + r.n, 0);
  for (const r of rows.concat([{ key: "total", n: total }])) {
    const tr = document.createElement("tr");
    tr.dataset.key = r.key;
    for (const text of [r.key, r.n.toLocaleString("en-US"), total ? ((100 * r.n) / total).toFixed(1) + "%" : "–", (r.n / Math.max(days, 1)).toFixed(1)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
}

let generation = 0;  // a newer render makes older responses stale

async function render() {
  const mine = ++generation;
  const s = state();
  for (const k of ["aor", "by", "from", "to"]) $(k).value = s[k];
  $("csv").href = "/api/daily?" + query(s, { format: "csv" });
  const where = s.aor ? $("aor").selectedOptions[0].textContent : "national";
  try {
    const data = await getJSON("/api/daily?" + query(s));
    if (mine !== generation) return;
    if (!s.by) {
      const dates = data.rows.map((r) => r.date), vals = data.rows.map((r) => r.arrests);
      const mean7 = vals.map((_, i) => (i < 6 ? null : vals.slice(i - 6, i + 1).reduce((a, b) => a + b, 0) / 7));
      drawChart(dates, [{ label: "daily", values: vals }, { label: "7-day mean", values: mean7.map((v) => v || 0) }]);
      const months = new Map();
      data.rows.forEach((r) => months.set(r.date.slice(0, 7), (months.get(r.date.slice(0, 7)) || 0) + r.arrests));
      fillTable("month", [...months].map(([key, n]) => ({ key, n })), dates.length);
      $("chart-title").textContent = `Daily arrests, ${where}`;
    } else {
      const dates = [...new Set(data.rows.map((r) => r.date))].sort();
      const index = new Map(dates.map((d, i) => [d, i]));
      const totals = new Map();
      data.rows.forEach((r) => totals.set(r[s.by], (totals.get(r[s.by]) || 0) + (r.arrests || 0)));
      const cats = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a)).slice(0, 8);
      const series = cats.map((c) => {
        const v = new Array(dates.length).fill(0);
        data.rows.forEach((r) => { if (r[s.by] === c) v[index.get(r.date)] = r.arrests || 0; });
        const m = v.map((_, i) => (i < 6 ? 0 : v.slice(i - 6, i + 1).reduce((a, b) => a + b, 0) / 7));
        return { label: c, values: m };
      });
      drawChart(dates, series);
      fillTable(s.by, [...totals].sort((a, b) => b[1] - a[1]).map(([key, n]) => ({ key, n })), dates.length);
      $("chart-title").textContent = `Arrests by ${s.by} (7-day means), ${where}`;
    }
    $("table-title").textContent = s.by ? `Totals by ${s.by}, ${where}` : `Totals by month, ${where}`;
  } catch (e) {
    $("chart-title").textContent = "Error: " + e.message;
  }
}

function update() {
  const s = { aor: $("aor").value, by: $("by").value, from: $("from").value, to: $("to").value };
  history.replaceState(null, "", "?" + query(s));
  render();
}

async function init() {
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
  document.body.dataset.ready = "1";
}

init();
