"""Helpers of the web tests: posting forms as the app's own pages do, reading its messages."""

from __future__ import annotations

import re
import warnings
from typing import Any

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork and warns once on import when it finds httpx.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = ["HTML", "LOCAL", "TOKEN", "TestClient", "alert", "csrf", "post"]

HTML = {"accept": "text/html"}
#: The app answers only to loopback host names when it has no token (DNS-rebinding guard).
LOCAL = "http://127.0.0.1"
TOKEN = "correct-horse-battery-staple-1234567890"


def csrf(c: TestClient, page: str = "/journal") -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get(page, headers=HTML).text)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def post(c: TestClient, url: str, **data: Any) -> Any:
    """Post a form as the app's own page does (same origin, with the CSRF token)."""
    headers = {"origin": str(c.base_url).rstrip("/"), "sec-fetch-site": "same-origin"}
    return c.post(
        url, data={**data, "csrf_token": csrf(c)}, headers=headers, follow_redirects=False
    )


def alert(html: str) -> str:
    """The text of the page's error (the error summary, or a plain alert)."""
    found = re.search(r'id="error-summary"[^>]*>.*?<p>(.*?)</p>', html, re.S) or re.search(
        r'role="alert">(.*?)</p>', html, re.S
    )
    assert found, "the page shows an error message"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()
