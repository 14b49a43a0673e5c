"""`icestats report`: one self-contained HTML file (inline CSS and SVG, no JavaScript, no
network). Every number comes from the same client methods as the CLI and the API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from icestats import __version__, reference
from icestats.client import Icestats
from icestats.exports import json_default
from icestats.render import charts
from icestats.render.charts import esc
from icestats.render.map import office_map

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
main{max-width:900px;margin:0 auto;padding:12px 20px 60px;background:#fff}
h1{font-size:26px;margin:18px 0 4px}h2{margin-top:38px;border-bottom:2px solid #1f5aa6}
.note{color:#555;font-size:13px}.chart{width:100%;height:auto;margin:8px 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{padding:3px 8px;
border-bottom:1px solid #e6e6e6;text-align:right}th{background:#f2f4f8}
td:first-child,th:first-child{text-align:left}.flag{color:#d1495b;font-weight:600}
.real{background:#e8f5e9;padding:6px 10px;border-left:4px solid #2e7d32}
.synthetic{background:#fff8e1;padding:6px 10px;border-left:4px solid #f9a825}
"""
BREAKDOWNS = (("criminality", "Criminality"), ("custody", "Custodial vs at-large"),
              ("agency_group", "Arresting agency"), ("program", "Program"))


def build(ice: Icestats, goal_per_day: float = 3000.0) -> str:
    """The whole report as one HTML string."""
    from icestats.stats import goals as goals_mod

    goals = goals_mod.load(None, national=goal_per_day)
    status = ice.status()
    sections: list[str] = []
    data: dict[str, object] = {"generated_by": f"icestats {__version__}"}
    if status["releases"]:
        sections += _arrests(ice, goals, goal_per_day, data)
    if ice.workbooks()["workbooks"]:
        sections.append(_agency(ice, data))
    sections.append(_provenance(ice, status))
    title = "ICE arrests against the goal: field-office statistics"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
            f"style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{esc(title)}</h1><p class='note'>Made by icestats {esc(__version__)} on "
            f"{date.today()} from {esc(ice.path.name)}. Works offline: no scripts, no "
            f"network.</p>{''.join(sections)}"
            f"<script type='application/json' id='icestats-data'>"
            f"{_script_json(data)}</script></main></body></html>")


def _script_json(data: dict) -> str:
    """JSON safe inside <script>: no '<' can close the element."""
    return json.dumps(data, default=json_default).replace("<", "\\u003c")


def _rolling(values: list[float], n: int) -> list[float | None]:
    out: list[float | None] = []
    for i in range(len(values)):
        out.append(sum(values[i - n + 1:i + 1]) / n if i >= n - 1 else None)
    return out


def _arrests(ice: Icestats, goals: object, goal_per_day: float, data: dict) -> list[str]:
    g = ice.goal(goal_per_day)
    daily = ice.daily()
    dates, values = daily["date"].to_pylist(), [float(v) for v in daily["arrests"].to_pylist()]
    data["goal"] = g.to_dict()
    w = {x["days"]: x for x in g.windows}
    incomplete = g.coverage.complete_through + timedelta(days=1) \
        if g.coverage.complete_through else None
    out = [f"<h2>Arrests a day against the goal</h2><p class='synthetic'>Counted from the "
           f"loaded arrest release(s): {g.coverage.start} to {g.coverage.end}. As of "
           f"{g.as_of} (the last complete day): <b>{w[28]['mean_per_day']:,.0f}</b> arrests a "
           f"day over 28 days, {w[28]['percent_of_goal']}% of the goal of "
           f"{goal_per_day:,.0f}; shortfall {w[28]['shortfall_per_day']:,.0f} a day.</p>",
           charts.line_chart(dates, [("daily", values, "#b8c7dc"),
                                     ("7-day mean", _rolling(values, 7), "#1f5aa6"),
                                     ("28-day mean", _rolling(values, 28), "#d1495b")],
                             hline=(goal_per_day, f"goal {goal_per_day:,.0f}/day"),
                             shade_from=incomplete, title="National arrests per day",
                             chart_id="national")]
    if g.book_ins:
        out.append(f"<p class='real'>ICE's own detention statistics: "
                   f"{g.book_ins['book_ins_per_day']:,.0f} initial book-ins a day in "
                   f"{esc(g.book_ins['month'][:7])} (real data).</p>")
    fair = ice.fair_offices(goals)
    data["offices"] = [{k: o.get(k) for k in ("aor", "arrests", "per_day", "attainment",
                                              "below_target")} for o in fair["offices"]]
    ranked = [o for o in fair["offices"] if o["rank"] is not None]
    out.append(f"<h2>Field offices</h2><p class='note'>{esc(fair['method'])}. Window "
               f"{fair['window'][0]} to {fair['window'][1]}.</p>")
    if fair["targets_in_force"]:
        out.append(charts.interval_chart(ranked, value="attainment", low="attainment_low",
                                         high="attainment_high", title="Attainment of target "
                                         "(95% interval; red: below target, FDR 5%)",
                                         chart_id="attainment"))
        out.append(charts.funnel_chart([(o["name"], o["target_per_day"] * fair["window_days"],
                                         o["attainment"], o["below_target"]) for o in ranked],
                                       fair["funnel"], title="Funnel: attainment against size",
                                       chart_id="funnel"))
    elif any(o.get("baseline_ratio") for o in ranked):
        out.append(charts.interval_chart(ranked, value="baseline_ratio", low="baseline_low",
                                         high="baseline_high", title="Arrests a day against "
                                         "the office's own baseline", chart_id="attainment"))
    out.append(_office_table(fair["offices"]))
    rate = {str(o["aor"]): float(o["per_100k_noncitizens_yr"]) for o in ranked}
    out.append(office_map(rate, title="Arrests per 100,000 noncitizen residents a year "
                          f"({fair['window'][0]} to {fair['window'][1]})",
                          label=lambda v: f"{v:,.0f}"))
    out.append(_small_multiples(ice, g.coverage.start, g.coverage.end))
    out.append("<h2>Who is arrested, and how</h2>")
    for by, label in BREAKDOWNS:
        out.append(_composition(ice, by, label))
    out += _events_forecast(ice, goals)
    return out


