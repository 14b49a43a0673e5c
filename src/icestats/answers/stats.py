"""Answers of the statistics: fair evaluation, nowcast, events, forecast, surges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from icestats.answers.base import Answer, Window
from icestats.answers.rows import SurgeRow


@dataclass
class FairAnswer(Answer):
    question: ClassVar[str] = "fair"
    window: Window = field(kw_only=True)  # (always resolved: never None)
    offices: list[dict[str, Any]]
    window_days: int
    targets_in_force: bool
    fdr: float
    level: float
    goals: dict[str, Any]
    details: dict[str, Any]  # model, funnel limits, prior, baseline period and note
    not_covered: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> list[str]:
        return [str(o["name"]) for o in self.offices if o.get("below_target")]

    @property
    def ranked(self) -> list[dict[str, Any]]:
        return [o for o in self.offices if o["rank"] is not None]

    def body(self) -> dict[str, Any]:
        return {"offices": self.offices, "window_days": self.window_days,
                "targets_in_force": self.targets_in_force,
                "fdr": self.fdr, "level": self.level, "goals": self.goals,
                "below_target": self.flagged, "not_covered": self.not_covered,
                **self.details}


@dataclass
class NowcastAnswer(Answer):
    question: ClassVar[str] = "nowcast"
    release_id: int
    release_end: date
    curve_source: str
    curve: list[float]
    dispersion: float
    level: float
    days: list[dict[str, Any]]
    reported_total: int
    nowcast_total: float
    corrected: bool = True  # False: the reported counts are kept (no depression shown)
    tail_test: dict[str, Any] | None = None  # one release: is the tail depressed?
    curve_sd: list[float] = field(default_factory=list)  # the curve's standard error
    last_day_cut: dict[str, Any] | None = None  # the release's last day looks partial

    def body(self) -> dict[str, Any]:
        return {"release_id": self.release_id, "release_end": self.release_end,
                "curve_source": self.curve_source, "curve": self.curve,
                "curve_sd": self.curve_sd, "corrected": self.corrected,
                "tail_test": self.tail_test, "last_day_cut": self.last_day_cut,
                "dispersion": self.dispersion, "level": self.level, "days": self.days,
                "reported_total": self.reported_total, "nowcast_total": self.nowcast_total}


@dataclass
class EventsAnswer(Answer):
    question: ClassVar[str] = "events"
    events: list[dict[str, Any]]
    window_days: int
    level: float
    data: tuple[date | None, date | None]
    pre_days: int = 182  # the synthetic control's fit period before each event

    def body(self) -> dict[str, Any]:
        return {"events": self.events, "window_days": self.window_days,
                "pre_days": self.pre_days, "level": self.level, "data": list(self.data)}


@dataclass
class ForecastAnswer(Answer):
    question: ClassVar[str] = "forecast"
    horizon_days: int
    level: float
    national: dict[str, Any]  # observed means, model level, 30-day mean interval, days, goal
    weeks: list[dict[str, Any]]  # each 7 days ahead: mean per day with an interval for it
    offices: list[dict[str, Any]]
    goals: dict[str, Any]
    not_covered: list[str] = field(default_factory=list)
    as_of: date | None = None  # the origin: the last day of data used
    backtest: dict[str, Any] | None = None  # forecast --backtest: coverage and errors

    def body(self) -> dict[str, Any]:
        return {**self.national, "as_of": self.as_of, "horizon_days": self.horizon_days,
                "level": self.level, "weeks": self.weeks, "offices": self.offices,
                "goals": self.goals, "not_covered": self.not_covered,
                "backtest": self.backtest}


@dataclass
class SurgesAnswer(Answer):
    question: ClassVar[str] = "surges"
    window: Window = field(kw_only=True)  # (always resolved: never None)
    surges: list[SurgeRow]
    offices_scanned: list[str]
    threshold: float
    min_ratio: float
    not_covered: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"surges": self.surges, "offices_scanned": self.offices_scanned,
                "threshold": self.threshold,
                "min_ratio": self.min_ratio, "not_covered": self.not_covered}
