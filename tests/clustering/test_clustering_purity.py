"""The clustering package is a pure library: no web stack, no I/O modules at import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_loads_no_web_modules() -> None:
    code = "import json, sys, clustering\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout)
    banned = ("flask", "sqlalchemy", "redis", "app", "clustering.cli", "requests")
    leaked = [m for m in modules if any(m == b or m.startswith(b + ".") or m.startswith(b + "_") for b in banned)]
    assert leaked == []
    assert "clustering.pipeline" in modules


def test_library_modules_do_no_io() -> None:
    """Only the command-line module may open files."""
    for path in (ROOT / "clustering").glob("*.py"):
        if path.name in {"cli.py", "__main__.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("open(", "import flask", "import sqlalchemy", "import redis", "pathlib", "urllib"):
            assert needle not in text, f"{path.name} contains {needle!r}"