def _office_table(rows: list[dict]) -> str:
    head = ("<table id='office-table'><tr><th>office</th><th>arrests/day</th><th>target/day"
            "</th><th>attainment</th><th>shrunk</th><th>vs baseline</th><th>flag</th></tr>")
    body = []

    def f(o: dict, k: str, d: int = 2) -> str:
        v = o.get(k)
        return "–" if v is None else f"{v:,.{d}f}"
    for o in rows:
        body.append(f"<tr><td>{esc(o['name'])}</td><td>{o['per_day']:,.1f}</td>"
                    f"<td>{f(o, 'target_per_day', 1)}</td><td>{f(o, 'attainment')}</td>"
                    f"<td>{f(o, 'shrunk_attainment')}</td><td>{f(o, 'baseline_ratio')}</td>"
                    f"<td class='flag'>{'below target' if o.get('below_target') else ''}"
                    f"</td></tr>")
    return head + "".join(body) + "</table>"


def _small_multiples(ice: Icestats, start: date, end: date) -> str:
    from icestats.stats import office_matrix

    days, codes, counts = office_matrix(ice.con, start, end)
    names = {o.code: o.name for o in reference.offices()}
    weeks = range(0, len(days) - 6, 7)
    panels = [(names[c], [float(counts[i:i + 7, j].sum() / 7) for i in weeks])
              for j, c in enumerate(codes)]
    panels.sort(key=lambda p: -sum(p[1][-4:]))
    return charts.small_multiples(panels, title="Every office: arrests a day, weekly means "
                                  "(each on its own scale)", chart_id="multiples")


def _composition(ice: Icestats, by: str, label: str) -> str:
    t = ice.breakdown(by, period="month").to_pylist()
    periods = sorted({f"{r['period']:%Y-%m}" for r in t})
    totals: dict[str, float] = {}
    for r in t:
        totals[r[by]] = totals.get(r[by], 0) + (r["arrests"] or 0)
    cats = sorted(totals, key=lambda c: -totals[c])[:10]
    shares = {(f"{r['period']:%Y-%m}", r[by]): float(r["share"] or 0) for r in t}
    return charts.stacked_shares(periods, cats, shares, title=f"{label}: share of arrests "
                                 "by month", chart_id=f"comp-{by}")


