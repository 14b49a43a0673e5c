// icestats dashboard: the charts are Vega-Lite specifications made by icestats (the same
// ones the report draws: /api/charts/daily), drawn by vega-embed from /vendor/vega.js,
// served by icestats itself; no other origin. Every table is an answer's `display` block:
// its columns (labels, units) and cells as icestats writes them from the answer's column
// spec, rounded once, the same as the terminal, the report and markdown. No arithmetic and
// no number formatting happen here.
// State lives in the query string (?view=&kind=&aor=CHI,NYC&by=&from=&to=), so a URL can be
// shared. kind: the event kind every view but ICE vs CBP and the pipeline counts.
"use strict";
const $ = (id) => document.getElementById(id);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMBED = { actions: false, renderer: "svg", ast: true, defaultStyle: false,
                tooltip: { disableDefaultStyle: true } };  // ast: no eval under the CSP
// The views besides the daily one: each an answer of the API and the table it shows.
const VIEWS = {
  published: { url: "/api/charts/published", table: "offices" },  // the real 2025-26 counts
  offices: { url: "/api/offices", table: "offices", dates: "as_of" },
  underperformers: { url: "/api/underperformers", table: "offices", dates: "as_of" },
  agency: { url: "/api/agency", table: "book_ins_by_month" },
  "aor-month": { url: "/api/breakdown", table: "rows", extra: { by: "aor", period: "month" } },
  "aor-fy": { url: "/api/breakdown", table: "rows", extra: { by: "aor", period: "fy" } },
  pipeline: { url: "/api/pipeline", table: "kinds", extra: { period: "fy" }, kinds: false },
};
const KINDS = ["arrests", "encounters", "detainers", "book_ins", "removals"];

function state() {
  const q = new URLSearchParams(location.search);
  const aor = (q.get("aor") || "").split(",").map((c) => c.trim().toUpperCase()).filter((c) => c);
  return { aor, view: q.get("view") || "", kind: q.get("kind") || "", by: q.get("by") || "", from: q.get("from") || "", to: q.get("to") || "" };
}

