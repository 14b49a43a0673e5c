"""The column specs of the statistics answers: fair evaluation, underperformers, nowcast,
events, forecast, surges. See ``render/columns.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from icestats.render.columns import Col, Row, Spec, text
from icestats.render.format import NONE, num

if TYPE_CHECKING:
    from icestats.answers import (
        Answer,
        EventsAnswer,
        FairAnswer,
        ForecastAnswer,
        NowcastAnswer,
        SurgesAnswer,
        UnderperformersAnswer,
    )


# --- fair -----------------------------------------------------------------------------
def _rank(r: Row) -> str:
    """3 [1–6]: the rank and the 95% interval of the rank."""
    if r.get("rank") is None:
        return NONE
    return f"{r['rank']} [{r['rank_low']}–{r['rank_high']}]"


def _flag(r: Row) -> str:
    if r.get("below_target"):
        return "below"
    return "no data" if r.get("covered") is False else "" if r.get("rank") else "unranked"


FAIR = (
    Col("rank", "rank [95%]", "rank (1 = highest)", parts=("rank_low", "rank_high"),
        write=_rank),
    text("name", "office"), text("aor", "code", show=False),
    Col("arrests", "arrests", "arrests", show=False),
    Col("per_day", "per day", "arrests a day", 1),
    # (the label says what the rate is per: a narrow terminal stacks each row, its legend
    # far below)
    Col("per_100k_noncitizens_yr", "per 100k noncit./yr",
        "arrests per 100,000 noncitizen residents a year",
        0, priority=6),
    Col("per_100k_residents_yr", "per 100k residents", "arrests per 100,000 residents a year",
        show=False),
    Col("baseline_ratio", "vs base [95%]", "ratio to the office's own baseline", 2,
        kind="interval", parts=("baseline_low", "baseline_high")),
    Col("target_per_day", "target", "arrests a day", 1, priority=7),
    Col("attainment", "attain. [95%]", "arrests over the target", 2, kind="interval",
        parts=("attainment_low", "attainment_high")),
    Col("p_attainment_below_1", "P(<1)", "probability", 2),
    Col("shrunk_attainment", "shrunk", "empirical Bayes attainment", 2, priority=10),
    Col("below_target", "flag", "below target with the false discovery rate held",
        kind="text", write=_flag),
)


def _fair_title(a: Answer) -> str:
    r = cast("FairAnswer", a)
    return f"Fair office evaluation, {r.window[0]} to {r.window[1]} ({r.window_days} days)"


# --- underperformers: ranks under each yardstick, side by side --------------------------
def _place(key: str, n: int) -> Any:
    def write(r: Row) -> str:
        """▼24 21–24: in the bottom n under this yardstick (▼), its rank among the offices
        (1 = highest) and the 95% interval of the rank."""
        rank = r.get(f"{key}_rank")
        if rank is None:
            return NONE
        mark = "▼" if key in r.get("_bottom", ()) else ""
        return f"{mark}{rank} {r[f'{key}_rank_low']}–{r[f'{key}_rank_high']}"
    return write


def _under_columns(a: Answer) -> tuple[Col, ...]:
    u = cast("UnderperformersAnswer", a)
    cols: list[Col] = [text("aor", "office"), text("name", "name", priority=8)]
    for i, m in enumerate(u.measures):  # (values left out right to left, ranks kept)
        k, short = m["key"], m["short"]
        cols += [Col(f"{k}_value", f"{short} value", m["label"], m["digits"], priority=4 + i),
                 Col(f"{k}_rank", short, f"rank among the {u.ranked} (1 = highest)",
                     parts=(f"{k}_rank_low", f"{k}_rank_high"), write=_place(k, u.n))]
    below = str(u.details.get("below_means", "below target"))
    cols.append(Col("below_target", "below share" if "share" in below else "below target",
                    f"{below}, false discovery rate held", kind="text",
                    write=lambda r: "yes" if r.get("below_target") else ""))
    return tuple(cols)


def _under_rows(a: Answer) -> list[Row]:
    from icestats.answer_tables import table_of

    u = cast("UnderperformersAnswer", a)
    flat = table_of(u.offices).to_pylist() if u.offices else []
    return [{**f, "_bottom": set(o["bottom_under"])}
            for f, o in zip(flat, u.offices, strict=True) if o["bottom_under"]]


def _under_title(a: Answer) -> str:
    u = cast("UnderperformersAnswer", a)
    return (f"Offices in the {u.n} lowest of {u.ranked} under any yardstick, "
            f"{u.window[0]} to {u.window[1]} ({u.window_days} days)")


# --- nowcast --------------------------------------------------------------------------
NOWCAST = (
    Col("date", "date", kind="text"), Col("age_days", "age", "days before the data's end",
                                          priority=3),
    Col("reported", "reported", "arrests reported"),
    Col("completeness", "completeness", "share of the final count reported",
        write=lambda r: f"{num(100 * r['completeness'], 0)}%"),
    Col("nowcast", "nowcast [95% interval]", "arrests", parts=("low", "high"),
        write=lambda r: f"{num(r['nowcast'], 0)} [{num(r['low'], 0)}–{num(r['high'], 0)}]"),
)


def _nowcast_title(a: Answer) -> str:
    r = cast("NowcastAnswer", a)
    return (f"Nowcast of the last {len(r.days)} days of release {r.release_id} (data to "
            f"{r.release_end})")


# --- events: one row per event and span -----------------------------------------------
EVENTS = (
    text("event", "event", wrap=True), text("span", "over"),
    Col("effect", "effect", "arrests over the synthetic control's", kind="text"),
    Col("interval", "95% interval", "test inversion against the placebos", kind="text"),
    Col("p", "p", "p of no effect (on screen the permutation p against the placebos; in "
        "files the interval's, parametric with too few placebos, beside permutation_p)", 3),
    Col("min_p", "min p", "smallest possible p: 1 / (comparable placebos + 1)", 3,
        show=False),  # (in files; on screen in each event's detail: the table fits 80 columns)
)


def _event_rows(a: Answer) -> list[Row]:
    """Each estimated event: its effect over 14, 28 and 56 days, then its pre-trend."""
    r = cast("EventsAnswer", a)
    out: list[Row] = []
    for e in r.events:
        if e.get("effect") is None:
            continue
        spans = [(f"{x['days']} days", x) for x in e.get("effects") or [
            {**e, "days": r.window_days, "ratio": e["effect"]}]]
        if e.get("pre_trend"):
            spans.append((f"pre-trend ({r.window_days} d)", e["pre_trend"]))
        for k, (span, x) in enumerate(spans):
            unit = f" ({e['unit']})" if e.get("unit") not in (None, e["office"]) else ""
            head = f"{e['office']}{unit} {e['date']}"  # (on every row: no row reads as the
            out.append({"event": f"{head} {e['label']}" if k == 0 else head,  # rest of one)
                        "span": span, **_effect(x)})
    return out


def _events_title(a: Answer) -> str:
    """The fit period: the events' own when they differ (a short state series)."""
    r = cast("EventsAnswer", a)
    used = sorted({e["pre_days"] for e in r.events if e.get("pre_days")})
    pre = f"{used[0]} to {used[-1]}" if len(used) > 1 else str(r.pre_days)
    return f"Event effects against a synthetic control ({pre} days before to fit)"


