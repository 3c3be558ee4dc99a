"""``python -m clustering PATH [--json]``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from clustering.cli import main
from tests.support.polis_data import OPENDATA, POLIS_MATH, load_fixture


def test_json_on_api_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(POLIS_MATH / "25ptpt-3gp-no-strict-with-meta"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "participants",
        "in_conv",
        "k",
        "groups",
        "consensus",
        "group_aware_consensus",
        "priorities",
        "seconds",
        "history",
    }
    assert out["history"] is True  # votes.json carries vote times: pol.is's history replayed
    _, blob = load_fixture("25ptpt-3gp-no-strict-with-meta")
    assert out["participants"] == blob["n"] and out["in_conv"] == len(blob["in-conv"])
    assert out["consensus"]["agree"] == [c["tid"] for c in blob["consensus"]["agree"]]
    rep = out["groups"][0]["representative"][0]
    assert set(rep) == {"statement_id", "repful_for", "p_success", "p_test", "repness", "repness_test"}
    assert out["seconds"] >= 0


def test_module_on_opendata() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "clustering", str(OPENDATA / "vtaiwan.uberx"), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(proc.stdout)
    assert out["k"] == 2 and out["participants"] == 1921
    assert sum(len(g["members"]) for g in out["groups"]) == out["in_conv"]


def test_cold_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(POLIS_MATH / "below-100-ptpts"), "--json", "--cold"]) == 0
    cold = json.loads(capsys.readouterr().out)
    assert main([str(POLIS_MATH / "below-100-ptpts"), "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert cold["history"] is False and history["history"] is True
    # pol.is's 3 groups come from its history; one tick on the final votes finds 2
    assert (cold["k"], history["k"]) == (2, 3)


def test_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(OPENDATA / "15-per-hour-seattle")]) == 0
    text = capsys.readouterr().out
    assert "Group 0:" in text and "participants" in text


def test_missing_folder(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope")]) == 2
