"""Fixtures for the clustering tests: real pol.is conversations copied into the repo."""

from __future__ import annotations

from typing import Any

import pytest

from clustering.cli import Conversation
from tests.support.polis_data import FIXTURES, load_fixture


@pytest.fixture(params=FIXTURES, scope="module")
def polis_fixture(request: pytest.FixtureRequest) -> tuple[Conversation, dict[str, Any]]:
    return load_fixture(request.param)
