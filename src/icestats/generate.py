"""Synthetic arrest releases in the real layouts, for the demo, tests and benchmarks.

Volumes follow the published magnitudes (about 300 arrests a day in late 2024, 1,000-1,200
by mid 2025, more in the autumn); office shares follow real 2025-26 per-office totals;
criminality shifts from convicted toward "other immigration violator" through 2025;
Border Patrol's share grows from mid 2025 with the Los Angeles (June) and Chicago
(September) operations. The files carry what real releases carry: banners above a header
whose position varies, several sheets, redaction markers, duplicate and "ERO Reprocessed
Arrest" records, messy AOR spellings, HQ and blank AORs, junk secondary dates and an
incomplete last two weeks. The loading code never special-cases these files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np

from icestats import reference, release_writer
from icestats.ingest import registry
from icestats.ingest.layout import match_header
from icestats.ingest.normalize import STATES
from icestats.release_writer import Spec
from icestats.schema import SYNTHETIC_MARK

REDACTION_MARKERS = ("b(6), b(7)c", "(b)(6)(b)(7)(c)", "B(6), B(7)(C)", "b(6),b(7)(c)")
# National arrests per day (ICE ERO administrative arrests), interpolated in log space.
RATE_ANCHORS = (
    (date(2023, 10, 1), 290), (date(2024, 10, 1), 300), (date(2025, 1, 10), 320),
    (date(2025, 1, 20), 420),
    (date(2025, 3, 1), 650), (date(2025, 6, 1), 1050), (date(2025, 9, 1), 1150),
    (date(2025, 11, 1), 1250), (date(2026, 3, 1), 1100), (date(2026, 8, 1), 1000),
    (date(2027, 1, 1), 1000),
)
WEEKDAY = np.array([1.18, 1.2, 1.2, 1.18, 1.1, 0.62, 0.52])  # Monday first; mean 1.0
DEFAULT_EVENTS = (("LOS", date(2025, 6, 6), date(2025, 7, 31), 2.0),
                  ("CHI", date(2025, 9, 8), date(2025, 11, 15), 2.5))
HQ_SHARE, BLANK_SHARE = 0.003, 0.004
DISPERSION = 30.0  # gamma shape of day-to-day noise: overdispersed like real counts
CRIMINALITY = ("1 Convicted Criminal", "2 Pending Criminal Charges",
               "3 Other Immigration Violator")
CRIM_P = ((0.68, 0.22, 0.10), (0.38, 0.24, 0.38))  # before 2025-01-20, from 2025-10-01
METHODS = ("CAP Local Incarceration", "CAP State Incarceration", "CAP Federal Incarceration",
           "287(g) Program", "Located", "Non-Custodial Arrest", "Probation and Parole",
           "Traffic Check", "Worksite Enforcement", "Other efforts")
METHOD_P = ((0.45, 0.12, 0.08, 0.05, 0.12, 0.08, 0.03, 0.02, 0.01, 0.04),
            (0.28, 0.07, 0.04, 0.10, 0.25, 0.16, 0.02, 0.04, 0.02, 0.02))
PROGRAMS = ("Fugitive Operations", "Mobile Criminal Alien Team", "Non-Detained Docket Control",
            "ERO Criminal Prosecutions", "Alternatives to Detention")
CITIZENSHIP = (("MEXICO", .42), ("GUATEMALA", .14), ("HONDURAS", .12), ("EL SALVADOR", .06),
               ("VENEZUELA", .05), ("COLOMBIA", .04), ("ECUADOR", .04), ("CUBA", .03),
               ("NICARAGUA", .02), ("HAITI", .02), ("DOMINICAN REPUBLIC", .02), ("BRAZIL", .01),
               ("INDIA", .01), ("CHINA, PEOPLES REPUBLIC OF", .01), ("PERU", .01))
CASE_STATUS = ("ACTIVE", "8-Excluded/Removed - Inadmissible", "A-Proved Removable",
               "6-Deported/Removed - Deportability", "E-Granted Voluntary Departure")
CASE_CATEGORY = ("[8C] Excludable / Inadmissible - Administrative Final Order Issued",
                 "[16] Reinstated Final Order", "[11] Administratively Final Order",
                 "[3] Deportable - Under Adjudication by IJ", "[1A] Voluntary Departure")
# Source columns no canonical field takes (personal identifiers, a closing date): written
# as release files write them when withheld, never stored by ingest.
WITHHELD = "(b)(6)(b)(7)(c)"


def header_for(layout: str) -> list[tuple[str, str]]:
    """(canonical field or '', header text) in the column order of a registered layout
    (``ingest.registry``; '2023' and '2025' are aliases of the two DDP layouts)."""
    headers = registry.LAYOUTS[registry.resolve(layout)]
    fields = [match_header([h]) for h in headers]
    return [(next(iter(f), ""), h) for f, h in zip(fields, headers, strict=True)]


@dataclass
class Options:
    start: date = date(2024, 10, 1)
    end: date = date(2025, 10, 15)
    rows: int | None = None  # about this many records (within ~1%); None: follow the volumes
    seed: int = 0
    layout: str = "2026-ICLI-00005"  # a name in ingest.registry (or the alias 2023, 2025)
    events: bool = True  # the Los Angeles and Chicago operations
    effects: Sequence[tuple[str, date, float]] = ()  # (office, from date, factor) injected
    tail_days: int = 14  # reporting-lag tail: the last days are under-reported
    duplicate_rate: float = 0.05  # extra records of an arrest (same identifier)
    reprocessed_rate: float = 0.03  # "ERO Reprocessed Arrest" re-bookings
    messy: bool = True  # redactions, junk dates, AOR spellings, blank/HQ AORs
    offices: tuple[str, ...] = field(default_factory=lambda: tuple(reference.field_office_codes()))


def national_rate(days: np.ndarray) -> np.ndarray:
    """Expected national arrests per day (before weekday effects) for datetime64[D] days."""
    xs = np.array([np.datetime64(d, "D").astype(int) for d, _ in RATE_ANCHORS])
    ys = np.log([r for _, r in RATE_ANCHORS])
    return np.asarray(np.exp(np.interp(days.astype(int), xs, ys)))


def completeness(age_days: np.ndarray, tail_days: int) -> np.ndarray:
    """Share of a day's arrests already reported ``age_days`` before the release's end."""
    c = 1.0 - 0.5 * np.exp(-age_days / 4.0)
    return np.where(age_days < tail_days, c, 1.0)


def office_shares(codes: Sequence[str]) -> np.ndarray:
    real = reference.office_arrests_2025()
    w = np.array([real[c]["arrests"] for c in codes])
    return np.asarray(w / w.sum() * (1 - HQ_SHARE - BLANK_SHARE))


def _ramp(days: np.ndarray, lo: date, hi: date) -> np.ndarray:
    a, b = np.datetime64(lo, "D").astype(int), np.datetime64(hi, "D").astype(int)
    return np.asarray(np.clip((days.astype(int) - a) / (b - a), 0.0, 1.0))


def daily_means(opts: Options) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(days, office codes incl. HQ and '' for blank, expected records per day and office)."""
    days = np.arange(np.datetime64(opts.start, "D"), np.datetime64(opts.end, "D") + 1)
    codes = [*opts.offices, reference.HQ, ""]
    shares = np.append(office_shares(opts.offices), [HQ_SHARE, BLANK_SHARE])
    weekday = WEEKDAY[(days.astype(int) + 3) % 7]  # 1970-01-01 was a Thursday
    mean = np.outer(national_rate(days) * weekday, shares)
    effects = [(o, a, b, f) for o, a, b, f in DEFAULT_EVENTS] if opts.events else []
    effects += [(o, a, date.max, f) for o, a, f in opts.effects]
    for office, lo, hi, factor in effects:
        if office in codes:
            on = (days >= np.datetime64(lo, "D")) & (days <= np.datetime64(min(hi, opts.end), "D"))
            mean[on, codes.index(office)] *= factor
    age = (days[-1] - days).astype(int)
    return days, codes, mean * completeness(age, opts.tail_days)[:, None]


