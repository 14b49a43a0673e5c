"""`icestats report`: one self-contained HTML file (inline CSS and SVG, no JavaScript, no
network), or its charts as one PNG or PDF. Every number comes from the same client methods
as the CLI and the API; every chart is a Vega-Lite specification (``render/specs.py``)
drawn offline by vl-convert, twice: for a wide screen and for a phone (CSS shows one)."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icestats import __version__, vintage_metrics
from icestats.answers import (
    BreakdownAnswer,
    DailyAnswer,
    FairAnswer,
    GoalAnswer,
    OfficesAnswer,
    StatusAnswer,
)
from icestats.client import Icestats
from icestats.count_routes import need_records
from icestats.jsonout import plain
from icestats.render import (
    report_pipeline,
    report_published,
    report_stats,
    specs,
    specs_stats,
    underperformers,
)
from icestats.render.figures import CSS as FIGURE_CSS
from icestats.render.figures import Figures, esc
from icestats.render.format import num
from icestats.render.html_tables import html_table
from icestats.render.map import office_map
from icestats.render.specs import Width

if TYPE_CHECKING:
    from icestats.stats.goals import Goals

_OWN_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
main{max-width:900px;margin:0 auto;padding:12px 20px 60px;background:#fff}
h1{font-size:26px;margin:18px 0 4px}h2{margin-top:38px;border-bottom:2px solid #1f5aa6}
.note{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{padding:3px 8px;
border-bottom:1px solid #e6e6e6;text-align:right}th{background:#f2f4f8}
td:first-child,th:first-child{text-align:left}.flag{color:#b02a40;font-weight:600}
.narrow-only{display:none}@media (max-width:700px){.narrow-only{display:block}}
details{margin:6px 0}summary{cursor:pointer;font-weight:600;font-size:14px}
.scroll td{white-space:nowrap}td.t,th.t{text-align:left}tr.dim td{color:#767676}
.real{background:#e8f5e9;padding:6px 10px;border-left:4px solid #2e7d32}
.synthetic{background:#fff8e1;padding:6px 10px;border-left:4px solid #f9a825}
"""
# The report must stand alone as one file, so it inlines the rules it shares with the
# dashboard, read from the dashboard's stylesheet: one source for both.
SHARED_RULES = (".scroll",)
STYLESHEET = resources.files("icestats") / "web" / "static" / "style.css"


def shared_css(selectors: tuple[str, ...] = SHARED_RULES) -> str:
    """The dashboard stylesheet's rules for these selectors, as written there."""
    sheet = STYLESHEET.read_text(encoding="utf-8")
    rules = []
    for sel in selectors:
        rule = re.search(rf"^{re.escape(sel)}\{{[^}}]*\}}", sheet, re.M)
        if rule is None:  # a packaging fault, not a user's: crash loudly
            raise RuntimeError(f"web/static/style.css has no {sel} rule")
        rules.append(rule.group(0))
    return "\n".join(rules)


@cache
def css() -> str:
    """The report's whole stylesheet: its own rules, the shared ones, the figures'."""
    return f"{_OWN_CSS}{shared_css()}\n{FIGURE_CSS}"


# Drawn where the releases counted carry them (FOIA 2019-ICFO-53623 has method,
# citizenship and gender, not criminality, agency or program): the others are named.
BREAKDOWNS = (("criminality", "Criminality"), ("custody", "Custodial vs at-large"),
              ("method", "Apprehension method"), ("agency_group", "Arresting agency"),
              ("program", "Program"), ("disposition", "Processing disposition"),
              ("citizenship", "Citizenship"), ("gender", "Gender"))
TITLE = "ICE arrests against the goal: field-office statistics"


def build(ice: Icestats, goal_per_day: float | None = None) -> str:
    """The whole report as one HTML string; a goal given applies to every day (historic
    data too), else the default goal from its own date."""
    return _build(ice, goal_per_day, Figures())


