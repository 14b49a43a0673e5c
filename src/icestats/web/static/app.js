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
  // Values that are null (too few days for a mean, or suppressed) are gaps, never 0.
  const svg = $("chart");
  svg.replaceChildren();
  const W = 900, H = 300, ml = 56, mr = 12, mt = 12, mb = 30;
  const w = W - ml - mr, h = H - mt - mb;
  let top = 1;
  for (const s of series) for (const v of s.values) if (v !== null && v > top) top = v;
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
    const color = COLORS[k % COLORS.length];
    let run = [];
    const runs = [];
    s.values.forEach((v, i) => {
      if (v === null) { if (run.length) runs.push(run); run = []; }
      else run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    });
    if (run.length) runs.push(run);
    const g = el("g", { class: "series", "data-label": s.label });
    for (const r of runs) g.append(el("polyline", { points: r.join(" "), fill: "none", stroke: color, "stroke-width": 1.5 }));
    svg.append(g);
    const span = document.createElement("span");
    span.style.color = color;
    span.textContent = "\u25a0 " + s.label;
    legend.append(span);
  });
}

function fillTable(keyName, rows, total) {
  // Every figure comes from the answer (/api/daily: totals and total).
  $("table-key").textContent = keyName;
  const body = $("table").tBodies[0];
  body.replaceChildren();
  const fmt = (v, d) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
  const all = rows.map((r) => ({ key: r.partial ? r.key + " (partial)" : r.key, n: r.arrests, share: r.share_percent, perDay: r.per_day }));
  all.push({ key: "total", n: total.arrests, share: 100, perDay: total.per_day });
  for (const r of all) {
    const tr = document.createElement("tr");
    tr.dataset.key = r.key;
    for (const text of [r.key, fmt(r.n, 0), r.share === null ? "–" : fmt(r.share, 1) + "%", fmt(r.perDay, 1)]) {
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
    $("source").textContent = data.source.text;
    $("source").className = data.synthetic ? "synthetic" : data.synthetic === false ? "real" : "note";
    const keys = [...new Set(data.series.map((r) => r.key))];
    const dates = data.series.filter((r) => r.key === keys[0]).map((r) => r.date);
    const of = (key, field) => data.series.filter((r) => r.key === key).map((r) => r[field]);
    if (!s.by) {
      drawChart(dates, [{ label: "daily", values: of("total", "arrests") }, { label: "7-day mean", values: of("total", "mean_7") }]);
      fillTable("month", data.totals, data.total);
      $("chart-title").textContent = `Daily arrests, ${where}`;
    } else {
      drawChart(dates, keys.map((k) => ({ label: k, values: of(k, "mean_7") })));
      fillTable(s.by, data.totals, data.total);
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