def _effect(x: dict[str, Any] | None) -> Row:
    if not x or x.get("ratio") is None:
        return {"effect": NONE, "interval": NONE, "p": None, "min_p": None}
    bounds = "no bound" if x.get("low") is None else f"{x['low']:.2f}–{x['high']:.2f}"
    # the p a reader may quote: the permutation p, with the smallest it can be (1 over the
    # comparable placebos + 1); with too few placebos the interval is the parametric one
    # (its t p, e.g. 0.002 with 4 placebos, stays in the detail, never in the table)
    p = x.get("permutation_p", x.get("p", x.get("placebo_p")))
    return {"effect": x.get("text") or f"x{x['ratio']:.2f}", "interval": bounds,
            "p": p, "min_p": x.get("min_p")}


DISPLACEMENT = (
    text("office", "office",
         write=lambda r: r["office"] + ("" if r.get("donor") or r.get("ratio") is None
                                        else "*")),
    Col("distance_km", "km", "km from the event office"),
    Col("per_day", "per day", "arrests a day", 1),
    Col("added_per_day", "vs synthetic", "arrests a day against the synthetic control",
        write=lambda r: NONE if r.get("added_per_day") is None else f"{r['added_per_day']:+.1f}"),
    Col("text", "effect", "arrests over the synthetic control's", kind="text",
        write=lambda r: str(r.get("text") or r.get("note") or NONE)),
    Col("low", "95% interval", parts=("high",), kind="text",
        write=lambda r: "" if r.get("ratio") is None else "no bound" if r.get("low") is None
        else f"{r['low']:.2f}–{r['high']:.2f}"),
)


# --- forecast -------------------------------------------------------------------------
def _weeks_columns(a: Answer) -> tuple[Col, ...]:
    level = f"{cast('ForecastAnswer', a).level:.0%}"
    return (Col("week_from", "week from", kind="text",
                write=lambda r: str(r["week_from"]) + ("" if r["days"] == 7
                                                       else f" ({r['days']} days)")),
            Col("days", "days", show=False),
            Col("mean", "arrests/day", "arrests a day (the forecast of the week's mean: "
                "the median of the paths')", 1),
            Col("low", f"{level} interval for the week's mean", "arrests a day",
                kind="bounds", parts=("high",)),
            Col("level", "level", show=False))


