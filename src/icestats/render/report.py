"""`icestats report`: one self-contained HTML file (inline CSS and SVG, no JavaScript, no
network). Every number comes from the same client methods as the CLI and the API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icestats import __version__
from icestats.answers import FairAnswer, GoalAnswer, StatusAnswer
from icestats.client import Icestats
from icestats.jsonout import plain
from icestats.render import charts, underperformers
from icestats.render.charts import esc
from icestats.render.format import interval, num, pct
from icestats.render.map import office_map

if TYPE_CHECKING:
    from icestats.stats.goals import Goals

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
    sections: list[str] = [_banner(status)]
    data: dict[str, object] = {"generated_by": f"icestats {__version__}",
                               "source": status.source.to_dict()}
    if status.releases.num_rows:
        sections += _arrests(ice, goals, goal_per_day, data)
    if status.workbooks.num_rows:
        sections.append(_agency(ice, data))
    sections.append(_provenance(status))
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


def _script_json(data: dict[str, object]) -> str:
    """JSON safe inside <script>: no '<' can close the element."""
    return json.dumps(plain(data)).replace("<", "\\u003c")


def _banner(status: StatusAnswer) -> str:
    s = status.source
    css = "synthetic" if s.synthetic else "real" if s.synthetic is False else "note"
    label = ("GENERATED data: these arrest numbers are synthetic, not real ICE records. "
             if s.synthetic else "")
    return f"<p class='{css}' id='source-banner'><b>{esc(label)}</b>{esc(s.text)}.</p>"


def _arrests(ice: Icestats, goals: Goals, goal_per_day: float,
             data: dict[str, object]) -> list[str]:
    g = ice.goal(goal_per_day)
    series = ice.daily().series.to_pylist()
    dates = [r["date"] for r in series]
    data["goal"] = g.to_dict()
    out = [_goal_text(g),
           charts.line_chart(dates, [("daily", [float(r["arrests"]) for r in series],
                                      "#b8c7dc"),
                                     ("7-day mean", [r["mean_7"] for r in series], "#1f5aa6"),
                                     ("28-day mean", [r["mean_28"] for r in series],
                                      "#d1495b")],
                             hline=(goal_per_day, f"goal {goal_per_day:,.0f}/day"),
                             shade_from=g.coverage.incomplete_from,
                             title="National arrests per day", chart_id="national")]
    if g.book_ins:
        out.append(f"<p class='real'>ICE's own detention statistics: "
                   f"{num(g.book_ins.book_ins_per_day, 0)} initial book-ins a day in "
                   f"{g.book_ins.month:%Y-%m} (real data).</p>")
    fair = ice.fair_offices(goals)
    out += _offices(ice, fair, data)
    out.append(underperformers.html(ice.underperformers(goals)))
    out.append("<h2>Who is arrested, and how</h2>")
    for by, label in BREAKDOWNS:
        out.append(_composition(ice, by, label))
    out += _events_forecast(ice, goals)
    return out


def _goal_text(g: GoalAnswer) -> str:
    w = {x["days"]: x for x in g.windows}
    css = "synthetic" if g.source.synthetic else "real" if g.source.synthetic is False \
        else "note"
    return (f"<h2>Arrests a day against the goal</h2><p class='{css}'>Counted from "
            f"{esc(g.source.text)}: {g.coverage.start} to {g.coverage.end}. As of {g.as_of} "
            f"(the last complete day): <b>{num(w[28]['mean_per_day'], 0)}</b> arrests a day "
            f"over 28 days, {num(w[28]['percent_of_goal'])}% of the goal of {num(g.goal, 0)}; "
            f"shortfall {num(w[28]['shortfall_per_day'], 0)} a day.</p>")


def _offices(ice: Icestats, fair: FairAnswer, data: dict[str, object]) -> list[str]:
    data["offices"] = [{k: o.get(k) for k in ("aor", "arrests", "per_day", "attainment",
                                              "below_target")} for o in fair.offices]
    ranked = fair.ranked
    out = [f"<h2>Field offices</h2><p class='note'>{esc(fair.method)}. Window "
           f"{fair.window[0]} to {fair.window[1]}.</p>"]
    if fair.targets_in_force:
        out.append(charts.interval_chart(ranked, value="attainment", low="attainment_low",
                                         high="attainment_high", title="Attainment of target "
                                         "(95% interval; red: below target, FDR 5%)",
                                         chart_id="attainment"))
        out.append(charts.funnel_chart([(o["name"], o["expected_arrests"], o["attainment"],
                                         o["below_target"]) for o in ranked],
                                       fair.details["funnel"],
                                       title="Funnel: attainment against size",
                                       chart_id="funnel"))
    elif any(o.get("baseline_ratio") for o in ranked):
        out.append(charts.interval_chart(ranked, value="baseline_ratio", low="baseline_low",
                                         high="baseline_high", title="Arrests a day against "
                                         "the office's own baseline", chart_id="attainment"))
    out.append(_office_table(fair.offices))
    rate = {str(o["aor"]): float(o["per_100k_noncitizens_yr"]) for o in ranked
            if o.get("per_100k_noncitizens_yr") is not None}
    out.append(office_map(rate, title="Arrests per 100,000 noncitizen residents a year "
                          f"({fair.window[0]} to {fair.window[1]})",
                          label=lambda v: f"{v:,.0f}"))
    out.append(_small_multiples(ice))
    return out


def _office_table(rows: list[dict[str, Any]]) -> str:
    head = ("<table id='office-table'><tr><th>office</th><th>arrests/day</th><th>target/day"
            "</th><th>attainment</th><th>shrunk</th><th>vs baseline</th><th>flag</th></tr>")
    body = []

    def f(o: dict[str, Any], k: str, d: int = 2) -> str:
        return num(o.get(k), d)
    for o in rows:
        body.append(f"<tr><td>{esc(o['name'])}</td><td>{num(o['per_day'])}</td>"
                    f"<td>{f(o, 'target_per_day', 1)}</td><td>{f(o, 'attainment')}</td>"
                    f"<td>{f(o, 'shrunk_attainment')}</td><td>{f(o, 'baseline_ratio')}</td>"
                    f"<td class='flag'>{'below target' if o.get('below_target') else ''}"
                    f"</td></tr>")
    return head + "".join(body) + "</table>"


def _small_multiples(ice: Icestats) -> str:
    """Every office's weekly means, labelled with its 28-day mean (the offices answer)."""
    offices = ice.offices(window=28).offices.to_pylist()
    latest = {o["aor"]: (o["name"], o["per_day"]) for o in offices if o["rank"] is not None}
    weekly = ice.daily("aor", top=len(latest) + 2).weekly.to_pylist()
    weeks: dict[str, list[float]] = {}
    for w in weekly:
        if w["key"] in latest:
            weeks.setdefault(w["key"], []).append(float(w["mean_per_day"] or 0.0))
    panels = [(latest[c][0], weeks.get(c, []), float(latest[c][1] or 0.0))
              for c in sorted(latest, key=lambda c: -(latest[c][1] or 0))]
    return charts.small_multiples(panels, title="Every office: arrests a day, weekly means "
                                  "(each on its own scale; label: the latest 28-day mean)",
                                  chart_id="multiples")