def _pick(rng: np.random.Generator, values: Sequence[str | None], p: Sequence[float], n: int,
          mix: np.ndarray | None = None, p_late: Sequence[float] | None = None) -> np.ndarray:
    """Categorical draws; with ``mix`` (0..1 per row) the probabilities move from p to p_late."""
    p0 = np.asarray(p) / np.sum(p)
    out = np.asarray(values, dtype=object)[rng.choice(len(values), n, p=p0)]
    if mix is not None and p_late is not None:
        late = rng.random(n) < mix
        p1 = np.asarray(p_late) / np.sum(p_late)
        out[late] = np.asarray(values, dtype=object)[rng.choice(len(values), late.sum(), p=p1)]
    return out


def daily_counts(opts: Options) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Arrests per day and office without writing records: (days, codes, counts, expected).

    The same noise model as the release files; for simulations with known truth."""
    rng = np.random.default_rng(opts.seed)
    days, codes, mean = daily_means(opts)
    return days, codes, rng.poisson(_noisy(mean, rng)), mean


def _noisy(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Day-to-day variation beyond Poisson (gamma with shape DISPERSION)."""
    return mean * rng.gamma(DISPERSION, 1.0 / DISPERSION, size=mean.shape)


def _arrests(opts: Options, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(datetime64[s] per arrest, office index per arrest, office codes)."""
    days, codes, mean = daily_means(opts)
    noisy = _noisy(mean, rng)
    if opts.rows is None:
        counts = rng.poisson(noisy)
    else:
        extra = opts.duplicate_rate + opts.reprocessed_rate
        total = max(1, round(opts.rows / (1.0 + extra)))
        counts = rng.multinomial(total, (noisy / noisy.sum()).ravel()).reshape(noisy.shape)
    day_idx, office_idx = np.nonzero(counts)
    reps = counts[day_idx, office_idx]
    day = np.repeat(days[day_idx], reps).astype("datetime64[s]")
    seconds = rng.integers(5 * 3600, 21 * 3600, size=len(day))
    return day + seconds.astype("timedelta64[s]"), np.repeat(office_idx, reps), codes


def _aor_spelling(rng: np.random.Generator, codes: list[str], office: np.ndarray) -> np.ndarray:
    by_code = {o.code: o for o in reference.offices()}
    out = np.empty(len(office), dtype=object)
    variant = rng.choice(6, len(office), p=[0.55, 0.2, 0.1, 0.05, 0.05, 0.05])
    for i, code in enumerate(codes):
        sel = office == i
        if not code:
            out[sel] = None
            continue
        o = by_code[code]
        spellings = [f"{o.name} Area of Responsibility", o.name.upper(), o.name, o.code,
                     f"  {o.name.lower()}  ", f"{o.name.upper()} AREA OF RESPONSIBILITY"]
        if code == reference.HQ:
            spellings = ["HQ Area of Responsibility", "HQ", "Headquarters", "HQ",
                         "Headquarters", "HQ Area of Responsibility"]
        out[sel] = np.asarray(spellings, dtype=object)[variant[sel]]
    return out


def _geography(rng: np.random.Generator, codes: list[str], office: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    states = reference.office_states()
    state = np.empty(len(office), dtype=object)
    county = np.empty(len(office), dtype=object)
    for i, code in enumerate(codes):
        sel = np.flatnonzero(office == i)
        places = states.get(code) or [("DISTRICT OF COLUMBIA", "")]
        pick = rng.integers(0, len(places), len(sel))
        state[sel] = [places[k][0].upper() for k in pick]
        county[sel] = [places[k][1].upper() or None for k in pick]
    return state, county


def records(opts: Options) -> dict[str, np.ndarray]:
    """One release's records as canonical field -> array, sorted by apprehension time."""
    rng = np.random.default_rng(opts.seed)
    at, office, codes = _arrests(opts, rng)
    n = len(at)
    day = at.astype("datetime64[D]")
    mix = _ramp(day, date(2025, 1, 20), date(2025, 10, 1))
    cols: dict[str, np.ndarray] = {"apprehension_date": at}
    cols["aor"] = _aor_spelling(rng, codes, office)
    cols["state"], cols["county"] = _geography(rng, codes, office)
    cols["criminality"] = _pick(rng, CRIMINALITY, CRIM_P[0], n, mix, CRIM_P[1])
    cols["method"] = _pick(rng, METHODS, METHOD_P[0], n, mix, METHOD_P[1])
    program = _pick(rng, PROGRAMS, (0.45, 0.15, 0.25, 0.1, 0.05), n)
    is_cap = np.char.startswith(cols["method"].astype(str), "CAP")
    program[is_cap] = "Criminal Alien Program"
    program[cols["method"] == "287(g) Program"] = "287(g) Program"
    cols["final_program"] = program
    cols["agency"] = _agency(rng, day, office, codes)
    cols["apprehension_type"] = _pick(rng, ("Targeted", "Collateral"), (0.78, 0.22), n)
    cols["case_status"] = _pick(rng, CASE_STATUS, (0.5, 0.15, 0.15, 0.15, 0.05), n)
    cols["case_category"] = _pick(rng, CASE_CATEGORY, (0.3, 0.2, 0.2, 0.25, 0.05), n)
    cols["citizenship"] = _pick(rng, [c for c, _ in CITIZENSHIP], [p for _, p in CITIZENSHIP], n)
    cols["gender"] = _pick(rng, ("Male", "Female", "Unknown"), (0.88, 0.118, 0.002), n)
    age = 18 + np.minimum(rng.gamma(4.0, 4.5, n), 60).astype(int)
    cols["birth_year"] = (day.astype("datetime64[Y]").astype(int) + 1970 - age).astype(object)
    _secondary_dates(rng, cols, at, opts.end)
    cols["site_landmark"] = np.asarray([f"{s} AREA" for s in cols["state"]], dtype=object)
    cols["operation"] = _operation(rng, day, office, codes)
    cols["case_threat_level"] = _pick(rng, ("1", "2", "3", ""), (0.15, 0.15, 0.2, 0.5), n)
    cols["case_threat_level"][cols["case_threat_level"] == ""] = None
    ids = rng.integers(0, 2**62, n)
    cols["identifier"] = np.asarray([f"{v:016X}" for v in ids], dtype=object)
    if opts.messy:
        _mess(rng, cols)
    _real_layout_fields(np.random.default_rng(opts.seed + 101), cols)
    cols = _add_repeat_records(rng, cols, opts, codes)
    order = np.argsort(cols["apprehension_date"], kind="stable")
    return {k: v[order] for k, v in cols.items()}


DISPOSITIONS = ("Warrant of Arrest/Notice to Appear", "REINSTATEMENT OF DEPORT ORDER I-871",
                "Other", "Bag and Baggage", "Expedited Removal")
THREAT = ("1", "2", "3", None)


def _real_layout_fields(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> None:
    """The fields only the real layouts carry, from their own random stream (so the
    others stay as they were for a seed)."""
    n, program = len(cols["aor"]), cols["final_program"].astype(str)
    cols["final_program_group"] = np.where(np.char.startswith(program, "Criminal"), "CAP",
                                           "Non-CAP").astype(object)
    cols["processing_disposition"] = _pick(rng, DISPOSITIONS, (.35, .3, .2, .1, .05), n)
    cols["case_criminality"] = cols["criminality"].copy()
    drift = rng.random(n) < 0.1  # a case's criminality differs from the arrest's sometimes
    cols["case_criminality"][drift] = _pick(rng, CRIMINALITY, (.5, .2, .3), int(drift.sum()))
    status = {CRIMINALITY[0]: "Convicted", CRIMINALITY[1]: "Pending"}.get
    cols["conviction_status"] = np.asarray([status(c) for c in cols["criminality"]], object)
    for name in ("removal_threat_level", "apprehension_threat_level"):
        cols[name] = _pick(rng, THREAT, (.15, .15, .2, .5), n)
    codes = {v: k for k, v in STATES.items()}
    cols["duty_site"] = np.asarray([None if s is None else f"{s} DUTY SITE, {codes.get(s, '')}"
                                    for s in cols["state"]], dtype=object)
    cols["birth_date"] = cols[""] = np.full(n, WITHHELD, dtype=object)  # "": no field


def _agency(rng: np.random.Generator, day: np.ndarray, office: np.ndarray,
            codes: list[str]) -> np.ndarray:
    bp = 0.13 * _ramp(day, date(2025, 6, 1), date(2025, 10, 1))
    for code, lo, hi, _ in DEFAULT_EVENTS:
        if code in codes:
            on = (office == codes.index(code)) & (day >= np.datetime64(lo)) & \
                 (day <= np.datetime64(hi))
            bp[on] = 0.45
    u = rng.random(len(day))
    out = np.full(len(day), "ICE", dtype=object)
    out[u < bp] = "U.S. Border Patrol"
    out[(u >= bp) & (u < bp + 0.01)] = "Other Agency"
    return out


def _operation(rng: np.random.Generator, day: np.ndarray, office: np.ndarray,
               codes: list[str]) -> np.ndarray:
    out = np.full(len(day), None, dtype=object)
    names = {"CHI": "Operation Midway Blitz", "LOS": "Los Angeles Surge"}
    for code, lo, hi, _ in DEFAULT_EVENTS:
        if code in codes:
            on = (office == codes.index(code)) & (day >= np.datetime64(lo)) & \
                 (day <= np.datetime64(hi)) & (rng.random(len(day)) < 0.7)
            out[on] = names[code]
    return out


def _secondary_dates(rng: np.random.Generator, cols: dict[str, np.ndarray], at: np.ndarray,
                     end: date) -> None:
    n = len(at)
    departed = at + (rng.gamma(2.0, 20.0, n) * 86400).astype("timedelta64[s]")
    has = (rng.random(n) < 0.55) & (departed < np.datetime64(end, "s"))
    none = np.array(None, dtype=object)
    cols["departed_date"] = np.where(has, departed.astype("datetime64[D]").astype(object), none)
    cols["departure_country"] = np.where(has, cols["citizenship"], none)
    final = rng.random(n) < 0.6
    cols["final_order"] = np.where(final, "YES", "NO").astype(object)
    order_at = at - (rng.gamma(1.5, 200.0, n) * 86400).astype("timedelta64[s]")
    cols["final_order_date"] = np.where(final, order_at.astype("datetime64[D]").astype(object),
                                        none)


def _mess(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> None:
    """Redaction markers, junk secondary dates: what real releases carry."""
    n = len(cols["aor"])
    marker = np.asarray(REDACTION_MARKERS, dtype=object)
    for name, rate in (("site_landmark", 0.4), ("county", 0.03), ("citizenship", 0.01),
                       ("birth_year", 0.01), ("gender", 0.005), ("identifier", 0.004)):
        hit = rng.random(n) < rate
        cols[name][hit] = marker[rng.integers(0, len(marker), hit.sum())]
    cols["identifier"][rng.random(n) < 0.004] = None
    junk = np.asarray([date(1900, 1, 1), date(2099, 12, 31), "00/00/0000"], dtype=object)
    for name in ("departed_date", "final_order_date"):
        hit = rng.random(n) < 0.006
        cols[name][hit] = junk[rng.integers(0, len(junk), hit.sum())]


def _add_repeat_records(rng: np.random.Generator, cols: dict[str, np.ndarray], opts: Options,
                        codes: list[str]) -> dict[str, np.ndarray]:
    """Duplicates of an arrest (same identifier): some join its episode, some start a new one."""
    n = len(cols["aor"])
    has_id = np.array([isinstance(v, str) and not v.startswith(("b(", "(b", "B(")) for v in
                       cols["identifier"]])
    src = np.flatnonzero(has_id & (rng.random(n) < opts.duplicate_rate))
    # gap: none, a few hours, exactly 24 h (joins), 24 h + 1 s (a new arrest), days later
    kind = rng.choice(5, len(src), p=[0.3, 0.4, 0.1, 0.1, 0.1])
    hours = np.select([kind == 0, kind == 1, kind == 2, kind == 3],
                      [0, rng.integers(1, 13, len(src)) * 3600, 86400, 86401],
                      rng.integers(2, 6, len(src)) * 86400)
    rep = np.flatnonzero(has_id & (rng.random(n) < opts.reprocessed_rate))
    rep_gap = np.where(rng.random(len(rep)) < 0.5, 0, rng.integers(1, 20, len(rep)) * 3600)
    take = np.concatenate([src, rep])
    extra = {k: v[take].copy() for k, v in cols.items()}
    gaps = np.concatenate([hours, rep_gap]).astype("timedelta64[s]")
    extra["apprehension_date"] = extra["apprehension_date"] + gaps
    extra["method"][len(src):] = "ERO Reprocessed Arrest"
    if opts.messy:  # a re-booking is often typed differently
        office = np.array([_code_of(v, codes) for v in extra["aor"]])
        extra["aor"] = _aor_spelling(rng, codes, office)
    keep = extra["apprehension_date"] <= np.datetime64(opts.end) + np.timedelta64(1, "D")
    return {k: np.concatenate([cols[k], v[keep]]) for k, v in extra.items()}


def _code_of(spelling: object, codes: list[str]) -> int:
    if spelling is None:
        return codes.index("")
    code = reference.aor_aliases()[reference.aor_key(str(spelling))]
    return codes.index(code)


def banner(rng: np.random.Generator, opts: Options, sheet: int) -> list[str | None]:
    """Title lines above the header; their number varies (so does the header's row). The
    first always says the file is synthetic; no line imitates ICE's (no FOIA number)."""
    lines = [SYNTHETIC_MARK, f"Generated arrests, seed {opts.seed}, in a real release's "
             f"column layout", f"Records from {opts.start:%m/%d/%Y} through {opts.end:%m/%d/%Y}",
             None, f"Sheet {sheet + 1}"]
    k = int(rng.integers(1, len(lines) + 1))
    return lines[:k]


def spec(opts: Options) -> Spec:
    """What the writer needs besides the records: header, banners, fixed metadata."""
    return Spec(header=header_for(opts.layout),
                banner=lambda rng, sheet: banner(rng, opts, sheet), seed=opts.seed,
                created=datetime.combine(opts.end, time()),
                properties={"title": SYNTHETIC_MARK, "comments": SYNTHETIC_MARK,
                            "author": "icestats generator", "keywords": "synthetic"},
                csv_banner=(SYNTHETIC_MARK,))


def write(cols: dict[str, np.ndarray], path: Path, fmt: str, opts: Options,
          sheet_rows: int = 1_000_000) -> None:
    """Write generated records (``records(opts)``) as a release file."""
    release_writer.write(cols, path, fmt, spec(opts), sheet_rows)


def generate(opts: Options, path: str | Path, fmt: str | None = None,
             sheet_rows: int = 1_000_000) -> dict[str, object]:
    """Write a release to ``path`` (format from ``fmt`` or the suffix); return a summary."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower() or "xlsx"
    cols = records(opts)
    write(cols, path, fmt, opts, sheet_rows)
    return {"file": str(path), "format": fmt, "layout": registry.resolve(opts.layout),
            "synthetic": True, "records": len(cols["aor"]), "start": opts.start.isoformat(),
            "end": opts.end.isoformat(), "seed": opts.seed}
