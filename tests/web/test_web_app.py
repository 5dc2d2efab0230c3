"""The local web app through its HTTP interface: pages, forms, journal, security and errors."""

from __future__ import annotations

import base64
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from kratomsim import simulate
from kratomsim.interfaces.cli import run
from kratomsim.interfaces.web import WebSettings, create_app, pages_claims
from kratomsim.interfaces.web.rendering import error_text
from kratomsim.interfaces.web.security import (
    AUTH_COOKIE,
    CSRF_COOKIE,
    ServeError,
    check_bind,
    is_loopback,
)
from kratomsim.journal.store import open_journal
from kratomsim.reports.summary import fmt_value
from kratomsim.risk.findings import SEVERITY_ORDER

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork and warns once on import when it finds httpx.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PAGES = {
    "/": "Evidence-graded simulation",
    "/simulate": "Simulate a regimen",
    "/check": "Interactions and conditions",
    "/journal": "Add an entry",
    "/forecast": "Personal forecast",
    "/claims": "graded by the evidence",
    "/report": "Report for a clinician",
    "/login": "Access token",
}
HTML = {"accept": "text/html"}
TOKEN = "correct-horse-battery-staple-1234"
#: The app answers only to loopback host names when it has no token (DNS-rebinding guard).
LOCAL = "http://127.0.0.1"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private KRATOMSIM_HOME, so the journal the app opens lives in the test's folder."""
    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(), base_url=LOCAL) as c:
        c.get("/")  # sets the CSRF cookie
        yield c


def csrf(c: TestClient) -> str:
    token = c.cookies.get(CSRF_COOKIE)
    assert token, "the app sets a CSRF cookie on the first visit"
    return token


def post(c: TestClient, url: str, **data: str) -> object:
    return c.post(url, data={**data, "csrf_token": csrf(c)}, follow_redirects=False)


def alert(html: str) -> str:
    found = re.search(r'role="alert">(.*?)</p>', html, re.S)
    assert found, "the page shows an error message"
    return found.group(1)


def data_pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_phone_without_other_hosts(client: TestClient, path: str) -> None:
    r = client.get(path, headers=HTML)
    assert r.status_code == 200
    assert PAGES[path] in r.text
    assert 'name="viewport" content="width=device-width' in r.text
    assert "does not prescribe" in r.text  # the disclaimer is on every page
    assert '<link rel="stylesheet" href="/static/style.css">' in r.text
    # nothing is fetched from, linked to or posted to another host
    assert not re.search(r"https?://", r.text), re.findall(r"https?://\S+", r.text)[:3]
    assert not re.search(r'(src|href|action)="//', r.text)