def _composition(ice: Icestats, by: str, label: str) -> str:
    b = ice.breakdown(by, period="month", top=10)
    periods = [f"{p['period']:%Y-%m}" for p in b.wide]
    shares = {(f"{p['period']:%Y-%m}", c): float(p["cells"][c]["share"] or 0.0)
              for p in b.wide for c in b.columns}
    return charts.stacked_shares(periods, b.columns, shares, title=f"{label}: share of "
                                 "arrests by month", chart_id=f"comp-{by}")


def _events_forecast(ice: Icestats, goals: Goals) -> list[str]:
    from icestats.stats.events import example_file, load_events

    out = ["<h2>Events and forecast</h2>"]
    ev = ice.events(load_events(example_file(), []))
    rows = "".join(f"<tr><td>{esc(e['label'])}</td><td>{esc(e['office'])}</td>"
                   f"<td>{e['date']}</td><td>" +
                   (f"{interval(e['effect'], e['low'], e['high'])}</td><td>"
                    f"{num(e['placebo_p'], 2)}" if e.get("effect") else
                    f"{esc(e.get('note', ''))}</td><td>") + "</td></tr>" for e in ev.events)
    out.append(f"<p class='note'>{esc(ev.method)}.</p><table id='events'><tr><th>event"
               f"</th><th>office</th><th>date</th><th>effect [95% CI]</th><th>placebo p"
               f"</th></tr>{rows}</table>")
    fc = ice.forecast(goals, horizon=90).national
    fdays = fc["days"]
    out.append(charts.line_chart([d["date"] for d in fdays],
                                 [("forecast", [d["mean"] for d in fdays], "#1f5aa6"),
                                  ("95% low", [d["low"] for d in fdays], "#9db4d6"),
                                  ("95% high", [d["high"] for d in fdays], "#9db4d6")],
                                 hline=(fc["goal_per_day"], "goal") if "goal_per_day" in fc
                                 else None, title="National forecast, next 90 days",
                                 chart_id="forecast"))
    if "goal_met" in fc:
        out.append(f"<p>Goal of {num(fc['goal_per_day'], 0)} a day: {esc(fc['goal_met'])}.</p>")
    return out


