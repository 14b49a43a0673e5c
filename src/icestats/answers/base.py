"""What every answer carries: its source files (real or generated), the days covered, and
the one JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from icestats.jsonout import plain


@dataclass(frozen=True)
class Source:
    """The files an answer was computed from, and whether their numbers are real."""

    releases: tuple[tuple[str, bool | None], ...] = ()  # (file name, synthetic) counted
    workbooks: tuple[str, ...] = ()  # ICE detention statistics workbooks used
    counts: tuple[tuple[str, bool], ...] = ()  # (file name, synthetic) of count tables used

    @property
    def synthetic(self) -> bool | None:
        """True when any counted release or count table is generated; None when that is
        unknown."""
        flags = [s for _, s in self.releases] + [s for _, s in self.counts]
        if not flags:
            return False if self.workbooks else None
        if any(s is None for s in flags):
            return None
        return any(flags)

    @property
    def text(self) -> str:
        """One line for a reader: which numbers are real, which generated, from which file."""
        parts = []
        real = [n for n, s in self.releases if s is False]
        generated = [n for n, s in self.releases if s]
        unknown = [n for n, s in self.releases if s is None]
        if real:
            parts.append("REAL arrest records from " + ", ".join(real))
        if generated:
            parts.append("GENERATED (synthetic) arrest records from " + ", ".join(generated))
        if unknown:
            parts.append("arrest records from " + ", ".join(unknown))
        if self.workbooks:
            parts.append("REAL ICE detention statistics from " + ", ".join(self.workbooks))
        real = [n for n, s in self.counts if not s]
        if real:
            parts.append("REAL published counts from " + ", ".join(real))
        generated = [n for n, s in self.counts if s]
        if generated:
            parts.append("GENERATED (synthetic) counts from " + ", ".join(generated))
        return "; ".join(parts) if parts else "no data loaded"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "synthetic": self.synthetic,
                "releases": [{"file": n, "synthetic": s} for n, s in self.releases],
                "workbooks": list(self.workbooks),
                "count_tables": [{"file": n, "synthetic": s} for n, s in self.counts]}


@dataclass(frozen=True)
class Coverage:
    """The days the loaded releases cover, and the last day before the incomplete tail."""

    start: date | None
    end: date | None
    complete_through: date | None

    @property
    def empty(self) -> bool:
        return self.start is None

    @property
    def incomplete_from(self) -> date | None:
        from datetime import timedelta

        if self.complete_through and self.end and self.complete_through < self.end:
            return self.complete_through + timedelta(days=1)
        return None

    def incomplete(self, day: date) -> bool:
        """True when ``day`` is inside the incomplete tail (reporting lag)."""
        first = self.incomplete_from
        return first is not None and day >= first

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "complete_through": self.complete_through,
                "incomplete_from": self.incomplete_from}


@dataclass
class Answer:
    """What every answer carries besides its data."""

    question: ClassVar[str] = ""
    source: Source = field(default_factory=Source, kw_only=True)
    count: str = field(default="arrests", kw_only=True)
    scope: str = field(default="all", kw_only=True)
    method: str = field(default="", kw_only=True)

    def body(self) -> dict[str, Any]:
        """The question's own data (each answer defines it)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        out = {"question": self.question, **self.body(), "count": self.count,
               "scope": self.scope, "source": self.source.to_dict(),
               "synthetic": self.source.synthetic}
        if self.method:
            out["method"] = self.method
        return plain(out)
