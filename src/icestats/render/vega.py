"""Vega-Lite specifications drawn offline with vl-convert (a Rust build of Vega with its
own renderer; no browser, no network): static SVG for the HTML report, PNG and PDF for
`icestats report --format`, and the JavaScript bundle (Vega, Vega-Lite, vega-embed) the
dashboard loads from icestats itself."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from icestats.jsonout import plain

Spec = dict[str, Any]
NO_URLS: list[str] = []  # a specification may not fetch anything


def svg(spec: Spec, *, css_class: str = "chart", chart_id: str = "", label: str = "") -> str:
    """The chart as an inline SVG element: its natural size as a maximum, scaled down to
    the page's width, never up (text stays at the size it was drawn)."""
    import vl_convert

    out = vl_convert.vegalite_to_svg(plain(spec), allowed_base_urls=NO_URLS)
    m = re.match(r'<svg ([^>]*?)width="([\d.]+)" height="([\d.]+)"', out)
    if not m:
        raise ValueError("vl-convert returned no SVG element")
    w = m.group(2)
    ident = f' id="{_attr(chart_id)}"' if chart_id else ""
    head = m.group(1).replace('class="marks" ', "")
    attrs = (f'<svg {head}class="{css_class}"{ident} role="img" '
             f'aria-label="{_attr(label)}" width="{w}" height="{m.group(3)}" '
             f'style="max-width:{w}px"')
    return attrs + out[m.end():]


def _attr(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def png(spec: Spec, scale: float = 2.0) -> bytes:
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(plain(spec), scale=scale, allowed_base_urls=NO_URLS))


def pdf(spec: Spec) -> bytes:
    import vl_convert

    return bytes(vl_convert.vegalite_to_pdf(plain(spec), allowed_base_urls=NO_URLS))


@cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (globals ``vega``, ``vegaLite``,
    ``vegaEmbed``), as vl-convert ships them: the dashboard's charts need no other site.
    Wrapped in a function so that its own top-level names stay out of the page's scope."""
    import vl_convert

    bundle = vl_convert.javascript_bundle  # its stub marks the optional arguments required
    return "(() => {\n" + str(bundle()) + "\n})();\n"  # type: ignore[call-arg]
