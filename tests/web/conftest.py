"""Fixtures of the web tests: a private journal folder, HTTP clients, and form helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from webhelpers import LOCAL, TOKEN, TestClient

from kratomsim.interfaces.web import WebSettings, create_app


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private KRATOMSIM_HOME, so the journal the app opens lives in the test's folder."""
    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path))
    monkeypatch.delenv("KRATOMSIM_EMERGENCY_NUMBER", raising=False)
    return tmp_path


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(), base_url=LOCAL) as c:
        c.get("/")  # sets the CSRF cookie
        yield c


@pytest.fixture
def locked(home: Path) -> Iterator[TestClient]:
    """An app that needs the access token (as when listening on a network address)."""
    with TestClient(create_app(WebSettings(host="0.0.0.0", token=TOKEN))) as c:
        yield c