def _agency(ice: Icestats, data: dict[str, object]) -> str:
    months = ice.agency().book_ins.to_pylist()
    data["book_ins"] = months
    dates = [m["month"] for m in months]
    chart = charts.line_chart(dates, [("ICE", [float(m["ice"] or 0) for m in months], "#1f5aa6"),
                                      ("CBP", [float(m["cbp"] or 0) for m in months], "#d1495b")],
                              title="ICE initial book-ins a month by arresting agency",
                              chart_id="agency")
    rows = "".join(f"<tr><td>{m['month']:%Y-%m}{' (partial)' if m['partial'] else ''}</td>"
                   f"<td>{num(m['ice'])}</td><td>{num(m['cbp'])}</td><td>{num(m['total'])}</td>"
                   f"<td>{num(m['per_day'])}</td><td>{pct(m['cbp_share_percent'])}</td></tr>"
                   for m in months)
    return (f"<h2>ICE vs Border Patrol (real data)</h2><p class='real'>From ICE's own detention "
            f"statistics workbooks: book-ins into detention after ICE's or CBP's arrests."
            f"</p>{chart}<table id='agency-table'><tr><th>month</th><th>ICE</th><th>CBP</th>"
            f"<th>total</th><th>a day</th><th>CBP share</th></tr>{rows}</table>")


def _provenance(status: StatusAnswer) -> str:
    rel = "".join(f"<tr><td>{esc(r['file_name'])}</td><td>{r['coverage_start']} to "
                  f"{r['coverage_end']}</td><td>{num(r['rows_read'])}</td>"
                  f"<td>{num(r['rows_loaded'])}</td><td>{num(r['rows_rejected'])}</td>"
                  f"<td>{num(r['merged'])}</td></tr>" for r in status.releases.to_pylist())
    wbs = "".join(f"<tr><td>{esc(w['file_name'])}</td><td>FY{w['fiscal_year']}</td>"
                  f"<td>{w['data_through']}</td><td>{w['tables']}</td></tr>"
                  for w in status.workbooks.to_pylist())
    rejects = "; ".join(f"{esc(k)}: {v:,}" for k, v in status.rejects_by_reason.items())
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
    from icestats.exports import atomic_output

    path = Path(out)
    html = build(ice, goal_per_day)
    with atomic_output(path) as tmp:  # renamed over ``path`` only when complete
        tmp.write_text(html, encoding="utf-8")
    return path
