"""Real pol.is conversations copied into the repo, and loaders for them (clustering tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clustering.cli import Conversation, load

TESTS = Path(__file__).resolve().parents[1]
POLIS_MATH = TESTS / "clustering" / "fixtures" / "polis-math"
OPENDATA = TESTS / "data" / "polis-opendata"
FIXTURES = [
    "below-100-ptpts",
    "25ptpt-3gp-no-strict-with-meta",
    "150ptpt-3gp-no-strict-no-meta",
    "above-100-ptpts",
]


def load_fixture(name: str) -> tuple[Conversation, dict[str, Any]]:
    folder = POLIS_MATH / name
    return load(folder), json.loads((folder / "math-pca2.json").read_text(encoding="utf-8"))


def blob_state(blob: dict[str, Any]) -> dict[str, Any]:
    """A warm-start state carrying the blob's history: in-conv and base clusters."""
    bc = blob["base-clusters"]
    return {
        "version": 1,
        "in_conv": blob["in-conv"],
        "base_clusters": {
            "id": bc["id"],
            "members": bc["members"],
            "center": [[x, y] for x, y in zip(bc["x"], bc["y"], strict=True)],
        },
    }
