"""The report's figures: each chart's Vega-Lite specification drawn as inline SVG twice,
for a wide screen and for a phone (the page's CSS shows one, no script needed), and kept
for the PNG/PDF page that puts every chart one below the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from html import escape
from typing import Any

from icestats.render.format import num
from icestats.render.specs import CONFIG, NARROW, Width

Spec = dict[str, Any]
WIDE = 800
PHONE = 364  # a 390 px screen less the page's margins at that size
CSS = """
figure{margin:14px 0}.chart{display:block;height:auto;width:100%;margin:8px 0}
.chart.narrow{display:none}.map{max-width:100%}
.legend{display:inline-flex;align-items:center;gap:0;margin-left:8px;font-size:13px}
.legend span{display:inline-block;width:18px;height:10px}
@media (max-width:640px){main{padding:10px 12px 40px}.chart.wide{display:none}
.chart.narrow{display:block}.map .label{display:none}}
"""


def esc(text: object) -> str:
    return escape(str(text), quote=True)


class Figures:
    """Called with a function of the width (``Width`` -> specification) and an id: the
    figure's HTML (two SVGs inside ``<figure id=...>``); ``svg=False`` only collects the
    specifications (for PNG/PDF)."""

    def __init__(self, *, svg: bool = True) -> None:
        self.specs: list[Spec] = []
        self.draw = svg

    def __call__(self, make: Callable[[Width], Spec], chart_id: str) -> str:
        from icestats.render import vega

        wide = make(WIDE)
        self.specs.append(wide)
        if not self.draw:
            return ""
        label = " ".join(wide["title"]["text"])
        return (f"<figure id='{esc(chart_id)}' data-source='{esc(wide['usermeta']['source'])}'>"
                + vega.svg(wide, css_class="chart wide", label=label)
                + _narrow(make, label) + data_table(wide) + "</figure>")

    def page(self, title: str) -> Spec:
        """Every chart collected, one below the other, as one specification."""
        parts = [{k: v for k, v in s.items() if k not in ("config", "autosize")}
                 for s in self.specs]
        return {"title": {"text": title, "fontSize": 18}, "vconcat": parts, "spacing": 40,
                "config": CONFIG, "padding": 16}


MAX_TABLE_ROWS = 400


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a specification, each before the ones inside it, in order."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _nodes(v)


def _largest_values(spec: Spec) -> list[dict[str, Any]]:
    """The chart's main data: the longest ``values`` list anywhere in the specification
    (the tail, goal and label layers hold a row or two); the first of the longest."""
    found = [v for n in _nodes(spec) if isinstance(v := n.get("values"), list) and v
             and isinstance(v[0], dict)]
    return max(found, key=len, default=[])


def _titles(spec: Spec) -> dict[str, str]:
    """Field -> the title the chart gives it (its axes', legends' and tooltips' titles), so
    that the table's columns read as the chart's do rather than as the answer's keys."""
    out: dict[str, str] = {}
    for n in _nodes(spec):
        if isinstance(n.get("field"), str) and isinstance(n.get("title"), str):
            out.setdefault(n["field"], n["title"])
    return out


def _cell(v: object) -> str:
    """A value as the chart's reader reads it: counts with separators, other numbers to
    one decimal (296.7, 28.0; below 1, three: 0.932), yes/no, blanks for nulls (the table
    showed 296.7142857142857, True and 25650386.0)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer() and abs(v) >= 1000:
        return num(int(v))
    if isinstance(v, float):
        return num(v, 1 if abs(v) >= 1 else 3)
    return num(v) if isinstance(v, int) else str(v)


def data_table(spec: Spec) -> str:
    """The chart's text alternative: its data as a table, folded under the chart (the
    values as the chart has them: the answer's rows, nulls shown as blanks)."""
    rows = _largest_values(spec)
    if not rows:
        return ""
    cols = [c for c in rows[0] if not str(c).startswith("_") and
            not isinstance(rows[0][c], dict | list)]
    shown = rows[:MAX_TABLE_ROWS]
    more = (f" (the first {MAX_TABLE_ROWS:,} of {len(rows):,} rows; all of them in the "
            "answer's --json)") if len(rows) > MAX_TABLE_ROWS else ""
    titles = _titles(spec)
    head = "".join(f"<th>{esc(titles.get(c, c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{esc(_cell(r.get(c)))}</td>" for c in cols)
                   + "</tr>" for r in shown)
    return (f"<details class='data'><summary>The numbers in this chart{esc(more)}</summary>"
            f"<div class='scroll'><table><tr>{head}</tr>{body}</table></div></details>")


def _narrow(make: Callable[[Width], Spec], label: str) -> str:
    """The phone rendering: at most ``PHONE`` px wide with its axes and legends, so that it
    is drawn at its own size (text at 11 px or more); a chart whose axes or legends take
    more room than usual is drawn again, narrower by the excess."""
    import re

    from icestats.render import vega

    out = vega.svg(make(NARROW), css_class="chart narrow", label=label)
    m = re.search(r'width="([\d.]+)"', out)
    excess = float(m.group(1)) - PHONE if m else 0
    if excess > 0:
        out = vega.svg(make(max(120, NARROW - int(excess) - 1)), css_class="chart narrow",
                       label=label)
    return out
