"""The answer to "which dozen offices underperform?": the n lowest under each yardstick."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from icestats.answers.base import Answer, Window


@dataclass
class UnderperformersAnswer(Answer):
    question: ClassVar[str] = "underperformers"
    window: Window = field(kw_only=True)  # (always resolved: never None)
    n: int
    window_days: int
    ranked: int  # offices ranked (covered field offices)
    # each: key, label, short, digits, bottom (the n lowest, lowest first: aor, name,
    # value, rank, rank_low, rank_high, p_bottom), and how many of them could be outside
    measures: list[dict[str, Any]]
    # each ranked office: its place under every yardstick, bottom_under, below_target
    offices: list[dict[str, Any]]
    every_measure: list[str]  # in the bottom n under every yardstick
    some_measures: list[dict[str, Any]]  # aor, name, measures: in the bottom n under some
    below_target: list[str]  # below target with the false discovery rate held
    fdr: float
    level: float
    note: str  # the one line: how much the list depends on the yardstick and on noise
    goals: dict[str, Any]
    details: dict[str, Any]  # targets, baseline and areas notes, weekday, intervals_for
    not_covered: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"n": self.n, "window_days": self.window_days,
                "ranked": self.ranked, "measures": self.measures, "offices": self.offices,
                "every_measure": self.every_measure, "some_measures": self.some_measures,
                "below_target": self.below_target, "fdr": self.fdr, "level": self.level,
                "note": self.note, "goals": self.goals, "not_covered": self.not_covered,
                **self.details}