def _chance(r: Row) -> str:
    chance = r.get("target_probability")
    if chance is None:
        return ""
    return (f"{chance:.0%}" + (f"; {r['target_span']}" if r.get("target_span") else "")
            + (f" (shift {r['recent_break']})" if r.get("recent_break") else ""))


def _forecast_offices(a: Answer) -> tuple[Col, ...]:
    f = cast("ForecastAnswer", a)
    level, span = f"{f.level:.0%}", f.national.get("next_30_days_span", 30)
    i = "next_30_days_mean_interval"
    return (text("aor", "office"),
            Col("observed_mean_last_14_days", "last 14/day", "arrests a day", 1, priority=5),
            Col("observed_mean_last_28_days", "last 28/day", "arrests a day", 1),
            Col("model_level_per_day", "level/day", "arrests a day (model level)", 1,
                priority=4),
            Col("next_30_days_mean", f"next {span} days/day [{level}]", "arrests a day", 1,
                parts=(f"{i}_low", f"{i}_high"),
                write=lambda r: f"{num(r['next_30_days_mean'])} [{num(r[f'{i}_low'], 0)}–"
                                f"{num(r[f'{i}_high'], 0)}]"),
            Col("target_per_day", "target/day", "arrests a day", 1),
            Col("target_probability", f"P(next {span} d ≥ target)",
                "probability that the next days' mean reaches the target; the first month "
                "expected at it", kind="text", write=_chance))


BACKTEST = (
    text("method", "method"),
    Col("coverage_80", "80% interval covered", write=lambda r: f"{r['coverage_80']:.1%}"),
    Col("coverage_95", "95% covered", write=lambda r: f"{r['coverage_95']:.1%}"),
    Col("coverage_30_day_mean_80", "30-day mean in its 80%",
        write=lambda r: f"{r['coverage_30_day_mean_80']:.1%}"),
    Col("median_abs_error_day_share", "median |error| of a day",
        write=lambda r: f"{r['median_abs_error_day_share']:.0%} of the 30-day mean"),
    Col("median_abs_pct_error_30_day_mean", "median |error| of the 30-day mean",
        write=lambda r: f"{r['median_abs_pct_error_30_day_mean']:.1f}%"),
    Col("median_signed_pct_error_30_day_mean", "median signed error of the 30-day mean",
        write=lambda r: f"{r['median_signed_pct_error_30_day_mean']:+.1f}%"),
)


# --- surges ---------------------------------------------------------------------------
SURGES = (
    text("office", "office"),  # (*: near a release's first day, said under the table)
    Col("start", "start", kind="text",
        write=lambda r: f"{r['start']}{'*' if r.get('note') else ''}"),
    Col("end", "end", kind="text", write=lambda r: "ongoing" if r["ongoing"] else str(r["end"])),
    Col("ongoing", "ongoing", show=False),
    Col("days", "days", "days"), Col("per_day_before", "before/day", "arrests a day", 1),
    Col("per_day_during", "during/day", "arrests a day", 1, priority=3),
    Col("ratio", "ratio, 95% CI", "during over before", parts=("low", "high"),
        write=lambda r: f"x{r['ratio']:.2f} {r['low']:.2f}–{r['high']:.2f}"),
    text("note", "note", show=False, write=lambda r: r.get("note") or ""),
)


def _surges_title(a: Answer) -> str:
    s = cast("SurgesAnswer", a)
    return f"Surges, {s.window[0]} to {s.window[1]} ({len(s.offices_scanned)} offices scanned)"


SPECS: dict[tuple[str, str], Spec] = {
    ("fair", "offices"): Spec(FAIR, _fair_title, dim=lambda r: r.get("rank") is None),
    ("underperformers", "offices"): Spec(_under_columns, _under_title, _under_rows),
    ("nowcast", "days"): Spec(NOWCAST, _nowcast_title),
    ("events", "events"): Spec(EVENTS, _events_title, _event_rows),
    ("events", "displacement"): Spec(DISPLACEMENT),
    ("forecast", "weeks"): Spec(_weeks_columns, lambda a: (
        f"National forecast from {cast('ForecastAnswer', a).as_of}, "
        f"{cast('ForecastAnswer', a).horizon_days} days: mean per day of each 7 days ahead")),
    ("forecast", "offices"): Spec(_forecast_offices, lambda a: (
        "Offices: observed, model level, next "
        f"{cast('ForecastAnswer', a).national.get('next_30_days_span', 30)} days and their "
        "targets")),
    ("forecast", "backtest"): Spec(BACKTEST),
    ("surges", "surges"): Spec(SURGES, _surges_title),
}