def test_stylesheet_is_served_locally_and_is_responsive(client: TestClient) -> None:
    r = client.get("/static/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert "@media (max-width" in r.text and "overflow-x: auto" in r.text
    assert "http" not in r.text and "@import" not in r.text


def test_claims_page_lists_every_claim_with_its_grade(client: TestClient) -> None:
    from kratomsim.evidence import load_claims, unsupported_claims

    html = client.get("/claims").text
    claims = load_claims()
    assert html.count('<article class="claim"') == len(claims)
    for c in claims:
        assert f'id="{c.id}"' in html
    for c in unsupported_claims():
        assert f'href="#{c.id}"' in html  # the unsupported ones are listed up front
    assert pages_claims.router.routes  # the page is a registered route


# --- simulate ----------------------------------------------------------------------------------


def test_simulate_shows_summary_intervals_grades_and_plots(client: TestClient) -> None:
    r = post(client, "/simulate", regimen="2 g every 8 h for 14 days", product="leaf-powder")
    assert r.status_code == 200
    html = r.text
    assert "Cmax (ng/mL)" in html and "time to 90 % of steady state" in html
    # the outcomes carry a 90 % interval over 100 parameter draws
    assert "peak 90% interval" in html and "100 parameter draws" in html
    intervals = re.findall(r"<td>(\d[\d.e+-]*)–(\d[\d.e+-]*)</td>", html)
    assert intervals and all(float(lo) <= float(hi) for lo, hi in intervals)
    assert 'class="grade grade-' in html and "ASSUMPTION" in html
    assert "huestis2024" in html  # the leaf-powder content's source
    pngs = data_pngs(html)
    assert len(pngs) == 2 and all(p[:8] == PNG_MAGIC and len(p) > 10_000 for p in pngs)
    assert "does not prescribe" in html


def test_simulate_uses_the_label_content_typed(client: TestClient) -> None:
    html = post(client, "/simulate", regimen="2 g once", mg_per_g="30").text
    row = re.search(r"<th>Cmax \(ng/mL\)</th><td class=\"num\">([\d.,]+)</td>", html)
    assert row, "the summary table has a Cmax row"
    labelled = simulate("2 g once", mg_per_g=30.0).summary()["mitragynine"].cmax_ng_ml
    default = simulate("2 g once").summary()["mitragynine"].cmax_ng_ml
    assert row.group(1) == fmt_value(labelled) != fmt_value(default)
    assert "<td>user_input</td>" in html  # the typed content is shown as the user's, not cited


def test_simulate_runs_7oh_tablets_as_their_product(client: TestClient) -> None:
    text = "one 15 mg 7-OH tablet twice daily for 3 days"
    html = post(client, "/simulate", regimen=text, product="7oh-tablet").text
    row = re.search(
        r"<th>Cmax \(ng/mL\)</th><td class=\"num\">[\d.,]+</td><td class=\"num\">([\d.,]+)</td>",
        html,
    )
    assert row, "the summary table has a Cmax row with 7-OH second"
    tablet = simulate(text).summary()["7-hydroxymitragynine"].cmax_ng_ml
    assert row.group(1) == fmt_value(tablet)
    r = post(client, "/simulate", regimen=text, product="leaf-powder")
    assert r.status_code == 400 and "contradicts the product" in alert(r.text)


@pytest.mark.parametrize(
    ("regimen", "mg", "expect"),
    [
        ("two spoons whenever", "", "regimen"),
        ("-2 g once", "", "-2"),
        ("scenario.yaml", "", "scenario.yaml"),  # text only: never a file on the server
        ("2 g once", "lots", "must be a number"),
    ],
)
def test_simulate_bad_input_is_one_line_400(
    client: TestClient, regimen: str, mg: str, expect: str
) -> None:
    r = post(client, "/simulate", regimen=regimen, mg_per_g=mg)
    assert r.status_code == 400
    message = alert(r.text)
    assert expect.lower() in message.lower() and "\n" not in message
    assert "Traceback" not in r.text and 'name="regimen"' in r.text  # the form is shown again


# --- interactions and conditions ---------------------------------------------------------------


def test_check_sorts_findings_by_severity_and_predicts_exposure(client: TestClient) -> None:
    r = post(
        client,
        "/check",
        medications="sertraline, alprazolam",
        conditions="fatty liver",
        regimen="2 g once",
    )
    assert r.status_code == 200
    severities = re.findall(r'<article class="finding sev-(\w+)">', r.text)
    assert len(severities) >= 2
    ranks = [SEVERITY_ORDER.index(s) for s in severities]
    assert ranks == sorted(ranks), severities
    assert "Discuss with a clinician" in r.text and "Alprazolam" in r.text
    # alprazolam is a CYP3A substrate with fm/Fg: a quantitative AUC ratio above 1
    row = re.search(r"<td>Alprazolam</td><td>[^<]*</td><td class=\"num\">([\d.]+)×", r.text)
    assert row and float(row.group(1)) > 1.0


def test_check_unknown_medication_is_400(client: TestClient) -> None:
    r = post(client, "/check", medications="unobtainium")
    assert r.status_code == 400 and "unobtainium" in alert(r.text)


# --- journal -----------------------------------------------------------------------------------


ENTRIES = [
    {
        "kind": "dose",
        "product": "leaf-powder",
        "amount": "2.5",
        "unit": "g",
        "at": "2026-01-05T08:00",
    },
    {"kind": "pain", "nrs": "6", "at": "2026-01-05T09:00"},
    {"kind": "peg", "pain": "5", "enjoyment": "4", "activity": "6", "at": "2026-01-05T10:00"},
    {"kind": "symptom", "name": "nausea", "severity": "3", "at": "2026-01-05T11:00"},
    {"kind": "withdrawal", "sows": "7", "at": "2026-01-05T12:00"},
    {"kind": "note", "text": "slept badly <b>", "at": "2026-01-05T13:00"},
]


def test_journal_add_list_edit_delete_undo(client: TestClient, home: Path) -> None:
    ids = []
    for entry in ENTRIES:
        r = post(client, "/journal/add", **entry)
        assert r.status_code == 303
        ids.append(int(r.headers["location"].rsplit("=", 1)[1]))
    page = client.get("/journal").text
    assert page.count('<tr id="entry-') == len(ENTRIES)
    assert "2.5 g of leaf-powder" in page and "PEG 5.0" in page and "SOWS 7/64" in page
    assert "slept badly &lt;b&gt;" in page  # user text is escaped
    png = data_pngs(page)
    assert len(png) == 1 and png[0][:8] == PNG_MAGIC

    # the store (what the CLI reads) holds exactly what was posted
    with open_journal(home / "journal.sqlite3", readonly=True) as journal:
        stored = {e.id: e for e in journal.entries()}
    assert set(stored) == set(ids)
    assert stored[ids[0]].data["amount"] == 2.5 and stored[ids[1]].data["nrs"] == 6

    pain_id = ids[1]
    edit = client.get(f"/journal/{pain_id}/edit")
    assert edit.status_code == 200 and 'value="6"' in edit.text
    r = post(client, f"/journal/{pain_id}/edit", nrs="3", at="2026-01-05T09:30")
    assert r.status_code == 303
    r = post(client, f"/journal/{pain_id}/delete")
    assert r.status_code == 303 and r.headers["location"] == f"/journal?deleted={pain_id}"
    page = client.get(r.headers["location"]).text
    assert page.count('<tr id="entry-') == len(ENTRIES) - 1
    assert f'action="/journal/{pain_id}/undo"' in page
    assert post(client, f"/journal/{pain_id}/undo").status_code == 303

    with open_journal(home / "journal.sqlite3", readonly=True) as journal:
        restored = journal.get(pain_id)
    assert restored.data["nrs"] == 3 and restored.updated_at is not None


@pytest.mark.parametrize(
    ("entry", "expect"),
    [
        ({"kind": "pain", "nrs": "11"}, "pain nrs"),
        ({"kind": "dose", "product": "moon-dust", "amount": "2", "unit": "g"}, "moon-dust"),
        ({"kind": "symptom", "name": "nausa", "severity": "2"}, "nausea"),
        ({"kind": "spell", "text": "x"}, "entry kind"),
        ({"kind": "pain", "nrs": "4", "at": "2999-01-01T00:00"}, "future"),
    ],
)
def test_journal_refuses_invalid_entries_and_stores_nothing(
    client: TestClient, home: Path, entry: dict[str, str], expect: str
) -> None:
    r = post(client, "/journal/add", **entry)
    assert r.status_code == 400
    assert expect in alert(r.text)
    with open_journal(home / "journal.sqlite3") as journal:
        assert journal.count(include_deleted=True) == 0


def test_journal_missing_entry_is_400_without_paths(client: TestClient, home: Path) -> None:
    r = client.get("/journal/999/edit", headers=HTML)
    assert r.status_code == 400 and "999" in r.text and str(home) not in r.text


def test_forecast_says_what_is_missing_then_fits(client: TestClient) -> None:
    r = post(client, "/forecast", plan="continue", horizon="3 d")
    assert r.status_code == 400 and "at least" in alert(r.text)
    for day in range(1, 6):
        for hour, nrs in ((8, 6), (20, 4)):
            at = f"2026-01-{day:02d}T{hour:02d}:00"
            assert (
                post(
                    client, "/journal/add", kind="dose", product="leaf-powder", amount="3", at=at
                ).status_code
                == 303
            )
            at = f"2026-01-{day:02d}T{hour + 2:02d}:00"
            assert post(client, "/journal/add", kind="pain", nrs=str(nrs), at=at).status_code == 303
    r = post(client, "/forecast", plan="stop", horizon="3 d")
    assert r.status_code == 200, alert(r.text)
    assert "baseline_nrs" in r.text and "withdrawal score" in r.text
    assert len(data_pngs(r.text)) == 1
    r = post(client, "/forecast", plan="regimen", regimen="", horizon="3 d")
    assert r.status_code == 400 and "regimen" in alert(r.text).lower()


# --- report ------------------------------------------------------------------------------------


def test_report_downloads_html_attachment(client: TestClient) -> None:
    r = post(client, "/report", regimen="2 g once", product="leaf-powder", format="html")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="kratomsim-report.html"'
    assert "default-src 'none'" in r.headers["content-security-policy"]
    body = r.text
    assert body.lstrip().lower().startswith("<!doctype html") and len(body) > 20_000
    assert "2 g" in body and "clinician" in body.lower()


@pytest.mark.slow
def test_report_downloads_pdf(client: TestClient) -> None:
    from pypdf import PdfReader

    r = post(client, "/report", regimen="2 g once", medications="alprazolam", format="pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="kratomsim-report.pdf"'
    assert r.content[:5] == b"%PDF-"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "Alprazolam" in text and "clinician" in text.lower()


def test_report_refuses_scenario_files_and_unknown_formats(client: TestClient) -> None:
    r = post(client, "/report", regimen="../secret.toml", format="html")
    assert r.status_code == 400 and "not a scenario file" in alert(r.text)
    r = post(client, "/report", regimen="2 g once", format="docx")
    assert r.status_code == 400 and "docx" in alert(r.text)


# --- security ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/journal", "/static/style.css", "/no-such-page"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    r = client.get(path)
    h = r.headers
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "img-src 'self' data:" in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    if not path.startswith("/static/"):
        assert h["cache-control"] == "no-store"
    assert "server" not in h or "uvicorn" not in h["server"].lower()


@pytest.mark.parametrize(
    ("host", "status"),
    [("127.0.0.1:8050", 200), ("localhost", 200), ("[::1]:8050", 200), ("evil.example", 400)],
)
def test_only_loopback_host_names_are_answered(client: TestClient, host: str, status: int) -> None:
    r = client.get("/journal", headers={"host": host})
    assert r.status_code == status
    if status == 400:
        assert "Host" in r.text and "Add an entry" not in r.text
        assert r.headers["x-frame-options"] == "DENY"


def test_csrf_cookie_is_private_and_random(home: Path) -> None:
    with (
        TestClient(create_app(), base_url=LOCAL) as a,
        TestClient(create_app(), base_url=LOCAL) as b,
    ):
        cookie = a.get("/").headers["set-cookie"]
        b.get("/")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert csrf(a) != csrf(b) and len(csrf(a)) >= 40


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/simulate", {"regimen": "2 g once"}),
        ("/journal/add", {"kind": "pain", "nrs": "5"}),
        ("/journal/1/delete", {}),
        ("/check", {"medications": "alprazolam"}),
        ("/report", {"regimen": "2 g once"}),
        ("/forecast", {"plan": "stop"}),
    ],
)
def test_posts_without_the_csrf_token_are_refused(
    client: TestClient, home: Path, url: str, data: dict[str, str]
) -> None:
    missing = client.post(url, data=data)
    wrong = client.post(url, data={**data, "csrf_token": "x" * 43})
    for r in (missing, wrong):
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("text/plain")
        assert "security token" in r.text
    assert not (home / "journal.sqlite3").exists()  # nothing was written


def test_csrf_token_without_its_cookie_is_refused(client: TestClient) -> None:
    token = csrf(client)
    client.cookies.clear()
    r = client.post("/simulate", data={"regimen": "2 g once", "csrf_token": token})
    assert r.status_code == 403


def test_csrf_header_is_accepted_for_scripts(client: TestClient) -> None:
    r = client.post(
        "/check", data={"conditions": "fatty liver"}, headers={"x-csrf-token": csrf(client)}
    )
    assert r.status_code == 200 and "finding" in r.text


def test_errors_show_no_traceback_or_paths(home: Path) -> None:
    app: FastAPI = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"secret detail in {Path(__file__).resolve()}")

    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as c:
        c.cookies.set(CSRF_COOKIE, "y" * 43)
        for r, status in (
            (c.get("/boom"), 500),
            (c.get("/no-such-page", headers=HTML), 404),
            (c.post("/simulate", data={"csrf_token": "y" * 43}), 400),  # no regimen
            (c.delete("/journal"), 405),
        ):
            assert r.status_code == status
            for leak in (
                "Traceback",
                'File "',
                "secret detail",
                str(Path(__file__).parent),
                "site-packages",
            ):
                assert leak not in r.text, (status, leak)
            assert r.headers["x-frame-options"] == "DENY"


