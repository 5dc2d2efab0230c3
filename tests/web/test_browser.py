"""The web app in a real browser: Debian's Chromium driven by Playwright against ``kratomsim serve``.

The server is the real command (``python -m kratomsim serve``) on a free loopback port, with
``KRATOMSIM_HOME`` in a temporary folder. Every request the browser makes to another host is
blocked and recorded, and a Content-Security-Policy violation or script error fails the test.
Each page and state is checked with axe-core (vendored in ``tests/web/vendor/axe-core``,
injected by Playwright; zero violations of WCAG 2.0-2.2 A/AA and best practice) at a desktop
and a 390 px phone width. Screenshots go to ``test-artifacts/web/``; page timings from the
browser's Navigation Timing (and download times) to ``test-artifacts/web/timings.json``. Timings
are recorded, never asserted.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from kratomsim.journal import DoseEntry, PainEntry, open_journal

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
#: Generous: the machine running the suite may be busy.
TIMEOUT_MS = 120_000
TOKEN = "a-long-random-token-for-the-browser-test-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            output = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"kratomsim serve exited with {proc.returncode}: {output}")
        try:
            if httpx.get(f"{url}/static/style.css", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("kratomsim serve did not answer within 90 s")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture(scope="module")
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = request.config.rootpath / "test-artifacts" / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cpu_seconds() -> float:
    """How long this machine takes for a fixed piece of Python work (to read the timings by)."""
    start = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def timings(artifacts: Path) -> Iterator[dict[str, Any]]:
    """Navigation and download timings of every page and action, written at the end."""
    found: dict[str, Any] = {"cpu_reference_s": _cpu_seconds(), "pages": {}, "axe": {}}
    yield found
    found["cpu_reference_s_after"] = _cpu_seconds()
    path = artifacts / "timings.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    for key in ("pages", "axe"):
        found[key] = {**old.get(key, {}), **found[key]}
    path.write_text(json.dumps(found, indent=1, sort_keys=True), encoding="utf-8")


@pytest.fixture(scope="module")
def served_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``KRATOMSIM_HOME`` of the served app (its journal lives there)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def server(served_home: Path) -> Iterator[str]:
    """``kratomsim serve`` in a child process; yields its base URL."""
    home = served_home
    port = _free_port()
    env = {**os.environ, "KRATOMSIM_HOME": str(home)}
    env.pop("KRATOMSIM_EMERGENCY_NUMBER", None)
    cmd = [sys.executable, "-m", "kratomsim", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, proc)
        # the first simulation compiles the model's kernels: do it before any timing
        httpx.get(f"{url}/simulate?regimen=2+g+once", timeout=300)
        yield url
    finally:
        _stop(proc)


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
    """Requests to other hosts (blocked) and console errors seen by one page."""

    def __init__(self) -> None:
        self.foreign: list[str] = []
        self.errors: list[str] = []
        #: HTTP statuses a test expects a page itself to have (a form's 400, a 404).
        self.expected = ("status of 400", "status of 404", "status of 401", "status of 429")

    def route(self, route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error" and not any(e in msg.text for e in self.expected):
            self.errors.append(msg.text)

    def check(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.errors, f"console errors (CSP? script?): {self.errors}"


class Walk:
    """One browser context at one width: a page, its watch, and the checks every state gets."""

    def __init__(
        self, page: Page, watch: Watch, width: str, artifacts: Path, timings: dict[str, Any]
    ) -> None:
        self.page = page
        self.watch = watch
        self.width = width
        self.artifacts = artifacts
        self.timings = timings

    def goto(self, path: str, label: str) -> None:
        self.page.goto(path)
        self.settle(label)

    def settle(self, label: str) -> None:
        """After a navigation: record its timing, run axe, check the width, take a screenshot."""
        self.page.wait_for_load_state("load")
        self.record(label)
        self.check(label)

    def record(self, label: str) -> None:
        entry = self.page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? n.toJSON() : null; }"
        )
        if entry:
            self.timings["pages"][f"{label} [{self.width}]"] = {
                "server_ms": round(entry["responseStart"] - entry["requestStart"]),
                "dom_ready_ms": round(entry["domContentLoadedEventEnd"]),
                "load_ms": round(entry["loadEventEnd"]),
                "bytes": entry.get("encodedBodySize", 0),
            }

    def check(self, label: str) -> None:
        violations = axe(self.page)
        self.timings["axe"][f"{label} [{self.width}]"] = len(violations)
        assert not violations, f"axe on {label} at {self.width}: {violations}"
        if self.width == "phone":
            overflow = self.page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{label} is {overflow} px wider than a 390 px phone"
        self.shot(label)

    def shot(self, label: str) -> None:
        name = label.replace("/", "_").replace(" ", "-").strip("_") or "home"
        self.page.screenshot(path=self.artifacts / f"{self.width}-{name}.png", full_page=True)


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (empty list: none)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                resultTypes: ['violations'], runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        AXE_TAGS,
    )


@pytest.fixture(params=list(VIEWPORTS))
def walk(
    request: pytest.FixtureRequest,
    browser: Browser,
    server: str,
    artifacts: Path,
    timings: dict[str, Any],
) -> Iterator[Walk]:
    width = str(request.param)
    context = browser.new_context(base_url=server, viewport=VIEWPORTS[width], accept_downloads=True)
    watch = Watch()
    context.route("**/*", watch.route)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", watch.console)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    yield Walk(page, watch, width, artifacts, timings)
    context.close()
    watch.check()


def focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


# --- every page, empty -------------------------------------------------------------------------

EMPTY_PAGES = [
    "/",
    "/simulate",
    "/check",
    "/journal",
    "/taper",
    "/forecast",
    "/report",
    "/journal/report",
    "/glossary",
    "/login",
]


def test_every_page_empty_state(walk: Walk) -> None:
    for path in EMPTY_PAGES:
        walk.goto(path, f"{path} empty")
        assert walk.page.locator("h1").count() == 1
    # the first Tab reaches the skip link, which leads to the main content
    walk.page.goto("/simulate")
    walk.page.keyboard.press("Tab")
    assert walk.page.evaluate("document.activeElement.textContent") == "Skip to main content"
    walk.page.keyboard.press("Enter")
    assert focused(walk.page) == "main"


def test_claims_page(walk: Walk) -> None:
    walk.goto("/claims", "/claims")
    assert walk.page.locator("article.claim").count() > 10


# --- simulate ----------------------------------------------------------------------------------


def test_simulate_example_result_with_interactive_chart(walk: Walk) -> None:
    page = walk.page
    page.goto("/simulate")
    page.get_by_role("link", name="2 g once").click()
    page.locator("#result").wait_for()
    walk.settle("/simulate result (one dose)")
    assert focused(page) == "result"  # focus moved to the result, which is announced
    summary = page.locator("dl.summary").inner_text()
    assert "ng/mL" in summary and "nM" in summary and "points better" in summary
    # the chart is drawn (the PNG is only the no-script fallback) and opens on the first day
    box = page.locator('.chart-box[data-chart="exposure"]')
    box.locator("canvas").first.wait_for()
    scale = page.evaluate(
        "() => { const u = document.querySelector('.chart-box[data-chart=exposure]').uplot;"
        " return [u.scales.x.min, u.scales.x.max]; }"
    )
    assert scale == [0, 24]
    page.get_by_role("button", name="Show everything").first.click()
    wide = page.evaluate(
        "document.querySelector('.chart-box[data-chart=exposure]').uplot.scales.x.max"
    )
    assert wide > 100
    # hovering shows the values in the legend; dragging zooms in
    over = box.locator(".u-over")
    bounds = over.bounding_box()
    assert bounds
    page.mouse.move(bounds["x"] + bounds["width"] * 0.05, bounds["y"] + bounds["height"] / 2)
    legend = box.locator(".u-legend").inner_text()
    assert any(ch.isdigit() for ch in legend.split("Mitragynine in the blood")[-1][:20])
    page.mouse.move(bounds["x"] + bounds["width"] * 0.2, bounds["y"] + 20)
    page.mouse.down()
    page.mouse.move(bounds["x"] + bounds["width"] * 0.5, bounds["y"] + 20, steps=5)
    page.mouse.up()
    zoomed = page.evaluate(
        "() => { const u = document.querySelector('.chart-box[data-chart=exposure]').uplot;"
        " return [u.scales.x.min, u.scales.x.max]; }"
    )
    assert 0 < zoomed[0] < zoomed[1] < wide
    csv_link = page.get_by_role("link", name="Download the data (CSV)").first
    assert csv_link.get_attribute("href", timeout=1000).startswith("/simulate.csv?")  # type: ignore[union-attr]


def test_simulate_the_page_examples_and_an_error(walk: Walk) -> None:
    page = walk.page
    page.goto("/simulate")
    page.get_by_role("link", name="2 g at 8:00, 14:00 and 20:00 for 5 days").click()
    page.locator("#result").wait_for()
    walk.settle("/simulate result (three a day)")
    page.get_by_label("Regimen").fill("two spoons whenever")
    page.get_by_role("button", name="Simulate").click()
    page.locator("#error-summary").wait_for()
    walk.settle("/simulate error")
    field = page.locator("#regimen")
    assert field.get_attribute("aria-invalid") == "true"
    assert "regimen-error" in (field.get_attribute("aria-describedby") or "")
    assert focused(page) == "regimen"  # focus moved to the field at fault
    assert page.locator("#regimen").input_value() == "two spoons whenever"  # nothing lost


#: WCAG 1.4.11 (non-text contrast): what a form field's border needs against its surroundings.
#: axe-core does not check it, so the browser does it here from the computed styles.
BORDER_CONTRAST_JS = """() => {
    const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05); };
    const background = (el) => {
        for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
        }
        return [255, 255, 255];
    };
    const fields = [...document.querySelectorAll('input, select, textarea')].filter((el) => {
        const s = getComputedStyle(el);
        return el.type !== 'hidden' && el.type !== 'radio' && el.type !== 'checkbox'
            && s.display !== 'none' && s.visibility !== 'hidden'
            && parseFloat(s.borderTopWidth) > 0 && el.getClientRects().length > 0;
    });
    return fields.map((el) => {
        const border = rgb(getComputedStyle(el).borderTopColor).slice(0, 3);
        const outer = ratio(border, background(el.parentElement));
        const inner = ratio(border, background(el));
        return [el.id || el.name, Math.min(outer, inner)];
    });
}"""


def test_field_borders_and_chart_text_are_readable(walk: Walk) -> None:
    page = walk.page
    for path in ("/simulate?regimen=2+g+once", "/check", "/journal", "/taper", "/report"):
        page.goto(path)
        page.wait_for_load_state("load")
        fields = page.evaluate(BORDER_CONTRAST_JS)
        assert fields, path
        weak = [(name, round(r, 2)) for name, r in fields if r < 3.0]
        assert not weak, f"field borders under 3:1 on {path} at {walk.width}: {weak}"
    # the chart's axis text stays readable on a phone (the PNGs had 4-5 px text)
    page.goto("/simulate?regimen=2+g+once")
    page.locator('.chart-box[data-chart="exposure"] canvas').first.wait_for()
    sizes = page.evaluate(
        "() => document.querySelector('.chart-box[data-chart=exposure]').uplot.axes"
        ".filter(a => a.show !== false).map(a => String(a.font))"
    )
    px = [float(s.split("px")[0].split()[-1]) for s in sizes]  # uPlot keeps "12px family,12,12"
    assert px and min(px) >= 12, (walk.width, sizes)


# --- interactions ------------------------------------------------------------------------------


def test_simulate_stopping_shows_the_withdrawal_timeline_breathing_and_pupils(walk: Walk) -> None:
    page = walk.page
    page.goto("/simulate")
    page.get_by_role("link", name="4 g three times daily for 28 days then stop").click()
    page.locator("#result").wait_for()
    walk.settle("/simulate result (stopping)")
    summary = " ".join(page.locator("dl.summary").inner_text().split())
    withdrawal = summary.split("If use stopped after the last dose", 1)[1].split("How sure")[0]
    for said in ("signs would start", "of the runs", "be worst at", "of 64", "last about"):
        assert said in withdrawal, withdrawal
    assert withdrawal.count("(range") == 4, withdrawal
    assert "% less air per minute than usual (range" in summary
    assert "mm smaller than usual, in dim light (range" in summary
    assert summary.count("How sure:") == 3  # withdrawal, breathing, pupils (and a "How sure" topic)
    for name in ("ventilation", "pupil_change", "SOWS points", "share_with_signs", "_pct"):
        assert name not in summary, name
    # the details: both tables open and readable, with ranges
    assert page.locator("#withdrawal tbody tr").count() >= 4
    falls = page.locator("#falls").inner_text()
    assert "% less" in falls and "mm smaller" in falls and "to" in falls
    # the breathing and pupils chart is drawn, with its range band data
    figure = page.locator("figure.chart", has_text="Breathing and pupils")
    figure.locator("canvas").first.wait_for()
    labels = figure.locator(".u-legend").inner_text()
    assert "Breathing" in labels and "Pupil size" in labels


def test_check_suggests_names_and_answers_every_item(walk: Walk) -> None:
    page = walk.page
    walk.goto("/check", "/check empty again")
    meds = page.locator("#medications")
    meds.click()
    meds.press_sequentially("alpr", delay=40)
    option = page.locator("#medications-suggestions [role=option]", has_text="Alprazolam")
    option.first.wait_for()
    assert meds.get_attribute("aria-expanded") == "true"
    walk.check("/check suggestions open")
    meds.press("ArrowDown")
    meds.press("Enter")
    assert meds.input_value().startswith("Alprazolam, ")
    meds.press_sequentially("foobarin", delay=10)
    page.get_by_label("Health conditions").fill("fatty liver")
    page.get_by_role("button", name="Check").click()
    page.locator("#result").wait_for()
    walk.settle("/check result")
    grid = page.locator("#grid").inner_text()
    assert "Alprazolam" in grid and "liver disease" in grid
    unknown = page.locator(".unknown").inner_text()
    assert "foobarin" in unknown and "did you mean" in unknown
    assert page.locator("details.finding").count() >= 2


def test_check_done_means_example_exactly(walk: Walk) -> None:
    page = walk.page
    page.goto("/check")
    page.get_by_label("Medicines and other substances").fill("alprazolam, foobarin")
    page.get_by_role("button", name="Check").click()
    page.locator("#result").wait_for()
    walk.settle("/check alprazolam-foobarin")
    assert "Alprazolam" in page.locator("#grid").inner_text()
    suggestion = page.locator(".unknown a").first
    assert suggestion.inner_text()  # a "did you mean" link for foobarin
    suggestion.click()
    page.locator("#result").wait_for()
    assert "foobarin" not in page.locator("#medications").input_value()


# --- journal -----------------------------------------------------------------------------------


def test_journal_logs_a_day_in_one_go_with_live_checks_and_undo(walk: Walk) -> None:
    page = walk.page
    page.goto("/journal")
    form = page.locator("#quick")
    form.get_by_label("A new dose:").check()
    assert form.locator("#q-amount").is_visible()
    form.locator("#q-unit").select_option("tsp")
    assert form.locator("#q-g_per_unit").is_visible()
    assert not form.locator("#q-oh7_mg_per_unit").is_visible()
    form.locator("#q-amount").fill("2")
    form.locator("#q-g_per_unit").fill("2.5")
    form.locator("#q-nrs").get_by_text("6", exact=True).click()
    form.locator("#q-substance").fill("oxycodone")
    page.locator("[data-co-use-out] .co-use").wait_for()
    assert "Kratom with Oxycodone" in page.locator("[data-co-use-out]").inner_text()
    form.locator("#q-text").fill("I could not breathe properly last night")
    page.locator("[data-redflag-out] .redflag").wait_for()  # before saving, at once
    walk.check("/journal live red flag")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url("**/journal?saved=*")
    page.wait_for_load_state("load")
    assert focused(page) == "redflag"  # the panel takes the focus at once
    walk.settle("/journal saved with red flag")
    panel = page.locator("#redflag")
    assert "Seek care now" in panel.inner_text() and "naloxone" in panel.inner_text()
    rows = page.locator("#entries tbody tr")
    before = rows.count()
    assert (
        before >= 4 and "2 tsp (2.5 g each) of leaf-powder" in page.locator("#entries").inner_text()
    )
    assert "Today" in page.locator(".glance").inner_text()
    # delete asks first, then undo brings the entry back
    rows.first.get_by_role("link", name="Delete").click()
    page.wait_for_url("**/delete")
    walk.settle("/journal delete confirm")
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url("**/journal?deleted=*")
    walk.settle("/journal deleted")
    assert rows.count() == before - 1
    page.locator("#undo").get_by_role("button", name="Undo").click()
    page.wait_for_url("**/journal?saved=*")
    assert rows.count() == before


def test_journal_sows_form_and_a_bad_value(walk: Walk) -> None:
    page = walk.page
    page.goto("/journal")
    page.get_by_text("More to log").click()
    sows = page.locator("#add-withdrawal")
    for number in range(1, 17):
        sows.locator(f"#w-sows_{number}").get_by_text("1", exact=True).click()
    assert page.locator("[data-sows-total]").inner_text().startswith("16")
    walk.check("/journal SOWS form")
    sows.get_by_role("button", name="Save withdrawal score").click()
    page.wait_for_url("**/journal?saved=*")
    assert "SOWS 16/64 (16 items)" in page.locator("#entries").inner_text()
    form = page.locator("#quick")
    form.get_by_label("A new dose:").check()
    form.locator("#q-amount").fill("900")
    form.get_by_role("button", name="Save").click()
    page.locator("#error-summary").wait_for()
    walk.settle("/journal error")
    assert page.locator("#q-amount").get_attribute("aria-invalid") == "true"
    assert "at most 150 g" in page.locator("#q-amount-error").inner_text()


# --- taper, reports ----------------------------------------------------------------------------


def test_taper_comparison(walk: Walk) -> None:
    page = walk.page
    page.goto("/taper")
    page.get_by_role("button", name="Compare").click()
    page.locator("#result").wait_for()
    walk.settle("/taper result")
    assert page.locator("#plans tbody tr").count() == 3
    assert page.locator("#plans tbody tr").first.inner_text().count("range") == 1
    episodes = page.locator("#episodes tbody tr")
    assert episodes.count() == 3
    for k in range(3):
        row = " ".join(episodes.nth(k).inner_text().split())
        assert row.count("range") == 3 and "%" in row, row
    page.locator('.chart-box[data-chart="taper"] canvas').first.wait_for()


#: Read in the page 300 ms after a form is submitted, kept in sessionStorage across the
#: navigation: the working indicator, the live region and the submit button as they were then.
WORKING_SNAPSHOT = """() => document.querySelector("form[data-working]").addEventListener(
    "submit", () => setTimeout(() => {
        const form = document.querySelector("form[data-working]");
        const status = form.querySelector(".working-status");
        const live = document.querySelector("#live");
        const button = form.querySelector("button[type=submit]");
        sessionStorage.setItem("working", JSON.stringify({
            text: status ? status.innerText : null,
            role: status ? status.getAttribute("role") : null,
            visible: !!(status && status.querySelector(".working") &&
                        status.querySelector(".working").getClientRects().length),
            live: live.textContent, liveRole: live.getAttribute("role"),
            livePolite: live.getAttribute("aria-live"),
            busy: button.getAttribute("aria-busy"), disabled: button.disabled}));
    }, 300))"""


def test_the_working_indicator_shows_and_is_announced_while_a_slow_form_runs(walk: Walk) -> None:
    page = walk.page
    page.goto("/taper")
    expected = page.locator("form[data-working]").get_attribute("data-working")
    assert expected
    page.evaluate("() => sessionStorage.removeItem('working')")
    page.evaluate(WORKING_SNAPSHOT)

    # the comparison's answer is held back 2 s, so the working state lasts past the snapshot
    def slow(route: Route) -> None:
        time.sleep(2.0)
        route.continue_()

    page.route(lambda url: urlparse(url).path == "/taper" and "?" in url, slow)
    page.get_by_role("button", name="Compare").click()
    page.locator("#result").wait_for()
    seen = json.loads(page.evaluate("() => sessionStorage.getItem('working')") or "null")
    assert seen is not None, "no working state was seen after the submit"
    assert seen["text"] == expected and seen["visible"], seen
    # role=status: a polite live region, read out by screen readers when it changes
    assert seen["role"] == "status", seen
    assert seen["live"] == expected and seen["liveRole"] == "status", seen
    assert seen["livePolite"] == "polite", seen
    assert seen["busy"] == "true" and seen["disabled"] is True, seen
    # the result page is not working any more
    assert page.locator(".working").count() == 0
    assert not page.get_by_role("button", name="Compare").is_disabled()


def _download(walk: Walk, button: str, label: str) -> Path:
    page = walk.page
    start = time.perf_counter()
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name=button).click()
    download = info.value
    target = walk.artifacts / f"{walk.width}-{download.suggested_filename}"
    download.save_as(target)
    walk.timings["pages"][f"{label} [{walk.width}]"] = {
        "download_ms": round(1000 * (time.perf_counter() - start))
    }
    return target


def test_reports_download_from_the_page(walk: Walk) -> None:
    page = walk.page
    page.goto("/report")
    page.get_by_label("Regimen").fill("2 g every 8 h for 14 days")
    page.get_by_label("Medicines").fill("alprazolam")
    html = _download(walk, "Download HTML", "report HTML download")
    body = html.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in body and "Alprazolam" in body
    assert "Downloaded" in page.locator(".working-status").inner_text()
    walk.check("/report after download")
    if walk.width == "desktop":
        pdf = _download(walk, "Download PDF", "report PDF download")
        root = PdfReader(pdf).root_object
        mark = root.get("/MarkInfo")  # tagged (PDF/UA): a structure tree, marked content
        assert "/StructTreeRoot" in root and isinstance(mark, DictionaryObject)
        assert bool(mark["/Marked"])
    # the journal report needs a dose in its period
    page.goto("/journal")
    page.locator("#quick").get_by_label("A new dose:").check()
    page.locator("#q-amount").fill("3")
    page.locator("#quick").get_by_role("button", name="Save").click()
    page.wait_for_url("**/journal?saved=*")
    page.goto("/journal/report")
    report = _download(walk, "Download HTML", "journal report HTML download")
    assert "From the person's journal" in report.read_text(encoding="utf-8")


# --- security against the real server ----------------------------------------------------------


def test_the_real_server_refuses_foreign_origins_huge_ids_and_odd_hosts(server: str) -> None:
    with httpx.Client(base_url=server) as c:
        page = c.get("/journal")
        assert page.status_code == 200 and "server" not in page.headers
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        data = {"nrs": "5", "csrf_token": token}
        foreign = c.post("/journal/add", data=data, headers={"origin": "http://127.0.0.1:1"})
        assert foreign.status_code == 403
        cross = c.post("/journal/add", data=data, headers={"sec-fetch-site": "cross-site"})
        assert cross.status_code == 403
        own = c.post(
            "/journal/add", data=data, headers={"origin": server, "sec-fetch-site": "same-origin"}
        )
        assert own.status_code == 303
        assert c.get("/journal/99999999999999999999/edit").status_code == 404
        port = urlparse(server).port
        odd = c.get("/journal", headers={"host": f"127.0.0.1:{port}@evil.example"})
        assert odd.status_code == 400


def _token_file(folder: Path, text: str, mode: int) -> Path:
    path = folder / f"token-{mode:o}-{len(text)}"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("text", "mode", "expect"),
    [("x", 0o600, "at least 32 characters"), (TOKEN, 0o640, "other users")],
)
def test_serve_refuses_a_weak_token_file(tmp_path: Path, text: str, mode: int, expect: str) -> None:
    token = _token_file(tmp_path, text, mode)
    cmd = [sys.executable, "-m", "kratomsim", "serve", "--host", "0.0.0.0"]
    done = subprocess.run(
        [*cmd, "--port", str(_free_port()), "--token-file", str(token)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KRATOMSIM_HOME": str(tmp_path)},
    )
    assert done.returncode == 2 and expect in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_token_mode_login_and_logout_in_the_browser(
    browser: Browser, tmp_path: Path, artifacts: Path, timings: dict[str, Any]
) -> None:
    token = _token_file(tmp_path, TOKEN, 0o600)
    port = _free_port()
    cmd = [sys.executable, "-m", "kratomsim", "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*cmd, "--token-file", str(token)],
            env={**os.environ, "KRATOMSIM_HOME": str(tmp_path)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, proc)
        context = browser.new_context(base_url=url, viewport=VIEWPORTS["desktop"])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watch = Watch()
        page.on("console", watch.console)
        page.goto("/journal")
        page.wait_for_url("**/login?next=/journal")
        walk = Walk(page, watch, "desktop", artifacts, timings)
        walk.check("/login (token mode)")
        page.get_by_label("Token").fill(TOKEN)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/journal")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/login?next=/")
        page.goto("/journal")
        page.wait_for_url("**/login?next=/journal")  # the session ended
        context.close()
        watch.check()
    finally:
        _stop(proc)
    output = log.read_text(encoding="utf-8")
    assert f"open http://127.0.0.1:{port}/" in output and "plain HTTP" in output


# --- a year of entries (last: it fills the served journal) --------------------------------------


def test_a_year_of_entries(walk: Walk, served_home: Path) -> None:
    path = served_home / "journal.sqlite3"
    with open_journal(path) as journal:
        if journal.count() < 1000:
            start = datetime.now(UTC) - timedelta(days=366)
            journal.add_many(
                entry
                for d in range(365)
                for entry in (
                    DoseEntry("leaf-powder", 3, "g", start + timedelta(days=d, hours=8)),
                    DoseEntry("leaf-powder", 3, "g", start + timedelta(days=d, hours=15)),
                    PainEntry(5 + d % 3, start + timedelta(days=d, hours=9)),
                )
            )
    walk.goto("/journal", "/journal a year of entries")
    page = walk.page
    assert page.locator("#entries tbody tr").count() == 50
    chart = page.locator('.chart-box[data-chart="journal"]')
    chart.locator("canvas").first.wait_for()
    days = page.evaluate(
        "document.querySelector('.chart-box[data-chart=journal]').uplot.data[0].length"
    )
    assert 360 <= days <= 400  # one value per day, not one per entry
    page.get_by_role("link", name="Older entries").click()
    walk.settle("/journal a year, page 2")
    walk.goto("/journal?from=2000-01-01&kind=pain", "/journal a year, pain only")
    # the personal forecast from the last 28 days (written above, not through the app: the first
    # width fits afresh, the second finds the fit cached)
    walk.goto("/forecast?plan=stop&horizon=7+d", "/forecast a year of entries, stop")
    assert "Your usual pain without kratom" in page.content()


# --- exhaustive walk (slow) ---------------------------------------------------------------------


@pytest.mark.slow
def test_exhaustive_walk_of_every_state(walk: Walk) -> None:
    states = [
        ("/simulate?regimen=4+g+three+times+daily+for+28+days+then+stop", "simulate 28 days"),
        ("/simulate?regimen=2+g+once&product=7oh-concentrate&pain=acute", "simulate 7-OH acute"),
        ("/simulate?regimen=3+g+twice+daily+for+14+days&pain=chronic", "simulate chronic"),
        ("/check?medications=benzos%2C+MAOI%2C+kratom&conditions=epilepsy", "check classes"),
        ("/check?medications=&conditions=jaundice", "check red flag"),
        ("/journal?from=2020-01-01&to=2020-01-31", "journal empty range"),
        ("/journal?from=not-a-date", "journal bad filter"),
        ("/forecast?plan=continue&horizon=7+d", "forecast"),
        ("/report/download?regimen=../x.toml", "report error"),
    ]
    for path, label in states:
        walk.goto(path, label)
