"""A synthetic linked release: the five kinds of one FOIA answer, one file per kind, each
in its real layout and marked synthetic, sharing identifiers so that an arrest can be
traced to its encounter, its detainer, its book-in (a stay of one or more stints) and
its removal, as in the Deportation Data Project's releases.

The arrests are ``generate.records`` (duplicates and re-bookings included); the other
kinds are drawn around them: every arrested person was encountered first; some were held
on a detainer before the arrest; most are booked in within days; many booked in are
removed weeks later, and a removal after the release's last day is not in the file (the
follow-up a question about removals must allow for). Each kind also holds people the
arrests do not (encounters never arrested, CBP apprehensions booked in, removals of
people never arrested in the window), in the real proportions of the 2025 releases
(about 1.7 encounters, 0.8 detainers, 1.7 stints and 0.8 removals per arrest).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from icestats import reference, release_writer
from icestats.generate import (
    CITIZENSHIP,
    CRIMINALITY,
    WITHHELD,
    Options,
    _aor_spelling,
    _pick,
    banner,
    header_for,
    records,
    spec,
)
from icestats.ingest import kind_fields, registry
from icestats.ingest.layout import header_key

KIND_FILES = {"arrests": "Arrests", "encounters": "Encounters", "detainers": "Detainers",
              "book_ins": "Detentions", "removals": "Removals"}
BOOKED_IN = 0.65  # of arrests, booked in within 0-2 days
REMOVED = 0.55  # of stays, ending in a removal
DETAINED_FIRST = 0.45  # of arrests, held on a detainer first
CBP_STAYS = 0.4  # stays of CBP apprehensions per stay of an ICE arrest
RELEASES = ("Removed", "Paroled", "Order of recognizance", "Bonded Out - IJ",
            "Order of supervision")
LIFT = ("Booked into Detention", "Detainer Declined by LEA",
        "No longer in State, Local, or Federal Custody")
DETAINER_TYPE = ("I247A - Immigration Detainer - Notice of Action (as of May 2025)",)


# Columns a release withholds in full (personal identifiers); other columns no field
# reads are left blank (a real release fills many of them; blank keeps the generated
# workbooks' size near the real ones': the writer's inline strings cost more than Excel's
# shared strings)
WITHHELD_COLUMNS = frozenset({"Alien File Number", "EID Case ID", "EID Subject ID",
                              "EID DTA ID", "Birth Date"})


def header_for_kind(kind: str, layout: str) -> list[tuple[str, str]]:
    """(field, header) of a registered layout of ``kind``, in its column order; a column
    no field reads is '' (withheld) or '-' (blank)."""
    if kind == "arrests":
        return header_for(layout)
    headers = registry.KIND_LAYOUTS[kind][layout]
    found = kind_fields.assign(kind, headers, header_key)
    by_header = {h: f for f, h in found.items()}
    return [(by_header.get(h, "" if h in WITHHELD_COLUMNS else "-"), h) for h in headers]


class People:
    """The arrests' people: identifier, office code, arrest day, criminality, citizenship."""

    def __init__(self, arrests: dict[str, np.ndarray]) -> None:
        codes = reference.aor_aliases()
        ok = np.array([isinstance(v, str) and len(v) == 16 for v in arrests["identifier"]])
        first = np.unique(arrests["identifier"][ok], return_index=True)[1]
        take = np.flatnonzero(ok)[first]
        self.ids = arrests["identifier"][take]
        self.day = arrests["apprehension_date"][take].astype("datetime64[D]")
        self.office = np.array([codes.get(reference.aor_key(str(a)), "") if a else ""
                                for a in arrests["aor"][take]], dtype=object)
        self.criminality = arrests["criminality"][take]
        self.citizenship = arrests["citizenship"][take]


