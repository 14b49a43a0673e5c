"""Answers: one typed object per question, built by the library, rendered by every output.

The CLI (tables and ``--json``), the JSON API, the HTML report and the dashboard only
format these; every derived number (shares, per-day rates, rolling and weekly means,
top-N plus "other", partial-period flags) is computed before an answer is made.
``to_dict()`` is the one JSON form (through ``jsonout.plain``), so ``icestats Q --json``
and ``/api/Q`` are the same answer.

Each answer says what it counts (``count``), over which records (``scope``), up to when
(``as_of``), from which files (``source``: real or generated) and how (``method``).
"""

from icestats.answers.base import Answer, Coverage, Source
from icestats.answers.counts import (
    AgencyAnswer,
    BookInsNear,
    BreakdownAnswer,
    DailyAnswer,
    FiscalYearsAnswer,
    GoalAnswer,
    OfficesAnswer,
    RevisionsAnswer,
    StatusAnswer,
)
from icestats.answers.pipeline import PipelineAnswer
from icestats.answers.stats import (
    EventsAnswer,
    FairAnswer,
    ForecastAnswer,
    NowcastAnswer,
    SurgesAnswer,
)
from icestats.answers.underperformers import UnderperformersAnswer

__all__ = [
    "AgencyAnswer",
    "Answer",
    "BookInsNear",
    "BreakdownAnswer",
    "Coverage",
    "DailyAnswer",
    "EventsAnswer",
    "FairAnswer",
    "FiscalYearsAnswer",
    "ForecastAnswer",
    "GoalAnswer",
    "NowcastAnswer",
    "OfficesAnswer",
    "PipelineAnswer",
    "RevisionsAnswer",
    "Source",
    "StatusAnswer",
    "SurgesAnswer",
    "UnderperformersAnswer",
]