def test_error_text_keeps_one_line_and_drops_folders() -> None:
    exc = ValueError(
        "No journal file: got '/home/ana/.local/share/kratomsim/journal.sqlite3'.\nAdd one."
    )
    assert error_text(exc) == "No journal file: got '…/journal.sqlite3'.; Add one."
    assert error_text(ValueError(r"bad C:\Users\ana\j.db")) == "bad …/j.db"
    assert error_text(ValueError("Cmax in ng/mL for 2 g/day")) == "Cmax in ng/mL for 2 g/day"


# --- access token ------------------------------------------------------------------------------


@pytest.fixture
def locked(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(WebSettings(host="0.0.0.0", token=TOKEN))) as c:
        yield c


def test_token_is_required_for_every_page(locked: TestClient) -> None:
    assert locked.get("/").status_code == 401
    assert locked.post("/journal/add", data={"kind": "pain", "nrs": "3"}).status_code == 401
    r = locked.get("/journal", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/journal"
    assert locked.get("/static/style.css").status_code == 200  # the login page's style
    assert locked.get("/", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert locked.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401


def test_login_form_sets_a_cookie_that_is_not_the_token(locked: TestClient) -> None:
    page = locked.get("/login")
    assert page.status_code == 200
    bad = locked.post("/login", data={"token": "nope", "csrf_token": csrf(locked)})
    assert bad.status_code == 401 and "access token" in alert(bad.text)
    r = locked.post(
        "/login",
        data={"token": TOKEN, "next": "/claims", "csrf_token": csrf(locked)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/claims"
    cookie = locked.cookies.get(AUTH_COOKIE)
    assert cookie and TOKEN not in cookie
    assert locked.get("/journal").status_code == 200


def test_login_link_and_no_open_redirect(locked: TestClient) -> None:
    r = locked.get(f"/login?token={TOKEN}&next=//evil.example/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert locked.get("/").status_code == 200


# --- where the app may listen ------------------------------------------------------------------


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.org"))


def _token_file(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "token.txt"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_check_bind(tmp_path: Path) -> None:
    assert check_bind("127.0.0.1", None) is None
    with pytest.raises(ServeError, match="needs an access token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ServeError, match="does not exist"):
        check_bind("0.0.0.0", tmp_path / "missing")
    with pytest.raises(ServeError, match="is empty"):
        check_bind("0.0.0.0", _token_file(tmp_path, "  \n", 0o600))
    with pytest.raises(ServeError, match="readable by every user"):
        check_bind("0.0.0.0", _token_file(tmp_path, TOKEN, 0o644))
    assert check_bind("0.0.0.0", _token_file(tmp_path, f"{TOKEN}\n", 0o600)) == TOKEN
    assert check_bind("127.0.0.1", _token_file(tmp_path, TOKEN, 0o640)) == TOKEN


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--host", "0.0.0.0"], "needs an access token"),
        (["--host", "192.168.1.5", "--port", "8051"], "--token-file"),
        (["--host", "0.0.0.0", "--token-file", "{world}"], "chmod 600"),
        (["--host", "0.0.0.0", "--token-file", "{missing}"], "does not exist"),
        (["--port", "0"], "--port"),
    ],
)
def test_serve_refuses_unsafe_binding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], expect: str
) -> None:
    world = _token_file(tmp_path, TOKEN, 0o644)
    args = [a.format(world=world, missing=tmp_path / "missing") for a in args]
    assert run(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and expect in err
