"""The report's statement table as CSV (the same numbers as the page's sortable table)."""

from __future__ import annotations

import csv
import io
from typing import Any


def statements_csv(report: dict[str, Any]) -> str:
    """One row per accepted statement: overall counts and shares, then each group's."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    groups = report["groups"]
    header = ["statement-id", "statement", "votes", "agree", "disagree", "pass", "agree-share", "disagree-share"]
    header += ["pass-share", "group-informed-consensus", "divisiveness"]
    for group in groups:
        prefix = f"group-{group['id']}"
        header += [f"{prefix}-{what}" for what in ("votes", "agree", "disagree", "pass", "agree-share")]
    writer.writerow(header)
    for row in report["statements"]:
        cells = [row["id"], _safe(row["text"]), row["seen"], row["agree"], row["disagree"], row["pass"]]
        cells += [row["agree_share"], row["disagree_share"], row["pass_share"]]
        cells += [row["group_informed_consensus"] if row["group_informed_consensus"] is not None else ""]
        cells += [row["divisiveness"]]
        by_id = {g["id"]: g for g in row["groups"]}
        for group in groups:
            g = by_id.get(group["id"], {"seen": 0, "agree": 0, "disagree": 0, "pass": 0, "agree_share": 0.0})
            cells += [g["seen"], g["agree"], g["disagree"], g["pass"], g["agree_share"]]
        writer.writerow(cells)
    return out.getvalue()


def _safe(text: str) -> str:
    """Statement texts are citizens' words: a leading = + - @ would run as a spreadsheet formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