def _build(ice: Icestats, goal_per_day: float | None, fig: Figures) -> str:
    from icestats.stats import goals as goals_mod

    goals = goals_mod.load(None, national=goal_per_day)
    status = ice.status()
    sections: list[str] = [_banner(status)]
    data: dict[str, object] = {"generated_by": f"icestats {__version__}",
                               "source": status.source.to_dict()}
    sections += report_published.sections(ice, data, fig)  # real 2025-26 counts first
    if status.releases.num_rows:
        sections += _arrests(ice, goals, goals.national_per_day, data, fig)
    if report_pipeline.wanted(status):
        sections.append(report_pipeline.section(ice, data))
    if status.workbooks.num_rows or vintage_metrics.has_vintages(ice.con):
        sections.append(_agency(ice, data, fig))
    sections.append(_provenance(status))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
            f"style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{esc(TITLE)}</title><style>{css()}</style></head><body><main>"
            f"<h1>{esc(TITLE)}</h1><p class='note'>Made by icestats {esc(__version__)} on "
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


def _arrests(ice: Icestats, goals: Goals, goal_per_day: float, data: dict[str, object],
             fig: Figures) -> list[str]:
    g = need_records(ice.goal(goal_per_day), GoalAnswer)
    daily = need_records(ice.daily(), DailyAnswer)
    data["goal"] = g.to_dict()
    out = [_goal_text(g),
           fig(lambda w: specs.daily(daily, "National arrests per day", w, goal=goal_per_day),
               "national")]
    if g.book_ins:
        out.append(f"<p class='real'>ICE's own detention statistics: "
                   f"{num(g.book_ins.book_ins_per_day, 0)} initial book-ins a day in "
                   f"{g.book_ins.month:%Y-%m} (real data).</p>")
    fair = ice.fair_offices(goals)
    out += _offices(ice, fair, data, fig)
    # its wide table scrolls inside the section, never the page, on a phone
    out.append(f"<div class='scroll'>{underperformers.html(ice.underperformers(goals))}</div>")
    out.append("<h2>Who is arrested, and how</h2>")
    missing = []
    for by, label in BREAKDOWNS:
        b = ice.breakdown(by, period="month", top=10)  # (ten and "other": eleven colours)
        if b.missing:
            missing.append(label.lower())
            continue
        out.append(fig(partial(_composition, b, f"{label}: share of arrests by month"),
                       f"comp-{by}"))
    if missing:
        out.append(f"<p class='note' id='not-in-release'>Not in this release, so not drawn: "
                   f"{esc(', '.join(missing))}.</p>")
    out += report_stats.sections(ice, goals, fig)
    return out


def _composition(b: BreakdownAnswer, title: str, width: Width) -> dict[str, Any]:
    return specs.composition(b, title, width)


def _goal_text(g: GoalAnswer) -> str:
    w = {x["days"]: x for x in g.windows}
    css = "synthetic" if g.source.synthetic else "real" if g.source.synthetic is False \
        else "note"
    return (f"<h2>Arrests a day against the goal</h2><p class='{css}'>Counted from "
            f"{esc(g.source.text)}: {g.coverage.start} to {g.coverage.end}. As of {g.as_of} "
            f"(the last complete day): <b>{num(w[28]['mean_per_day'], 0)}</b> arrests a day "
            f"over 28 days, {num(w[28]['percent_of_goal'])}% of the goal of {num(g.goal, 0)}; "
            f"shortfall {num(w[28]['shortfall_per_day'], 0)} a day.</p>")


def _offices(ice: Icestats, fair: FairAnswer, data: dict[str, object],
             fig: Figures) -> list[str]:
    data["offices"] = [{k: o.get(k) for k in ("aor", "arrests", "per_day", "attainment",
                                              "below_target")} for o in fair.offices]
    out = [f"<h2>Field offices</h2><p class='note'>{esc(fair.method)}. Window "
           f"{fair.window[0]} to {fair.window[1]}.</p>"]
    if fair.targets_in_force:
        out.append(fig(lambda w: specs_stats.intervals(
            fair, "attainment", "attainment_low", "attainment_high", "Attainment of target "
            "(95% interval; red: below target, FDR 5%)", "attainment (1 = on target)", w),
            "attainment"))
        out.append(fig(lambda w: specs_stats.funnel(fair, w), "funnel"))
    elif any(o.get("baseline_ratio") for o in fair.ranked):
        out.append(fig(lambda w: specs_stats.intervals(
            fair, "baseline_ratio", "baseline_low", "baseline_high", "Arrests a day against "
            "the office's own baseline (95% interval)", "ratio to baseline (1 = same)", w),
            "attainment"))
    out.append(html_table(fair, "offices", "office-table"))
    rate = {str(o["aor"]): float(o["per_100k_noncitizens_yr"]) for o in fair.ranked
            if o.get("per_100k_noncitizens_yr") is not None}
    out.append(office_map(rate, title="Arrests per 100,000 noncitizen residents a year "
                          f"({fair.window[0]} to {fair.window[1]})",
                          label=lambda v: f"{v:,.0f}", source=fair.source.text))
    out.append(_small_multiples(ice, data, fig))
    return out


