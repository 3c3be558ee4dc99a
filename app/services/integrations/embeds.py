"""The embed's small opinion map: the latest map's points scaled into a fixed SVG box."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.opinion.latest_map import latest_map

SIZE = 160
PAD = 8


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    group: int | None


@dataclass(frozen=True)
class SmallMap:
    dots: list[Dot]
    groups: int
    total: int
    size: int = SIZE


def small_map(issue_id: int) -> SmallMap:
    payload = latest_map(issue_id).payload
    positions = payload.get("positions") or {}
    bounds = positions.get("bounds")
    dots: list[Dot] = []
    if bounds:
        x0, y0, x1, y1 = bounds
        width, height = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
        scale = SIZE - 2 * PAD
        for x, y, group in positions.get("points", []):
            dots.append(Dot(PAD + (x - x0) / width * scale, PAD + (y - y0) / height * scale, group))
    return SmallMap(dots, len(payload.get("groups") or []), int(positions.get("total") or 0))
