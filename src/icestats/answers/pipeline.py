"""The answer of ``icestats pipeline``: the five kinds a day side by side per office and
period, the ratios between them with what each can and cannot mean, removals against a
removal goal, the linked shares (where identifiers link the kinds) and book-ins by
arresting agency beside ICE's workbooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from icestats.answers.base import Answer


@dataclass
class PipelineAnswer(Answer):
    question: ClassVar[str] = "pipeline"
    period: str
    kinds: list[dict[str, Any]]  # period, aor; per kind: events, days, per day; ratios
    ratios: list[dict[str, str]]  # ratio, what it can mean and what it cannot
    removal_goal: dict[str, Any]  # removals a day against the goal, over the window
    removals_by: list[dict[str, Any]]  # by office, threat level and criminality
    linked: list[dict[str, Any]]  # arrests booked in / removed within 30/90/180 days
    linked_notes: dict[str, Any] = field(default_factory=dict)  # follow-up ends, no id
    book_ins_by_agency: list[dict[str, Any]] = field(default_factory=list)
    workbook_book_ins: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"period": self.period, "kinds": self.kinds, "ratios": self.ratios,
                "removal_goal": self.removal_goal, "removals_by": self.removals_by,
                "linked": self.linked, "linked_notes": self.linked_notes,
                "book_ins_by_agency": self.book_ins_by_agency,
                "workbook_book_ins": self.workbook_book_ins}