def _small_multiples(ice: Icestats, data: dict[str, object], fig: Figures) -> str:
    """Every office's weekly means, labelled with its 28-day mean (the offices answer:
    the mean over the latest 28 complete days)."""
    offices = need_records(ice.offices(), OfficesAnswer)  # (the default window: 28 days)
    latest = [o for o in offices.offices.to_pylist() if o["rank"] is not None]
    history = need_records(ice.daily("aor", top=len(latest) + 2), DailyAnswer)
    weekly = history.weekly.to_pylist()
    panels = [{"aor": o["aor"], "name": o["name"], "per_day": o["per_day"],
               "label": f"{num(o['per_day'], 1)}/day",
               "weeks": [w for w in weekly if w["key"] == o["aor"]]}
              for o in sorted(latest, key=lambda o: -(o["per_day"] or 0))]
    data["sparklines"] = [{k: p[k] for k in ("aor", "name", "per_day")} for p in panels]
    title = ("Every office: arrests a day, weekly means (each on its own scale; label: the "
             "mean over the latest 28 complete days)")
    return fig(lambda w: specs.sparklines(panels, history.source, title, w,
                                          columns=5 if (w or 0) > 600 else 2), "multiples")


def _agency(ice: Icestats, data: dict[str, object], fig: Figures) -> str:
    a = ice.agency()
    months = a.book_ins.to_pylist()
    data["book_ins"] = months
    chart = fig(lambda w: specs.agency(a, w), "agency")
    return (f"<h2>ICE vs CBP: book-ins into detention (real data)</h2><p class='real'>From "
            f"ICE's own detention statistics (its workbooks, and every vintage of them as DDP "
            f"parsed them; the newest data for each month): initial book-ins into ICE detention, "
            f"by the agency that made the arrest (ICE, or CBP: Border Patrol and the officers "
            f"at ports of entry). Book-ins are not arrests: an arrest released without "
            f"detention is not booked in.</p>{chart}"
            f"{html_table(a, 'book_ins_by_month', 'agency-table')}")


def _provenance(status: StatusAnswer) -> str:
    rejects = "; ".join(f"{esc(k)}: {v:,}" for k, v in status.rejects_by_reason.items())
    return (f"<h2>Methods and data provenance</h2><p>Arrests are counted as episodes: records "
            f"of one identifier at most 24 hours apart are one arrest, on the first record's "
            f"day and office; records without an identifier count alone. For each day, the "
            f"release whose data end latest is used. The last 14 days of a release are "
            f"incomplete (shaded) and excluded from windows. Personal attributes (citizenship, "
            f"gender, age) are published only as whole calendar months per office or their "
            f"sums, each office's month cell randomly rounded to a multiple of 5 "
            f"(docs/reliability.md). "
            f"Methods in detail: docs/methods.md.</p>"
            f"{html_table(status, 'releases', 'releases')}"
            f"<p>Rejected rows: {rejects or 'none'}.</p>"
            + (html_table(status, "workbooks", "workbooks") if status.workbooks.num_rows
               else ""))


FORMATS = ("html", "png", "pdf")


def write(ice: Icestats, out: str | Path, goal_per_day: float | None = None,
          fmt: str = "html") -> Path:
    """The report as HTML, or its charts (one below the other, each with its title and
    source line) as one PNG or PDF."""
    from icestats.exports import atomic_output
    from icestats.render import vega

    if fmt not in FORMATS:
        from icestats.errors import UsageError

        raise UsageError(f"unknown report format '{fmt}' (expected one of "
                         f"{', '.join(FORMATS)})")
    path = Path(out)
    fig = Figures(svg=fmt == "html")
    html = _build(ice, goal_per_day, fig)
    with atomic_output(path) as tmp:  # renamed over ``path`` only when complete
        if fmt == "html":
            tmp.write_text(html, encoding="utf-8")
        else:
            page = fig.page(TITLE)
            tmp.write_bytes(vega.png(page) if fmt == "png" else vega.pdf(page))
    return path
