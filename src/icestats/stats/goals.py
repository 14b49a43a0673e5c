"""Targets as configuration: a national goal and optional per-office targets, with dates.

A goals file (TOML)::

    [national]
    per_day = 3000
    from = 2025-05-28            # optional: effective date range
    allocation = "noncitizen"    # population | noncitizen | undocumented | baseline
    baseline = [2024-01-01, 2024-12-31]   # for allocation = "baseline"

    [[office]]
    aor = "CHI"
    per_day = 150
    from = 2025-09-01
    to = 2025-12-31

A goal the user gives (``--goal``, or a goals file whose national goal has no ``from``)
applies to every day asked about, historic data included; the built-in default (3,000 a
day) applies from 2025-05-28 only. ``Goals.user`` says whose goal an answer measures.

Offices without an explicit target get a share of the national goal by the allocation key
(their share of the 25 offices' population, noncitizens or estimated undocumented
residents, or of the offices' arrests in the baseline period).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from icestats import params, reference
from icestats.defaults import GOAL_PER_DAY
from icestats.errors import UsageError

ALLOCATIONS = ("population", "noncitizen", "undocumented", "baseline")
DEFAULT_FROM = date(2025, 5, 28)


@dataclass(frozen=True)
class OfficeTarget:
    aor: str
    per_day: float
    start: date | None = None
    end: date | None = None

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass
class Goals:
    national_per_day: float = GOAL_PER_DAY
    start: date | None = DEFAULT_FROM
    end: date | None = None
    allocation: str = "noncitizen"
    baseline: tuple[date, date] = (date(2024, 1, 1), date(2024, 12, 31))
    offices: list[OfficeTarget] = field(default_factory=list)
    source: str = (f"default: {GOAL_PER_DAY:,.0f} a day from {DEFAULT_FROM}, allocated by "
                   f"noncitizen population")
    user: bool = False  # the user's goal (--goal or a goals file), not the default

    def active(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def targets(self, day: date, baseline_share: dict[str, float] | None = None
                ) -> dict[str, float]:
        """Target arrests per day for each of the 25 offices on ``day``."""
        codes = reference.field_office_codes()
        explicit = {t.aor: t.per_day for t in self.offices if t.covers(day)}
        if not self.active(day):
            return {c: explicit[c] for c in codes if c in explicit}
        shares = self.shares(baseline_share)
        rest = [c for c in codes if c not in explicit]
        left = max(self.national_per_day - sum(explicit.values()), 0.0)
        total_share = sum(shares[c] for c in rest) or 1.0
        out = {c: left * shares[c] / total_share for c in rest}
        out.update(explicit)
        return out

    def shares(self, baseline_share: dict[str, float] | None = None) -> dict[str, float]:
        codes = reference.field_office_codes()
        if self.allocation == "baseline":
            if not baseline_share:
                raise UsageError("allocation = 'baseline' needs arrests in the baseline period "
                                 f"{self.baseline[0]} to {self.baseline[1]}")
            weights = {c: baseline_share.get(c, 0.0) for c in codes}
        else:
            pops = reference.populations()
            weights = {c: pops[c][self.allocation] for c in codes}
        total = sum(weights.values())
        return {c: w / total for c, w in weights.items()}

    def describe(self) -> dict[str, object]:
        return {"national_per_day": self.national_per_day, "from": _iso(self.start),
                "to": _iso(self.end), "allocation": self.allocation,
                "baseline": [d.isoformat() for d in self.baseline],
                "office_targets": [{"aor": t.aor, "per_day": t.per_day, "from": _iso(t.start),
                                    "to": _iso(t.end)} for t in self.offices],
                "source": self.source, "user": self.user}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return params.iso_date(str(value))
    except ValueError:
        raise UsageError(f"{where}: '{value}' is not a date (expected YYYY-MM-DD)") from None


def _period(value: object, where: str) -> tuple[date, date]:
    """[first, last] dates, both given."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise UsageError(f"{where}: expected [first, last] dates, e.g. [2024-01-01, 2024-12-31]")
    first, last = _date(value[0], where), _date(value[1], where)
    if first is None or last is None or last < first:
        raise UsageError(f"{where}: expected [first, last] dates, the first not after the last")
    return first, last


def load(path: str | Path | Goals | None, *, national: float | None = None,
         allocation: str | None = None) -> Goals:
    """Goals from a TOML file or ``Goals`` (else the defaults), then command-line
    overrides. A ``national`` goal given applies to every day."""
    goals = replace(path) if isinstance(path, Goals) else Goals()
    if isinstance(path, str | Path):
        goals = _parse(Path(path))
    if national is not None:
        goals.national_per_day = params.positive(national, "--goal")
        goals.start = goals.end = None
        goals.user = True
        goals.source = (f"your goal: {goals.national_per_day:,.0f} a day (--goal), applied "
                        f"to every day" + (f"; office targets from {path}"
                                           if isinstance(path, str | Path) else ""))
    if allocation is not None:
        goals.allocation = allocation
    if goals.allocation not in ALLOCATIONS:
        raise UsageError(f"unknown allocation '{goals.allocation}' (expected one of "
                         f"{', '.join(ALLOCATIONS)})")
    return goals


def _parse(path: Path) -> Goals:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no goals file at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    nat = data.get("national", {})
    base = nat.get("baseline", ["2024-01-01", "2024-12-31"])
    goals = Goals(
        national_per_day=params.positive(nat.get("per_day", GOAL_PER_DAY),
                                         f"{path}: national.per_day"),
        start=_date(nat.get("from"), f"{path}: national.from"),
        end=_date(nat.get("to"), f"{path}: national.to"),
        allocation=str(nat.get("allocation", "noncitizen")),
        baseline=_period(base, f"{path}: national.baseline"),
        source=f"your goals file {path}", user=True,
    )
    codes = set(reference.field_office_codes())
    for i, o in enumerate(data.get("office", [])):
        where = f"{path}: office #{i + 1}"
        try:
            aor = params.office(str(o.get("aor", "")))
        except UsageError:
            aor = str(o.get("aor", ""))
        if aor not in codes:
            raise UsageError(f"{where}: unknown office '{aor}'")
        per_day = params.positive(o.get("per_day"), f"{where}: per_day")
        goals.offices.append(OfficeTarget(aor, per_day,
                                          _date(o.get("from"), f"{path}: office {aor}"),
                                          _date(o.get("to"), f"{path}: office {aor}")))
    return goals