function query(s, extra) {
  const q = new URLSearchParams();
  if (s.view) q.set("view", s.view);
  if (s.aor.length) q.set("aor", s.aor.join(","));
  for (const k of ["kind", "by", "from", "to"]) if (s[k]) q.set(k, s[k]);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

function apiQuery(s, extra) {
  // The API's parameters (no `view`).
  const q = new URLSearchParams(query({ ...s, view: "" }, extra));
  return q.toString();
}

function invalid(s) {
  // One line a reader can act on, for a URL the controls could not have made.
  const offices = [...$("aor").options].map((o) => o.value).filter((v) => v);
  const dims = [...$("by").options].map((o) => o.value).filter((v) => v);
  const unknown = s.aor.filter((c) => !offices.includes(c));
  if (s.view && !(s.view in VIEWS)) return `Unknown view "${s.view}" in the address (expected one of ${Object.keys(VIEWS).join(", ")}).`;
  if (s.kind && !KINDS.includes(s.kind)) return `Unknown kind "${s.kind}" in the address (expected one of ${KINDS.join(", ")}).`;
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

function cell(tag, text, left) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (left) el.className = "t";
  return el;
}

function showTable(display, keep, table = $("table")) {
  // An answer's display block as the table: its columns and cells as they are.
  const head = table.tHead.rows[0];
  head.replaceChildren(...display.columns.map((c) => {
    const th = cell("th", c.label, c.align === "left");
    if (c.unit) th.title = c.unit;
    return th;
  }));
  const body = table.tBodies[0];
  body.replaceChildren();
  display.rows.forEach((cells, k) => {
    if (keep && !keep(cells)) return;
    const tr = document.createElement("tr");
    tr.dataset.key = cells[0];
    if (display.dim[k]) tr.className = "dim";
    cells.forEach((text, i) => tr.append(cell("td", text, display.columns[i].align === "left")));
    body.append(tr);
  });
  const notes = display.sources.map((s, k) => `${k === 0 ? s.columns.join(", ") : "The other columns"}: ${s.source}`);
  if (display.caption) notes.unshift(display.caption);
  if (table !== $("table")) return notes;
  $("table-notes").replaceChildren(...notes.map((text) => {
    const p = cell("p", text);
    p.className = "note";
    return p;
  }));
}

function controls(s) {
  for (const o of $("aor").options) o.selected = o.value ? s.aor.includes(o.value) : !s.aor.length;
  for (const k of ["view", "by", "from", "to"]) $(k).value = s[k];
  $("kind").value = s.kind || "arrests";
  $("by").disabled = !!s.view;
  $("kind").disabled = s.view === "agency" || s.view === "pipeline";
}

let STATUS = { kind_rules: {} };  // /api/status, read once
let COUNTS = "";  // the published count tables and the database, after the coverage

function note(text, tag = "p") {
  const p = cell(tag, text);
  p.className = "note";
  return p;
}

function words(s) {
  // Title, coverage line and counting rule in the kind's own words (from /api/status).
  const rules = STATUS.kind_rules || {};
  const cap = (t) => t.charAt(0).toUpperCase() + t.slice(1);
  const one = (r) => r.one.replace(/^an? /, "");  // "an encounter": "encounter"
  // The daily view's name and chart follow the kind chosen (the menu said "Daily arrests"
  // over removals).
  const chosen = KINDS.includes(s.kind) ? s.kind : "arrests";
  const word = rules[chosen] ? rules[chosen].label : chosen.replace("_", "-");
  $("view").querySelector('option[value=""]').textContent = `Daily ${word} (chart and totals)`;
  if (s.view === "pipeline") {
    $("page-title").textContent = "The enforcement pipeline: every kind a day per office";
    $("coverage").textContent = Object.values(rules).map((r) => `${cap(one(r))} records ${r.start} to ${r.end}`).join("; ") + "." + COUNTS;
    $("rules").textContent = "Counts follow icestats' rules for each kind (" + Object.values(rules).map((r) => `${r.one}: ${r.counting}`).join("; ") + "; for each day the newest release).";
    return;
  }
  const kind = s.view === "agency" || !s.kind ? "arrests" : s.kind;
  const r = rules[kind];
  const label = r ? r.label : kind.replace("_", "-");
  $("page-title").textContent = s.view === "agency" ? "ICE vs CBP: book-ins into detention" : `ICE ${label} per day`;
  $("coverage").textContent = (r ? `${cap(one(r))} records ${r.start} to ${r.end}; complete through ${r.complete_through}.` : `No ${label} release loaded.`) + COUNTS;
  $("rules").textContent = `Counts follow icestats' rules (${r ? r.counting : `one ${label.replace(/s$/, "")} per record`}; for each day the newest release).`;
}

function extraTable(display, keep) {
  // One more answer table under the main one: its title, the table, its notes.
  const table = document.createElement("table");
  table.createTHead().insertRow();
  table.createTBody();
  const notes = showTable(display, keep, table);
  const box = cell("div", "");
  box.className = "scroll";
  box.append(table);
  const title = cell("h3", display.title);
  return [title, box, ...notes.map((t) => note(t))];
}

function pipelineMore(data) {
  // The pipeline's other answers: what each ratio cannot mean, removals against the
  // removal goal (its figure, window and start), the linked shares, book-ins by agency.
  const out = [note("What each ratio can and cannot mean:")];
  const list = document.createElement("ul");
  list.className = "note";
  for (const r of data.ratios) list.append(cell("li", `${r.ratio}: ${r.cannot_mean}`));
  out.push(list);
  const g = data.removal_goal;
  if (g.removals_loaded) {
    out.push(...extraTable(data.display.removals_by));
    out.push(note(`Goal: ${g.goal_source}; measured over the ${g.days} complete days of removals ${g.start} to ${g.end}.` + (g.goal_note ? " " + g.goal_note : "")));
  } else out.push(note("No removals loaded: nothing to set against the removal goal."));
  if (data.linked.some((r) => r.eligible_book_in || r.eligible_removal)) out.push(...extraTable(data.display.linked));
  else out.push(note("Linked shares: no identifiers link arrests to book-ins or removals in the loaded releases (the DDP 2025-26 releases do)."));
  if (data.book_ins_by_agency.some((r) => r.aor === "all")) out.push(...extraTable(data.display.book_ins_by_agency, (cells) => cells[1] === "all"));
  if (data.workbook_book_ins.length) out.push(...extraTable(data.display.workbook_book_ins));
  return out;
}

function sourceLine(data) {
  $("source").textContent = data.source.text;
  $("source").className = data.synthetic ? "synthetic" : data.synthetic === false ? "real" : "note";
}

let generation = 0;  // a newer render makes older responses stale

async function render() {
  const mine = ++generation;
  const s = state();
  controls(s);
  words(s);
  $("more").replaceChildren();
  const bad = invalid(s);
  $("csv").hidden = !!s.view;
  $("csv").href = "/api/daily?" + apiQuery(s, { format: "csv" });
  $("charts").hidden = !!s.view && s.view !== "published";
  for (const el of $("published").children) if (el.view) el.view.finalize();
  $("published").replaceChildren();
  if (bad) return fail(bad);
  try {
    if (s.view === "published") await renderPublished(mine);
    else if (s.view) await renderView(s, mine);
    else await renderDaily(s, mine);
  } catch (e) {
    if (mine === generation) fail(e.message);
  }
}

async function renderView(s, mine) {
  const v = VIEWS[s.view];
  const params = { ...v.extra };
  if (s.kind && v.url !== "/api/agency" && v.kinds !== false) params.kind = s.kind;
  if (v.dates === "as_of") { if (s.to) params.as_of = s.to; } else { if (s.from) params.from = s.from; if (s.to) params.to = s.to; }
  const data = await getJSON(v.url + "?" + new URLSearchParams(params).toString());
  if (mine !== generation) return;
  message("");
  sourceLine(data);
  const display = data.display[v.table];
  const offices = s.aor.length && s.view.startsWith("aor") ? (cells) => s.aor.includes(cells[0]) : null;
  showTable(display, offices);
  $("table-title").textContent = display.title;
  if (s.view === "pipeline") $("more").replaceChildren(...pipelineMore(data));
  draw($("chart"), null);
  draw($("chart2"), null);
}

async function renderPublished(mine) {
  // The real 2025-26 picture the report opens on: each chart names its file; the table is
  // the offices over the office table's one period (or the first answer's main table).
  const data = await getJSON(VIEWS.published.url);
  if (mine !== generation) return;
  if (!data.charts.length) return fail("No published count table is loaded: load one with icestats ingest (README: Published count tables).");
  message("");
  sourceLine(data);
  $("chart-title").textContent = data.title;
  draw($("chart"), null);
  draw($("chart2"), null);
  const boxes = data.charts.map((spec, k) => {
    const el = cell("div", "");
    el.className = "vega";
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", Object.keys(data.answers)[k].replace("_", " ") + " chart");
    return el;
  });
  $("published").replaceChildren(...boxes);
  await Promise.all(data.charts.map((spec, k) => draw(boxes[k], spec)));
  const first = data.answers.period_offices || Object.values(data.answers)[0];
  const display = first.display.offices || Object.values(first.display)[0];
  showTable(display);
  $("table-title").textContent = display.title;
}

async function renderDaily(s, mine) {
  const names = s.aor.map((c) => $("aor").querySelector(`option[value="${c}"]`).textContent);
  const single = s.aor.length <= 1;
  const table = single ? getJSON("/api/daily?" + apiQuery(s))
    : getJSON("/api/breakdown?" + apiQuery({ ...s, aor: [] }, { by: "aor", period: "month" }));
  const [charts, data] = await Promise.all([getJSON("/api/charts/daily?" + apiQuery(s)), table]);
  if (mine !== generation) return;
  sourceLine(data);
  const where = single ? (names[0] || "national") : "by office";
  if (data.not_in_release) {  // a dimension the releases do not carry: said, not drawn
    message("");
    $("chart-title").textContent = data.not_in_release;
    $("not-in-release").textContent = data.not_in_release;
    $("not-in-release").hidden = false;
    draw($("chart"), null);
    draw($("chart2"), null);
    $("table").tBodies[0].replaceChildren();
    $("table-title").textContent = `Totals by ${s.by}, ${where}`;
    return;
  }
  message("");
  $("not-in-release").hidden = true;
  $("chart-title").textContent = charts.title;
  window.icestatsCharts = charts.charts;
  await Promise.all([draw($("chart"), charts.charts[0]), draw($("chart2"), charts.charts[1])]);
  if (single) showTable(data.display.totals);
  else showTable(data.display.rows, (cells) => s.aor.includes(cells[0]));
  $("table-title").textContent = s.by ? `Totals by ${s.by}, ${where}` : single ? `Totals by month, ${where}` : `${$("page-title").textContent.replace(/^ICE (.)(.*) per day$/, (m, a, b) => a.toUpperCase() + b)} by month, ${s.aor.join(", ")}`;
}

function fail(text) {
  message(text);
  $("chart-title").textContent = "No chart: " + text;
  draw($("chart"), null);
  draw($("chart2"), null);
  $("table").tBodies[0].replaceChildren();
  $("table-notes").replaceChildren();
  $("table-title").textContent = "Totals";
}


// A count table as the coverage line names it: its kind, grain, geography (one area's
// only, when it names one) and split ("arrests by day and state (MN only) and apprehension
// type": two tables of one grain read the same before).
function tableGrain(t) {
  const dims = typeof t.dims === "string" ? JSON.parse(t.dims || "[]") : (t.dims || []);
  const geo = t.area ? `${t.geo_level} (${t.area} only)` : t.geo_level;
  return `${t.kind} by ${t.grain} and ${geo}${dims.map((d) => ` and ${d.replaceAll("_", " ")}`).join("")}`;
}
function update() {
  const aor = [...$("aor").selectedOptions].map((o) => o.value).filter((v) => v);
  const kind = $("kind").value === "arrests" ? "" : $("kind").value;
  const s = { aor, view: $("view").value, kind, by: $("view").value ? "" : $("by").value, from: $("from").value, to: $("to").value };
  history.replaceState(null, "", "?" + query(s));
  render();
}

async function init() {
  try {
    const status = await getJSON("/api/status");
    // A store without arrests (removals only): the office list, and the kind shown, are
    // a loaded kind's (asking for arrests failed, and the page never drew).
    const loaded = Object.keys(status.kind_rules || {});
    const first = loaded.includes("arrests") || !loaded.length ? "" : loaded[0];
    if (first && !location.search) history.replaceState(null, "", "?kind=" + first);
    const asked = state().kind;
    const kind = asked && loaded.includes(asked) ? asked : first;
    // (a kind the store holds no records of is offered but not chosen: it answers nothing)
    for (const opt of $("kind").options) opt.disabled = loaded.length > 0 && !loaded.includes(opt.value);
    const offices = await getJSON("/api/offices" + (kind ? "?kind=" + kind : ""));
    const tables = (status.count_tables || []).length;
    const counts = tables ? ` Published count tables: ${tables} (${status.count_tables.map((t) => `${tableGrain(t)}, ${t.coverage_start} to ${t.coverage_end}`).join("; ")}).` : "";
    STATUS = status;
    COUNTS = counts + ` Database: ${status.database}.`;
    for (const o of offices.offices) {
      const opt = document.createElement("option");
      opt.value = o.aor;
      opt.textContent = `${o.name} (${o.aor})`;
      $("aor").append(opt);
    }
    if (!status.workbooks.length) $("view").querySelector("option[value=agency]").disabled = true;
    const counted = (status.count_tables || []).length > 0;
    $("view").querySelector("option[value=published]").disabled = !counted;
    if (counted && !location.search) history.replaceState(null, "", "?view=published");  // opens on the real 2025-26
    for (const id of ["view", "kind", "aor", "by", "from", "to"]) $(id).addEventListener("change", update);
    await render();
  } catch (e) {
    message(e.message);
  }
  document.body.dataset.ready = "1";
}

init();
