"""What every answer carries: its source files (real or generated), its window (the slice
it was asked over, resolved: ``slices.Window``), and the one JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from icestats.jsonout import plain
from icestats.slices import Coverage, Source, Window, counted_as

__all__ = ["Answer", "Coverage", "Source", "Window"]


@dataclass
class Answer:
    """What every answer carries besides its data."""

    question: ClassVar[str] = ""
    window: Window | None = field(default=None, kw_only=True)
    source: Source = field(default_factory=Source, kw_only=True)
    count: str = field(default="arrests", kw_only=True)
    scope: str = field(default="all", kw_only=True)
    method: str = field(default="", kw_only=True)
    # for a personal attribute: the grid cells the answer is made of (privacy.Protection)
    protection: Any = field(default=None, kw_only=True)

    def body(self) -> dict[str, Any]:
        """The question's own data (each answer defines it)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        kind = self.window.slice.kind if self.window is not None else "arrests"
        out = {"question": self.question, **self.body(), "window": self.window,
               "count": counted_as(kind, self.count), "scope": self.scope,
               "source": self.source.to_dict(),
               "synthetic": self.source.synthetic}
        if self.method:
            out["method"] = self.method
        if self.protection is not None:
            out["protection"] = self.protection.to_dict()
        result: dict[str, Any] = plain(out)
        return result
