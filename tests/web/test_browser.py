"""The web app in a real browser: Debian's Chromium driven by Playwright against ``kratomsim serve``.

The server is the real command (``python -m kratomsim serve``) on a free loopback port, with
``KRATOMSIM_HOME`` in a temporary folder. Every request the browser makes to another host is
blocked and recorded, and any Content-Security-Policy violation reported in the console fails the
test. Screenshots go to ``test-artifacts/web/`` (desktop and a 390×844 phone).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}
#: Generous: the machine running the suite may be busy.
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = request.config.rootpath / "test-artifacts" / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kratomsim serve`` in a child process; yields its base URL."""
    home = tmp_path_factory.mktemp("home")
    port = _free_port()
    env = {**os.environ, "KRATOMSIM_HOME": str(home)}
    cmd = [sys.executable, "-m", "kratomsim", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"kratomsim serve exited with {proc.returncode}: {output}")
            try:
                if httpx.get(f"{url}/static/style.css", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("kratomsim serve did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run 'bash scripts/system-deps.sh' (installs "
            "Debian's chromium). The browser tests never download a browser."
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """Requests to other hosts (blocked) and CSP or other console errors seen by one page."""

    def __init__(self) -> None:
        self.foreign: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def check(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.errors, f"console errors (CSP?): {self.errors}"


def _page(browser: Browser, server: str, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport=viewport, accept_downloads=True)
    watch = Watch()
    context.route("**/*", watch.route)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", watch.console)
    yield page
    context.close()
    watch.check()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    yield from _page(browser, server, DESKTOP)


@pytest.fixture
def phone(browser: Browser, server: str) -> Iterator[Page]:
    yield from _page(browser, server, PHONE)


def image_loaded(page: Page, selector: str) -> int:
    """Natural width of a loaded image (0 if it failed to decode)."""
    return int(page.locator(selector).evaluate("img => img.complete ? img.naturalWidth : 0"))


def test_journal_add_plot_delete_undo(page: Page, artifacts: Path) -> None:
    page.goto("/journal")
    dose = page.locator("#add-dose form")
    dose.get_by_label("Amount of product").fill("2.5")
    dose.get_by_label("When").fill("2026-01-05T08:00")
    dose.get_by_role("button", name="Add dose").click()
    page.wait_for_url("**/journal?saved=*")
    page.locator("#add-pain summary").click()
    pain = page.locator("#add-pain form")
    pain.get_by_label("Pain now").fill("6")
    pain.get_by_label("When").fill("2026-01-05T10:00")
    pain.get_by_role("button", name="Add pain").click()
    page.wait_for_url("**/journal?saved=*")

    rows = page.locator("#entries tbody tr")
    assert rows.count() == 2
    assert "2.5 g of leaf-powder" in page.locator("#entries").inner_text()
    assert image_loaded(page, "#journal-plot") > 500
    page.screenshot(path=artifacts / "journal.png", full_page=True)

    rows.filter(has_text="pain 6/10").get_by_role("button", name="Delete").click()
    page.wait_for_url("**/journal?deleted=*")
    assert rows.count() == 1
    page.locator("#undo").get_by_role("button", name="Undo").click()
    page.wait_for_url("**/journal?saved=*")
    assert rows.count() == 2


def test_simulate_shows_plots(page: Page, artifacts: Path) -> None:
    page.goto("/simulate")
    page.get_by_label("Regimen").fill("2 g every 8 h for 7 days")
    page.get_by_label("Product").select_option("tea")
    page.get_by_role("button", name="Simulate").click()
    page.locator("#exposure-plot").wait_for()
    assert image_loaded(page, "#exposure-plot") > 500
    assert image_loaded(page, "#outcomes-plot") > 500
    text = page.locator("#result").inner_text()
    assert "Cmax (ng/mL)" in text and "interval" in text and "tea" in text.lower()
    page.screenshot(path=artifacts / "simulate.png", full_page=True)


def test_check_lists_findings(page: Page, artifacts: Path) -> None:
    page.goto("/check")
    page.get_by_label("Medications").fill("alprazolam, sertraline")
    page.get_by_label("Conditions").fill("fatty liver")
    page.get_by_role("button", name="Check").click()
    findings = page.locator("article.finding")
    findings.first.wait_for()
    assert findings.count() >= 2
    assert "Discuss with a clinician" in findings.first.inner_text()
    page.screenshot(path=artifacts / "check.png", full_page=True)


def test_report_download_arrives(page: Page, artifacts: Path) -> None:
    page.goto("/report")
    page.get_by_label("Regimen").fill("2 g once")
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="Download HTML").click()
    download = info.value
    assert download.suggested_filename == "kratomsim-report.html"
    target = artifacts / "kratomsim-report.html"
    download.save_as(target)
    body = target.read_text(encoding="utf-8")
    assert len(body) > 20_000 and body.lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize("path", ["/simulate", "/journal", "/claims"])
def test_pages_fit_a_phone_screen(phone: Page, artifacts: Path, path: str) -> None:
    phone.goto(path)
    if path == "/simulate":
        phone.get_by_role("button", name="Simulate").click()
        phone.locator("#exposure-plot").wait_for()
    # no sideways scrolling of the page itself (wide tables scroll inside their own box)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow} px wider than a 390 px phone"
    assert phone.locator("nav a").first.is_visible()
    name = path.strip("/") or "home"
    phone.screenshot(path=artifacts / f"phone-{name}.png", full_page=path != "/claims")


def test_real_server_headers_and_host_check(server: str) -> None:
    r = httpx.get(f"{server}/journal")
    assert r.status_code == 200 and "server" not in r.headers  # uvicorn does not announce itself
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    rebound = httpx.get(f"{server}/journal", headers={"host": "rebound.example"})
    assert rebound.status_code == 400 and "Add an entry" not in rebound.text
