"""Fixtures of the journal command tests: a private journal home and entry times in words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal of its own for each test (``KRATOMSIM_HOME``)."""
    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def at() -> Callable[[float, int], str]:
    """``at(days_ago, hour)``: a local time as ``journal add --at`` takes it."""

    def when(days_ago: float, hour: int) -> str:
        t = (datetime.now() - timedelta(days=days_ago)).replace(hour=hour, minute=0)
        return t.strftime("%Y-%m-%d %H:%M")

    return when
