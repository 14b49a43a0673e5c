"""The question table: every question icestats answers, declared once.

Each ``Question`` names its parameters (``params.Param``: default, bounds, choices, help,
unit), its answer class, its main tables and the library method that answers it. From
this table are built: the CLI commands and their ``--help`` (``commands/questions.py``),
the API routes and their documented bounds (``web/routes.py``), ``icestats export NAME``
(``commands/explore.py``) and the README's option reference (``python -m
icestats.questions``); the library's signatures are tested against it. A value is parsed
by the same ``Param`` on every surface, so the CLI and the API accept and refuse the same
values with the same one-line message.

To add a question: write its library method on ``client.Icestats`` (keywords named as its
parameters), its answer class, then one ``Question(...)`` below and a renderer in
``commands/questions.py``. To add a parameter to a question: add its ``Param`` to the
question's ``params`` and the keyword to the library method. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from icestats import answers as a
from icestats.counting import BREAKDOWNS, PERIODS, TOP
from icestats.defaults import (
    DAYS_PER_YEAR,
    FDR,
    GOAL_FROM,
    GOAL_PER_DAY,
    LEVEL,
    REMOVAL_GOAL_FROM,
    REMOVAL_GOAL_PER_YEAR,
    WINDOW_DAYS,
)
from icestats.params import MAX_DAYS, MAX_EVENTS, MAX_PER_DAY, MIN_PER_DAY, Param
from icestats.slices import COUNTS, KINDS, SCOPES, Slice

# -- parameters shared by several questions (the slice's first) -------------------------
KIND = Param("kind", "choice", "Event kind to count (its own date, office, rule).",
             "arrests", choices=tuple(KINDS),
             slice="kind")
COUNT = Param("count", "choice", "arrests: one per 24-hour episode (another --kind: one "
              "per event under its duplicate rule); records: raw rows.",
              "arrests", choices=COUNTS, slice="count")
SCOPE = Param("scope", "choice", "all, or interior: without border-related records "
              "(UWCHR's rule: border methods, CBP/Border Patrol, ports of entry, airports).",
              "all", choices=SCOPES, slice="scope")
WINDOW = Param("window", "days", "Window in days, ending at the as-of day.", WINDOW_DAYS,
               "days", low=1, high=MAX_DAYS, slice="window")
AS_OF = Param("as_of", "date", "Last day of the window (YYYY-MM-DD); default: last complete "
              "day.", slice="as_of")
TAIL = Param("include_incomplete", "flag", "Let the window reach into the incomplete last "
             "14 days.", False, slice="include_incomplete")
FROM = Param("start", "date", "First day (YYYY-MM-DD); default: the data's first.",
             option="--from", query="from", slice="start")
TO = Param("end", "date", "Last day (YYYY-MM-DD); default: the data's last.", option="--to",
           query="to", slice="end")
AOR = Param("aor", "office", "One office: a code (CHI) or a name (Chicago).",
            slice="offices")
# Given, a goal or a goals file applies to every day asked about (historic data too);
# not given, the kind's stated goal applies from its own date (kind_goals.py).
GOAL = Param("goal", "number", "Goal a day, for every day asked (without it: "
             f"{GOAL_PER_DAY:,.0f} arrests from {GOAL_FROM}, "
             f"{REMOVAL_GOAL_PER_YEAR / DAYS_PER_YEAR:,.1f} removals from "
             f"{REMOVAL_GOAL_FROM}).", None, "a day", low=MIN_PER_DAY, high=MAX_PER_DAY)
USER_GOAL = GOAL
GOALS = Param("goals", "path", "Goals file (TOML): national goal, allocation, per-office "
              "targets with their dates.", surfaces=("cli",))
ALLOCATION = Param("allocation", "choice", "How the goal is shared among the offices "
                   "(without it: noncitizen, or the goals file's).",
                   choices=("population", "noncitizen", "undocumented", "baseline"))
FDR_P = Param("fdr", "number", "False discovery rate held by the below-target flag.", FDR,
              low=0, high=1, low_open=True, high_open=True)
LEVEL_P = Param("level", "number", "Interval level.", LEVEL, low=0.5, high=0.99)
TOP_P = Param("top", "int", "How many categories are shown as their own column or series "
              "(the rest: other).", TOP, low=1, high=50)
FAIR_WINDOW = replace(WINDOW, low=7)
# count tables beside records (count_routes.py): which answers where both hold a unit
PREFER = Param("prefer", "choice", "A week or month both hold: from the records (where "
               "they cover all its days) or the count table.", "records",
               choices=("records", "counts"))
VINTAGE = Param("vintage", "date", "The figures as they stood on this day: for each month "
                "the newest workbook or vintage whose data end by it (default: the newest).")
# the offices' goals and tests, in the order fair and underperformers take them
TARGETS = (GOALS, USER_GOAL, ALLOCATION, FDR_P)
WINDOWED = (AS_OF, TAIL, KIND, COUNT, SCOPE)


@dataclass(frozen=True)
class Question:
    """A question: its name (the CLI command with dashes, the API route ``/api/NAME``,
    ``export NAME``, the answer's ``question``), help, parameters, answer class, main
    tables (what ``--format csv`` prints; the first is what ``export`` writes) and the
    ``client.Icestats`` method answering it. ``fixed``: slice fields set by the question
    itself (the daily series shows the incomplete tail, marked)."""

    name: str
    help: str
    params: tuple[Param, ...]
    answer: type[a.Answer]
    tables: tuple[str, ...]
    method: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)

    @property
    def command(self) -> str:
        return self.name.replace("_", "-")

    @property
    def route(self) -> str:
        return f"/api/{self.name}"

    @property
    def library(self) -> str:
        return self.method or self.name

    def on(self, surface: str) -> tuple[Param, ...]:
        return tuple(p for p in self.params if surface in p.surfaces)

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter parsed (absent ones: their default); unknown names refused."""
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise TypeError(f"{self.name} takes no parameter {', '.join(sorted(unknown))}")
        return {p.name: p.parse(values.get(p.name)) for p in self.params}

    def bind(self, values: Mapping[str, Any]) -> tuple[Slice, dict[str, Any]]:
        """(the slice, the question's own parameters), parsed and validated."""
        parsed = self.parse(values)
        fields: dict[str, Any] = dict(self.fixed)
        own: dict[str, Any] = {}
        days = parsed.get("start") is not None or parsed.get("end") is not None
        for p in self.params:
            if not p.slice:
                own[p.name] = parsed[p.name]
            elif p.slice == "window" and days and parsed[p.name] == p.default:
                continue  # (--from/--to asked: the default window gives way)
            elif p.slice == "offices":
                fields["offices"] = (parsed[p.name],) if parsed[p.name] else ()
            elif parsed[p.name] is not None:
                fields[p.slice] = parsed[p.name]
        return Slice(**fields), own


_Q = Question
QUESTIONS: dict[str, Question] = {q.name: q for q in (
    _Q("status", "Releases, workbooks and count tables loaded: coverage, rows loaded / "
       "rejected / merged, incomplete tail, workbook tables (named, kept raw, total "
       "mismatches), count tables and how far they agree with the records.", (),
       a.StatusAnswer, ("releases", "workbooks", "count_tables")),
    _Q("goal", "National arrests per day (latest day, rolling means) against the goal, and "
       "the trend over the window.", (GOAL, replace(WINDOW, help="Trend window in days, "
                                                    "ending at the as-of day."), *WINDOWED,
                                         PREFER),
       a.GoalAnswer, ("windows", "summary")),
    _Q("offices", "The 25 field offices ranked by arrests per day over the window, with the "
       "window before, the change and the national share; over one period's totals where "
       "a count table gives them (--from/--to).", (WINDOW, *WINDOWED, FROM, TO),
       a.OfficesAnswer, ("offices",)),
    _Q("fair", "Each office evaluated fairly: rates per resident, its own baseline, its "
       "target, attainment with intervals, shrinkage and a below-target flag with the "
       "false discovery rate held.", (FAIR_WINDOW, *WINDOWED, *TARGETS),
       a.FairAnswer, ("offices",), method="fair_offices"),
    _Q("underperformers", "The --n lowest offices under five yardsticks side by side (a day, "
       "per resident, per noncitizen, attainment, against their own baseline), with rank "
       "intervals and the below-target test.",
       (Param("n", "int", "How many lowest offices (default 12, or all but one when fewer "
                          "offices are ranked).", None, "offices", low=1, high=24),
        FAIR_WINDOW, *WINDOWED, *TARGETS), a.UnderperformersAnswer, ("offices",)),
    _Q("breakdown", "Counts and shares over time by one category.",
       (Param("by", "choice", "Category", "criminality", choices=BREAKDOWNS),
        Param("period", "choice", "The period each row counts (fy: the federal fiscal year, "
                                  "October to September).", "month", choices=PERIODS),
        FROM, TO, AOR, KIND, COUNT, SCOPE, TOP_P), a.BreakdownAnswer, ("rows",),
       fixed={"include_incomplete": True}),
    _Q("daily", "Daily counts: totals by month (or by category with --by), the daily series "
       "with 7- and 28-day means and weekly means.",
       (Param("by", "choice", "Series by", choices=tuple(dict.fromkeys(("aor", *BREAKDOWNS)))),
        FROM, TO, AOR, KIND, COUNT, SCOPE, TOP_P, PREFER),
       a.DailyAnswer, ("totals",), fixed={"include_incomplete": True}),
    _Q("fiscal_years", "Arrests per federal fiscal year (October to September) beside ICE's "
       "published administrative-arrest totals.", (COUNT, SCOPE), a.FiscalYearsAnswer,
       ("years",), fixed={"include_incomplete": True}),
    _Q("agency", "ICE vs CBP: monthly book-ins by arresting agency (ICE's detention "
       "statistics), per day, CBP share; who is detained; arrests a day beside them.",
       (VINTAGE,), a.AgencyAnswer, ("book_ins_by_month", "detained_by_criminality")),
    _Q("revisions", "How later workbooks of a fiscal year revised each month (newest wins).",
       (Param("table", "text", "Workbook table key.", "book_ins_by_agency"),
        Param("month", "month", "Only this month (YYYY-MM); default: every month.")),
       a.RevisionsAnswer, ("rows",)),
    _Q("nowcast", "The incomplete last weeks of the newest release (reporting lag) "
       "corrected, with intervals.", (COUNT, SCOPE, LEVEL_P), a.NowcastAnswer, ("days",),
       fixed={"include_incomplete": True}),
    _Q("events", "Change in an office's arrests after an operation or leadership change, "
       "against a synthetic control of the other offices, with placebo intervals, a "
       "pre-trend check, the weekly event study and the displacement; where no record "
       "holds the dates, on a count table's daily state series (the office's state against "
       "the other states, placebos in space only).",
       (Param("file", "path", "Events file (TOML); see `icestats events --example`.",
              surfaces=("cli",)),
        Param("event", "list", "DATE,OFFICE,LABEL (repeatable), e.g. 2025-09-08,CHI,"
                               "Midway Blitz; without it or --file: the example events "
                               "inside the data.", high=MAX_EVENTS),
        Param("window", "days", "Days after the date the main effect is measured over.",
              WINDOW_DAYS, "days", low=7, high=182, step=7),
        Param("pre", "days", "Days before the date the synthetic control is fitted on.", 182,
              "days", low=28, high=728, step=7),
        KIND, COUNT, SCOPE, LEVEL_P), a.EventsAnswer, ("events",)),
    _Q("forecast", "National and per-office daily arrests ahead with intervals, and the "
       "chance of reaching the goal within the horizon.",
       (Param("horizon", "days", "Days ahead.", 90, "days", low=1, high=365),
        Param("fit_days", "days", "Days up to the as-of day the model is fitted on.", 182,
              "days", low=28, high=MAX_DAYS, slice="window"),
        AS_OF, LEVEL_P, Param("backtest", "flag", "Also measure the intervals' coverage and "
                              "the errors on this database's own data.", False),
        GOALS, USER_GOAL, ALLOCATION, KIND, COUNT, SCOPE), a.ForecastAnswer,
       ("weeks", "offices")),
    _Q("pipeline", "The enforcement pipeline per office and period: encounters, detainers, "
       "arrests, book-ins and removals a day side by side, the ratios between them (with "
       "what each can and cannot mean), removals against a removal goal by office, threat "
       "level and criminality, the share of arrests booked in and removed within 30/90/180 "
       "days where identifiers link the kinds, and book-ins by arresting agency.",
       (Param("period", "choice", "The period each row counts (fy: the federal fiscal year, "
                                  "October to September).", "fy", choices=PERIODS),
        FROM, TO, AOR, TAIL,
        Param("goal", "number", "Removal goal in removals a year, for every day asked about "
                                f"(without it: {REMOVAL_GOAL_PER_YEAR:,.0f} a year, "
                                f"{REMOVAL_GOAL_PER_YEAR / DAYS_PER_YEAR:,.1f} a day, from "
                                f"{REMOVAL_GOAL_FROM}).", None, "removals a year", low=0,
              low_open=True),
        Param("window", "days", "Days of removals, ending at their last complete day, "
                                "measured against the goal.", WINDOW_DAYS, "days", low=1,
              high=MAX_DAYS)),
       a.PipelineAnswer, ("kinds", "removals_by", "linked", "book_ins_by_agency",
                          "workbook_book_ins")),
    _Q("surges", "Unannounced surges: a change-point scan of every office's weekday-adjusted "
       "daily arrests over the whole series; those overlapping --from/--to are listed.",
       (FROM, TO, Param("threshold", "number", "Change-point threshold in long-run sd "
                        "(higher: fewer, surer surges).", 4.5, "sd", low=2, high=20),
        Param("min_ratio", "number", "Smallest rise listed (1.3 = +30%).", 1.3, low=1,
              high=20, low_open=True), KIND, COUNT, SCOPE), a.SurgesAnswer, ("surges",)),
)}


def question(name: str) -> Question:
    return QUESTIONS[name]


def markdown() -> str:
    """The README's option reference, from the table (``python -m icestats.questions``)."""
    lines = []
    for q in QUESTIONS.values():
        lines.append(f"- `icestats {q.command}` (`/api/{q.name}`): {q.help}")
        for p in q.params:
            where = "" if p.surfaces == ("cli", "api") else " (command line only)"
            api = f" (API `{p.api_name}`)" if p.api_name != p.name else ""
            lines.append(f"  - `{p.flag}`{api}{where}: {p.describe()}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