def _events_forecast(ice: Icestats, goals: object) -> list[str]:
    from icestats.stats.events import example_file, load_events

    out = ["<h2>Events and forecast</h2>"]
    ev = ice.events(load_events(example_file(), []))
    rows = "".join(f"<tr><td>{esc(e['label'])}</td><td>{esc(e['office'])}</td>"
                   f"<td>{e['date']}</td><td>" +
                   (f"{e['effect']:.2f} [{e['low']:.2f}–{e['high']:.2f}]</td><td>"
                    f"{e['placebo_p']:.2f}" if e.get("effect") else
                    f"{esc(e.get('note', ''))}</td><td>") + "</td></tr>" for e in ev["events"])
    out.append(f"<p class='note'>{esc(ev['method'])}.</p><table id='events'><tr><th>event"
               f"</th><th>office</th><th>date</th><th>effect [95% CI]</th><th>placebo p"
               f"</th></tr>{rows}</table>")
    fc = ice.forecast(goals, horizon=90)
    days = [d["date"] for d in fc["days"]]
    out.append(charts.line_chart(days, [("forecast", [d["mean"] for d in fc["days"]], "#1f5aa6"),
                                        ("95% low", [d["low"] for d in fc["days"]], "#9db4d6"),
                                        ("95% high", [d["high"] for d in fc["days"]], "#9db4d6")],
                                 hline=(fc["goal_per_day"], "goal") if "goal_per_day" in fc
                                 else None, title="National forecast, next 90 days",
                                 chart_id="forecast"))
    if "goal_met" in fc:
        out.append(f"<p>Goal of {fc['goal_per_day']:,.0f} a day: {esc(fc['goal_met'])}. "
                   f"<span class='note'>{esc(fc['method'])}.</span></p>")
    return out


def _agency(ice: Icestats, data: dict) -> str:
    months = ice.book_ins().to_pylist()
    data["book_ins"] = months
    dates = [m["month"] for m in months]
    chart = charts.line_chart(dates, [("ICE", [float(m["ice"] or 0) for m in months], "#1f5aa6"),
                                      ("CBP", [float(m["cbp"] or 0) for m in months], "#d1495b")],
                              title="ICE initial book-ins a month by arresting agency",
                              chart_id="agency")
    rows = "".join(f"<tr><td>{m['month']:%Y-%m}{' (partial)' if m['partial'] else ''}</td>"
                   f"<td>{m['ice']:,}</td><td>{m['cbp']:,}</td><td>{m['total']:,}</td>"
                   f"<td>{m['per_day']:,.1f}</td><td>{m['cbp_share_percent']}%</td></tr>"
                   for m in months)
    return (f"<h2>ICE vs Border Patrol (real data)</h2><p class='real'>From ICE's own detention "
            f"statistics workbooks: book-ins into detention after ICE's or CBP's arrests."
            f"</p>{chart}<table id='agency-table'><tr><th>month</th><th>ICE</th><th>CBP</th>"
            f"<th>total</th><th>a day</th><th>CBP share</th></tr>{rows}</table>")


def _provenance(ice: Icestats, status: dict) -> str:
    rel = "".join(f"<tr><td>{esc(r['file_name'])}</td><td>{r['coverage_start']} to "
                  f"{r['coverage_end']}</td><td>{r['rows_read']:,}</td><td>{r['rows_loaded']:,}"
                  f"</td><td>{r['rows_rejected']:,}</td><td>{r['merged']:,}</td></tr>"
                  for r in status["releases"])
    wbs = "".join(f"<tr><td>{esc(w['file_name'])}</td><td>FY{w['fiscal_year']}</td>"
                  f"<td>{w['data_through']}</td><td>{w['tables']}</td></tr>"
                  for w in ice.workbooks()["workbooks"])
    rejects = "; ".join(f"{esc(k)}: {v:,}" for k, v in status["rejects_by_reason"].items())
    return (f"<h2>Methods and data provenance</h2><p>Arrests are counted as episodes: records "
            f"of one identifier at most 24 hours apart are one arrest, on the first record's "
            f"day and office; records without an identifier count alone. For each day, the "
            f"release whose data end latest is used. The last 14 days of a release are "
            f"incomplete (shaded) and excluded from windows. Small cells pairing a personal "
            f"attribute with single days or sub-office places are suppressed below 10. "
            f"Methods in detail: docs/methods.md.</p><table id='releases'><tr><th>release "
            f"file</th><th>coverage</th><th>rows read</th><th>loaded</th><th>rejected</th>"
            f"<th>merged</th></tr>{rel}</table><p>Rejected rows: {rejects or 'none'}.</p>"
            + (f"<table id='workbooks'><tr><th>workbook</th><th>fiscal year</th><th>data "
               f"through</th><th>tables</th></tr>{wbs}</table>" if wbs else ""))


def write(ice: Icestats, out: str | Path, goal_per_day: float = 3000.0) -> Path:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build(ice, goal_per_day), encoding="utf-8")
    return path
