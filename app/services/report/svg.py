"""Charts drawn on the server as SVG: participation over time and the opinion map.

Every text in the SVG is escaped; the pages embed it as markup and give each chart a table with
the same numbers (for screen readers and for printing).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup, escape

#: Group colours (colour-blind safe, Okabe-Ito), by position in the report's group list.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
NO_GROUP = "#999999"


def colour(index: int | None) -> str:
    return NO_GROUP if index is None else COLOURS[index % len(COLOURS)]


def participation_chart(series: list[dict[str, Any]], titles: dict[str, str], width: int = 720) -> Markup:
    """Three small bar charts on one time axis (votes, new participants, statements per day)."""
    keys = ("votes", "new_participants", "statements")
    panel, gap, left, top = 90, 28, 56, 8
    height = top + len(keys) * (panel + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(titles["chart"])}">'
    ]
    if not series:
        parts.append(f'<text x="{left}" y="40">{escape(titles["empty"])}</text></svg>')
        return Markup("".join(parts))
    days = [date.fromisoformat(row["date"]) for row in series]
    first, last = days[0].toordinal(), days[-1].toordinal()
    span = max(last - first, 1)
    plot = width - left - 10
    bar = max(plot / (span + 1), 1.0)
    for n, key in enumerate(keys):
        y0 = top + n * (panel + gap)
        peak = max(row[key] for row in series) or 1
        parts.append(f'<text class="panel-title" x="{left}" y="{y0 + 10}">{escape(titles[key])}</text>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y0 + 22}" text-anchor="end">{peak}</text>')
        base = y0 + panel
        parts.append(f'<line class="axis" x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}"/>')
        for day, row in zip(days, series, strict=True):
            if not row[key]:
                continue
            h = (panel - 16) * row[key] / peak
            x = left + plot * (day.toordinal() - first) / (span + 1)
            parts.append(
                f'<rect class="bar bar-{n}" x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f"<title>{escape(row['date'])}: {row[key]}</title></rect>"
            )
    axis_y = height - 6
    parts.append(f'<text class="tick" x="{left}" y="{axis_y}">{escape(series[0]["date"])}</text>')
    parts.append(
        f'<text class="tick" x="{width - 10}" y="{axis_y}" text-anchor="end">{escape(series[-1]["date"])}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def map_chart(report_map: dict[str, Any], labels: dict[int, str], title: str, size: int = 480) -> Markup:
    """The opinion map: one dot per participant shown (downsampled), each group's hull and label."""
    bounds = report_map.get("bounds")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    if not bounds:
        parts.append("</svg>")
        return Markup("".join(parts))
    x0, y0, x1, y1 = bounds
    pad = 24
    scale = (size - 2 * pad) / max(x1 - x0, y1 - y0, 1e-9)

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + (x - x0) * scale, size - pad - (y - y0) * scale

    order = {g["id"]: i for i, g in enumerate(report_map.get("groups", []))}
    for group in report_map.get("groups", []):
        hull = group.get("hull") or []
        if len(hull) >= 3:
            points = " ".join("{:.1f},{:.1f}".format(*at(x, y)) for x, y in hull)
            parts.append(
                f'<polygon class="hull" points="{points}" fill="{colour(order[group["id"]])}" '
                f'fill-opacity="0.12" stroke="{colour(order[group["id"]])}"/>'
            )
    for x, y, gid in report_map.get("points", []):
        cx, cy = at(x, y)
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.2" fill="{colour(order.get(gid))}"/>')
    for group in report_map.get("groups", []):
        if group.get("center"):
            cx, cy = at(*group["center"])
            parts.append(
                f'<text class="group-label" x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle">'
                f"{escape(labels.get(group['id'], str(group['id'])))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