def _ids(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.asarray([f"{v:016X}" for v in rng.integers(0, 2**62, n)], dtype=object)


def _base(rng: np.random.Generator, ids: np.ndarray, day: np.ndarray, office: np.ndarray,
          criminality: np.ndarray) -> dict[str, np.ndarray]:
    """The fields every kind's rows share."""
    n = len(ids)
    codes = [*sorted({str(o) for o in office})]
    index = np.array([codes.index(str(o)) for o in office], dtype=int)
    return {
        "identifier": ids, "event_date": day, "criminality": criminality,
        "aor": _aor_spelling(rng, codes, index),
        "citizenship": _pick(rng, [c for c, _ in CITIZENSHIP], [p for _, p in CITIZENSHIP], n),
        "gender": _pick(rng, ("Male", "Female"), (0.88, 0.12), n),
        "birth_year": (1970 + 18 + rng.integers(0, 45, n)).astype(object),
        "case_status": _pick(rng, ("ACTIVE", "8-Excluded/Removed - Inadmissibility"),
                             (0.7, 0.3), n),
        "threat_level": _pick(rng, ("1", "2", "3", None), (0.15, 0.1, 0.1, 0.65), n),
        "": np.full(n, WITHHELD, dtype=object), "-": np.full(n, None, dtype=object),
    }


def _mix(rng: np.random.Generator, people: People, share: float, extra: float, end: np.datetime64,
         lag: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ids, days, offices, criminality): ``share`` of the people, each ``lag`` days (a
    range, negative: before the arrest) from their arrest, plus ``extra`` x people more
    with new identifiers on random days; days after ``end`` are left out."""
    pick = rng.random(len(people.ids)) < share
    days = people.day[pick] + rng.integers(lag[0], lag[1] + 1, pick.sum()).astype("m8[D]")
    k = int(extra * len(people.ids))
    span = (people.day.min(), people.day.max())
    other = span[0] + rng.integers(0, int((span[1] - span[0]).astype(int)) + 1, k).astype("m8[D]")
    offices = people.office[rng.integers(0, len(people.ids), k)]
    ids = np.concatenate([people.ids[pick], _ids(rng, k)])
    day = np.concatenate([days, other])
    office = np.concatenate([people.office[pick], offices])
    crim = np.concatenate([people.criminality[pick],
                           _pick(rng, CRIMINALITY, (0.4, 0.2, 0.4), k)])
    keep = (day >= span[0]) & (day <= end)  # a release holds its own window only
    return ids[keep], day[keep], office[keep], crim[keep]


def encounters(rng: np.random.Generator, people: People, end: np.datetime64
               ) -> dict[str, np.ndarray]:
    ids, day, office, crim = _mix(rng, people, 1.0, 0.7, end, (-2, 0))
    out = _base(rng, ids, day, office, crim)
    out["method"] = _pick(rng, ("CAP Local Incarceration", "Located", "Non-Custodial Arrest"),
                          (0.5, 0.3, 0.2), len(ids))
    out["processing_disposition"] = _pick(
        rng, ("Warrant of Arrest/Notice to Appear", "Detainer", "Not Amenable to Removal"),
        (0.5, 0.3, 0.2), len(ids))
    return out


def detainers(rng: np.random.Generator, people: People, end: np.datetime64
              ) -> dict[str, np.ndarray]:
    ids, day, office, crim = _mix(rng, people, DETAINED_FIRST, 0.38, end, (-30, -1))
    out = _base(rng, ids, day, office, crim)
    n = len(ids)
    out["facility_code"] = _pick(rng, ("AAORDMD", "ABQHOLD"), (0.5, 0.5), n)
    out["lift_reason"] = _pick(rng, (*LIFT, None), (0.35, 0.1, 0.1, 0.45), n)
    out["detainer_type"] = np.full(n, DETAINER_TYPE[0], dtype=object)
    out["linked_arrest_date"] = np.full(n, None, dtype=object)
    return out


def _stays(rng: np.random.Generator, people: People, end: np.datetime64
           ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One row per stay: (fields, departure day or NaT when not removed by ``end``)."""
    ids, day, office, crim = _mix(rng, people, BOOKED_IN, 0.0, end, (0, 2))
    cbp = int(CBP_STAYS * len(ids))
    ids2, day2, office2, crim2 = _mix(rng, people, 0.0, CBP_STAYS * BOOKED_IN, end, (0, 0))
    ids, day = np.concatenate([ids, ids2[:cbp]]), np.concatenate([day, day2[:cbp]])
    office, crim = np.concatenate([office, office2[:cbp]]), np.concatenate([crim, crim2[:cbp]])
    stay = _base(rng, ids, day, office, crim)
    n = len(ids)
    stay["final_program"] = np.where(np.arange(n) < n - min(cbp, len(ids2)), "Fugitive Operations",
                                     "Border Patrol").astype(object)
    start = day.astype("M8[s]") + rng.integers(6 * 3600, 22 * 3600, n).astype("m8[s]")
    stay["stay_book_in"] = start
    removed = rng.random(n) < REMOVED
    length = np.maximum(1, rng.gamma(2.0, 25.0, n).astype(int)).astype("m8[D]")
    out = start.astype("M8[D]") + length
    departed = np.where(removed & (out <= end), out, np.datetime64("NaT", "D"))
    stay["stay_release_reason"] = np.where(removed, "Removed", _pick(
        rng, RELEASES[1:], (0.3, 0.3, 0.2, 0.2), n)).astype(object)
    stay["stay_out"] = np.where(out <= end, out.astype("M8[s]") + np.timedelta64(9, "h"),
                                np.datetime64("NaT", "s"))
    return stay, departed


def book_ins(rng: np.random.Generator, stay: dict[str, np.ndarray], end: np.datetime64
             ) -> dict[str, np.ndarray]:
    """Stints: 1 to 5 placements per stay (transfers), the first at the stay's book-in."""
    n = len(stay["identifier"])
    k = np.minimum(1 + rng.poisson(1.5, n), 5)
    rows = np.repeat(np.arange(n), k)
    j = np.concatenate([np.arange(m) for m in k])
    gaps = np.where(j == 0, 0, rng.integers(1, 10, len(rows)) * 86400).astype("m8[s]")
    offset = np.zeros(len(rows), dtype="m8[s]")
    for step in range(1, 5):  # cumulative gaps within a stay
        later = j >= step
        offset[later] += gaps[np.flatnonzero(later) - (j[later] - step)]
    book_in = stay["stay_book_in"][rows] + offset
    out_at = stay["stay_out"][rows]
    keep = (np.isnat(out_at) | (book_in < out_at)) & (book_in.astype("M8[D]") <= end)
    st = {f: v[rows][keep] for f, v in stay.items() if f not in ("stay_out",)}
    st["event_date"] = book_in[keep]
    last = np.append(rows[keep][1:] != rows[keep][:-1], True)
    nxt = np.append(book_in[keep][1:], np.datetime64("NaT", "s"))
    st["book_out"] = np.where(last, out_at[keep], nxt).astype(object)
    st["book_out"][np.isnat(np.where(last, out_at[keep], nxt))] = None
    st["release_reason"] = np.where(last, st["stay_release_reason"], "Transferred").astype(object)
    st["release_reason"][last & np.isnat(out_at[keep])] = None
    st["facility_code"] = _pick(rng, ("AAORDMD", "ABQHOLD", "BALHOLD"), (0.4, 0.3, 0.3),
                                len(book_in[keep]))
    return st


def removals(rng: np.random.Generator, people: People, stay: dict[str, np.ndarray],
             departed: np.ndarray, end: np.datetime64) -> dict[str, np.ndarray]:
    gone = ~np.isnat(departed)
    ids, day = stay["identifier"][gone], departed[gone]
    office = np.array([reference.aor_aliases().get(reference.aor_key(str(a)), "") if a else ""
                       for a in stay["aor"][gone]], dtype=object)
    k = max(0, int(0.8 * len(people.ids)) - len(ids))
    ids2, day2, office2, crim2 = _mix(rng, people, 0.0, k / max(len(people.ids), 1), end, (0, 0))
    rem = _base(rng, np.concatenate([ids, ids2]), np.concatenate([day, day2]),
                np.concatenate([office, office2]),
                np.concatenate([stay["criminality"][gone], crim2]))
    arrested = dict(zip(people.ids, people.day.astype(object), strict=True))  # python dates
    rem["linked_arrest_date"] = np.asarray(
        [arrested.get(i) for i in rem["identifier"]], dtype=object)
    rem["departure_country"] = rem["citizenship"]
    rem["processing_disposition"] = _pick(
        rng, ("REINSTATEMENT OF DEPORT ORDER I-871", "Expedited Removal", "Other"),
        (0.5, 0.3, 0.2), len(rem["identifier"]))
    return rem


def linked(opts: Options) -> dict[str, dict[str, np.ndarray]]:
    """The five kinds' records, canonical field -> array, for one seed."""
    arrests = records(opts)
    people = People(arrests)
    rng = np.random.default_rng(opts.seed + 2024)
    end = np.datetime64(opts.end, "D")
    stay, departed = _stays(rng, people, end)
    return {"arrests": arrests, "encounters": encounters(rng, people, end),
            "detainers": detainers(rng, people, end), "book_ins": book_ins(rng, stay, end),
            "removals": removals(rng, people, stay, departed, end)}


def write_linked(opts: Options, folder: str | Path, fmt: str = "xlsx",
                 sheet_rows: int = 1_000_000) -> dict[str, Any]:
    """Write the linked release to ``folder``, one file per kind, each in the layout of the
    release ``opts.layout`` names; return a summary (files and records per kind)."""
    folder = Path(folder)
    for kind in KIND_FILES:  # every kind has a layout of this release
        if opts.layout not in registry.KIND_LAYOUTS[kind]:
            from icestats.errors import UsageError

            raise UsageError(f"--layout {opts.layout} has no {kind.replace('_', '-')} layout; "
                             "a linked release takes 2024-ICFO-39357, 2026-ICLI-00005 or "
                             "2026-08-hausman")
    folder.mkdir(parents=True, exist_ok=True)
    kinds = linked(opts)
    files = {}
    for kind, cols in kinds.items():
        header = header_for_kind(kind, opts.layout)
        n = len(next(iter(cols.values())))
        full = {f: cols.get(f, np.full(n, None, dtype=object)) for f, _ in header}
        s = replace(spec(opts), header=header, sheet_name=KIND_FILES[kind],
                    banner=partial(_banner, opts=opts, kind=kind))
        path = folder / f"synthetic_{opts.layout}_{KIND_FILES[kind]}_seed{opts.seed}.{fmt}"
        release_writer.write(full, path, fmt, s, sheet_rows)
        files[kind] = {"file": str(path), "records": n}
    return {"folder": str(folder), "layout": opts.layout, "synthetic": True,
            "seed": opts.seed, "start": opts.start.isoformat(), "end": opts.end.isoformat(),
            "kinds": files}


def _banner(rng: np.random.Generator, sheet: int, *, opts: Options, kind: str
            ) -> list[str | None]:
    lines = banner(rng, opts, sheet)
    return [line.replace("Generated arrests", f"Generated {KIND_FILES[kind].lower()}")
            if line else line for line in lines]


