"""The Journal pages through HTTP: quick logging, red flags, substances, favourites, household
units, the SOWS form, bounds shared with the CLI, delete and undo, paging, export and backup."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from webhelpers import HTML, LOCAL, TestClient, alert, post

from kratomsim.interfaces.cli import run
from kratomsim.journal import DoseEntry, PainEntry, open_journal
from kratomsim.journal.bounds import BOUNDS


def stored(home: Path) -> list[tuple[str, dict[str, object]]]:
    path = home / "journal.sqlite3"
    if not path.exists():
        return []
    with open_journal(path, readonly=True) as journal:
        return [(e.kind, e.data) for e in journal.entries()]


def saved_ids(response: object) -> list[int]:
    location = response.headers["location"]  # type: ignore[attr-defined]
    found = re.search(r"saved=([\d%C,]+)", location)
    assert found, location
    return [int(x) for x in found.group(1).replace("%2C", ",").split(",")]


def test_one_quick_form_logs_a_dose_pain_symptom_substance_and_note(
    client: TestClient, home: Path
) -> None:
    r = post(
        client,
        "/journal/add",
        kind="quick",
        dose_choice="new",
        product="leaf-powder",
        amount="2",
        unit="tsp",
        g_per_unit="2.5",
        nrs="6",
        symptom_name="nausea",
        severity="3",
        substance="Xanax",
        substance_amount="1",
        substance_unit="tablet",
        text="after lunch",
        at="2026-01-05T08:00",
    )
    assert r.status_code == 303 and len(saved_ids(r)) == 5
    assert [k for k, _ in stored(home)] == ["dose", "pain", "symptom", "substance", "note"]
    dose = stored(home)[0][1]
    assert dose == {"product": "leaf-powder", "amount": 2.0, "unit": "tsp", "g_per_unit": 2.5}
    page = client.get(r.headers["location"], headers=HTML).text
    assert "2 tsp (2.5 g each) of leaf-powder" in page and "Alprazolam 1 tablet" in page
    # the substance just logged is checked against the rules at once
    assert "Kratom with Alprazolam" in page and "dangerous" in page
    assert "Do not stay or use alone" in page


def test_a_7oh_tablet_is_logged_in_mg_of_7oh(client: TestClient, home: Path) -> None:
    r = post(
        client,
        "/journal/add",
        dose_choice="new",
        product="7oh-concentrate",
        amount="2",
        unit="tablet",
        oh7_mg_per_unit="15",
        at="2026-01-05T08:00",
    )
    assert r.status_code == 303
    assert stored(home)[0][1] == {
        "product": "7oh-concentrate",
        "amount": 2.0,
        "unit": "tablet",
        "oh7_mg_per_unit": 15.0,
    }
    assert "2 tablet (15 mg 7-OH each) of 7oh-concentrate" in client.get("/journal").text


def test_repeat_last_and_favourites_log_in_one_tap(client: TestClient, home: Path) -> None:
    assert (
        post(
            client, "/journal/add", dose_choice="new", product="tea", amount="3", unit="g"
        ).status_code
        == 303
    )
    page = client.get("/journal", headers=HTML).text
    assert "Same as last time: 3 g of tea" in page
    assert post(client, "/journal/add", dose_choice="last").status_code == 303
    r = post(
        client,
        "/journal/favourite",
        label="evening capsules",
        product="leaf-powder",
        amount="4",
        unit="capsule",
        g_per_unit="0.5",
    )
    assert r.status_code == 303
    fav = re.search(r'value="(fav-\d+)"> evening capsules', client.get("/journal").text)
    assert fav, "the favourite is offered in the quick form"
    assert post(client, "/journal/add", dose_choice=fav.group(1)).status_code == 303
    doses = [d for k, d in stored(home) if k == "dose"]
    assert [d["amount"] for d in doses] == [3.0, 3.0, 4.0]
    assert doses[2]["unit"] == "capsule" and doses[2]["g_per_unit"] == 0.5


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"symptom_name": "breathing-difficulty", "severity": "8"}, "Seek care now"),
        ({"symptom_name": "jaundice", "severity": "2"}, "Seek medical care today"),
        ({"text": "I passed out after the second cup"}, "Seek care now"),
        ({"symptom_name": "seizure", "severity": "5"}, "Seek care now"),
    ],
)
def test_a_red_flag_brings_the_seek_care_panel_at_once(
    client: TestClient, home: Path, fields: dict[str, str], message: str
) -> None:
    r = post(client, "/journal/add", **fields)
    assert r.status_code == 303 and "flags=" in r.headers["location"]
    page = client.get(r.headers["location"], headers=HTML).text
    panel = re.search(r'<section class="redflag.*?</section>', page, re.S)
    assert panel and message in panel.group(0)
    text = panel.group(0)
    assert "911 (US) / 112 (EU)" in text
    if message == "Seek medical care today":
        assert "2-49 days" in text  # the liver watch window
    else:
        assert "alone" in text
        assert ("naloxone" in text) is (fields.get("symptom_name") != "seizure")


def test_the_live_check_answers_while_typing(client: TestClient) -> None:
    html = client.get("/api/red-flags?text=short+of+breath&symptom=&severity=1").text
    assert "Seek care now" in html and 'id="redflag-live"' in html
    assert client.get("/api/red-flags?text=slept+well").text.strip() == ""
    html = client.get("/api/red-flags?symptom=dark-urine&severity=3").text
    assert "Seek medical care today" in html
    co = client.get("/api/co-use?name=oxycodone").text
    assert "Kratom with Oxycodone" in co and "naloxone" in co
    assert client.get("/api/co-use?name=foobarin").text == ""


def test_the_emergency_number_is_configurable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from webhelpers import LOCAL

    from kratomsim.interfaces.web import WebSettings, create_app

    monkeypatch.setenv("KRATOMSIM_EMERGENCY_NUMBER", "000 (Australia)")
    with TestClient(create_app(), base_url=LOCAL) as c:
        assert "000 (Australia)" in c.get("/api/red-flags?text=chest+pain").text
    settings = WebSettings(emergency_number="999 (UK)")
    with TestClient(create_app(settings), base_url=LOCAL) as c:
        assert "call 999 (UK)" in c.get("/").text


def test_sows_items_form_and_peg(client: TestClient, home: Path) -> None:
    items = {f"sows_{i}": str(i % 5) for i in range(1, 17)}
    r = post(client, "/journal/add", kind="withdrawal", at="2026-01-06T08:00", **items)
    assert r.status_code == 303
    kind, data = stored(home)[0]
    assert kind == "withdrawal" and data["sows"] == sum(i % 5 for i in range(1, 17))
    assert data["items"] == [i % 5 for i in range(1, 17)]
    missing = dict(items)
    del missing["sows_7"]
    r = post(client, "/journal/add", kind="withdrawal", **missing)
    assert r.status_code == 400 and "item 7" in alert(r.text)
    assert 'aria-describedby="w-sows_7-error"' in r.text
    r = post(client, "/journal/add", kind="peg", peg_pain="6", peg_enjoyment="5", peg_activity="7")
    assert r.status_code == 303 and stored(home)[-1] == (
        "peg",
        {"pain": 6, "enjoyment": 5, "activity": 7},
    )


@pytest.mark.parametrize(
    ("fields", "field", "expect"),
    [
        ({"dose_choice": "new", "product": "tea", "amount": "1e308"}, "amount", "at most 150 g"),
        (
            {"dose_choice": "new", "product": "tea", "amount": "2", "unit": "tsp"},
            "g_per_unit",
            "needs",
        ),
        (
            {
                "dose_choice": "new",
                "product": "tea",
                "amount": "1",
                "unit": "tablet",
                "oh7_mg_per_unit": "15",
            },
            "product",
            "holds no 7-OH",
        ),
        ({"nrs": "11"}, "nrs", "pain nrs"),
        ({"substance": "foobarin"}, "substance", "foobarin"),
        ({"symptom_name": "nausa", "severity": "2"}, "symptom_name", "nausea"),
        ({"text": "x", "at": "2999-01-01T00:00"}, "at", "future"),
        ({}, "dose_choice", "Nothing to save"),
    ],
)
def test_bad_values_are_refused_beside_their_field_and_nothing_is_stored(
    client: TestClient, home: Path, fields: dict[str, str], field: str, expect: str
) -> None:
    r = post(client, "/journal/add", **fields)
    assert r.status_code == 400
    assert expect in alert(r.text)
    assert f'id="q-{field}-error"' in r.text
    assert stored(home) == []


def test_the_web_and_the_cli_refuse_the_same_amounts(
    client: TestClient, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = BOUNDS["dose_g"].high
    for amount, accepted in ((top, True), (top + 0.5, False)):
        web = post(client, "/journal/add", dose_choice="new", product="tea", amount=str(amount))
        cli = run(["journal", "add", "dose", str(amount), "g", "-p", "tea"])
        capsys.readouterr()
        assert (web.status_code == 303) is accepted and (cli == 0) is accepted
    # the form's own limit is the same table's
    assert f'max="{BOUNDS["g_per_unit"].high}"' in client.get("/journal").text


def test_delete_asks_first_and_undo_restores(client: TestClient, home: Path) -> None:
    post(client, "/journal/add", nrs="4", at="2026-01-05T09:00")
    with open_journal(home / "journal.sqlite3", readonly=True) as journal:
        entry_id = journal.entries()[0].id
    confirm = client.get(f"/journal/{entry_id}/delete", headers=HTML)
    assert confirm.status_code == 200 and "Delete this entry?" in confirm.text
    assert "pain 4/10" in confirm.text and stored(home)  # asking deletes nothing
    r = post(client, f"/journal/{entry_id}/delete")
    assert r.status_code == 303 and stored(home) == []
    page = client.get(r.headers["location"], headers=HTML).text
    assert f'action="/journal/{entry_id}/undo"' in page
    assert post(client, f"/journal/{entry_id}/undo").status_code == 303
    assert stored(home) == [("pain", {"nrs": 4})]


def test_edit_keeps_the_kind_and_revalidates(client: TestClient, home: Path) -> None:
    post(client, "/journal/add", substance="alcohol", substance_amount="2", substance_unit="drink")
    with open_journal(home / "journal.sqlite3", readonly=True) as journal:
        entry_id = journal.entries()[0].id
    page = client.get(f"/journal/{entry_id}/edit", headers=HTML)
    assert page.status_code == 200 and 'value="ethanol"' in page.text
    r = post(
        client,
        f"/journal/{entry_id}/edit",
        name="alcohol",
        substance_amount="3",
        substance_unit="drink",
        at="2026-01-05T20:00",
    )
    assert r.status_code == 303 and stored(home)[0][1]["amount"] == 3.0
    bad = post(client, f"/journal/{entry_id}/edit", name="alcohol", substance_amount="-1")
    assert bad.status_code == 400 and 'id="edit-substance_amount-error"' in bad.text


@pytest.mark.parametrize(
    "path",
    [
        "/journal/99999999999999999999/edit",
        "/journal/99999999999999999999/delete",
        "/journal/12345/edit",
        "/journal/-1/edit",
        "/journal/1e3/edit",
    ],
)
def test_ids_that_are_not_entries_are_404(client: TestClient, home: Path, path: str) -> None:
    post(client, "/journal/add", nrs="3")
    r = client.get(path, headers=HTML)
    assert r.status_code == 404 and "Traceback" not in r.text and str(home) not in r.text


def test_paging_and_date_filter(client: TestClient, home: Path) -> None:
    start = datetime(2025, 1, 1, 8, tzinfo=UTC)
    with open_journal(home / "journal.sqlite3") as journal:
        journal.add_many(
            [PainEntry(d % 11, start + timedelta(days=d)) for d in range(120)]
            + [DoseEntry("tea", 2, "g", start + timedelta(days=d, hours=1)) for d in range(120)]
        )
    page = client.get("/journal", headers=HTML).text
    assert "240 entries, page 1 of 5" in page and page.count('<tr id="entry-') == 50
    older = re.search(r'href="([^"]+)" rel="next">Older entries', page)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert "page 2 of 5" in second and 'rel="prev"' in second
    jan = client.get("/journal?from=2025-01-01&to=2025-01-10&kind=pain").text
    assert "10 entries" in jan and jan.count('<tr id="entry-') == 10
    # a long range is charted one value per day, not as a solid block of entries
    chart = json.loads(re.search(r'id="data-journal">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert chart["xKind"] == "time" and len(chart["x"]) == 120
    assert chart["series"][0]["label"] == "grams of product per day"
    bad = client.get("/journal?from=last+tuesday", headers=HTML)
    assert bad.status_code == 400 and "YYYY-MM-DD" in alert(bad.text)


def test_at_a_glance_totals(client: TestClient, home: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with open_journal(home / "journal.sqlite3") as journal:
        journal.add(DoseEntry("tea", 2, "g", now - timedelta(hours=3, minutes=5)))
        journal.add(DoseEntry("tea", 4, "g", now - timedelta(days=3)))
    page = client.get("/journal", headers=HTML).text
    glance = re.search(r'<section class="glance".*?</section>', page, re.S)
    assert glance
    text = re.sub(r"<[^>]+>", " ", glance.group(0))
    assert re.search(r"3 h [45] min ago", text)
    assert "6 g on 2 days" in text


def test_export_and_backup_from_the_page(client: TestClient, home: Path) -> None:
    post(
        client, "/journal/add", dose_choice="new", product="tea", amount="2", at="2026-01-05T08:00"
    )
    post(client, "/journal/add", nrs="5", at="2026-01-05T09:00")
    page = client.get("/journal").text
    for fmt in ("csv", "json", "nonmem"):
        assert f'href="/journal/export.{fmt}"' in page
    r = client.get("/journal/export.json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    entries = json.loads(r.text)["entries"]
    assert [e["kind"] for e in entries] == ["dose", "pain"]
    r = client.get("/journal/export.csv")
    assert r.text.splitlines()[0].startswith("id,kind,at")
    r = client.get("/journal/backup.sqlite3")
    assert r.status_code == 200 and r.content[:16] == b"SQLite format 3\x00"
    copy = home / "copy.sqlite3"
    copy.write_bytes(r.content)
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 2
    finally:
        conn.close()
    assert client.get("/journal/export.xml").status_code == 404


def test_journal_report_holds_the_journal(
    client: TestClient, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kratomsim.interfaces.web import services

    fits: list[int] = []
    fit = services.fit_entries
    monkeypatch.setattr(services, "fit_entries", lambda e: fits.append(len(e)) or fit(e))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    with open_journal(home / "journal.sqlite3") as journal:
        journal.add_many(
            [DoseEntry("leaf-powder", 3, "g", start + timedelta(days=d)) for d in range(10)]
            + [PainEntry(6 if d < 5 else 3, start + timedelta(days=d, hours=2)) for d in range(10)]
        )
    r = client.get("/journal/report/download?format=html&medications=alprazolam")
    assert r.status_code == 200, alert(r.text)
    assert (
        r.headers["content-disposition"] == 'attachment; filename="kratomsim-journal-report.html"'
    )
    body = r.text
    assert "From the person's journal" in body and "Doses actually taken:" in body
    assert "10 doses, 30 g of product" in body
    # the regimen as a person says it, not every dose one by one
    last = (start + timedelta(days=9)).astimezone().strftime("%Y-%m-%d %H:%M")
    assert f"As logged: <b>3 g once a day, 10 days; 10 doses, the last {last}</b>" in body
    assert "24 h, 48 h" not in body
    # ten days of doses and pain ratings: the forecast is the person's own fit, with its band
    assert "Forecast fitted to the person's own entries" in body
    assert "(10 doses, 10 pain ratings)" in body and "90 % credible band" in body
    assert "population model's reading of the logged doses" in body
    # the PDF of the same period reuses the fit
    assert client.get("/journal/report/download?format=pdf").status_code == 200
    assert fits == [20]
    assert "a change people notice" in body  # pain 6 → 3: 3 points
    assert "Alprazolam" in body
    none = client.get("/journal/report/download?format=html&from=2001-01-01&to=2001-01-31")
    assert none.status_code == 400 and "No journal entries in this period" in alert(none.text)


def test_journal_report_holds_withdrawal_symptoms_substances_and_the_outlook_html_and_pdf(
    client: TestClient, home: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    with open_journal(home / "journal.sqlite3") as journal:
        journal.add_many(DoseEntry("tea", 2, "g", start + timedelta(days=d)) for d in range(8))
    at = (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    post(client, "/journal/add", substance="alcohol", substance_amount="2", at=at)
    post(client, "/journal/add", symptom_name="jaundice", severity="3", at=at)
    for day, item in ((4, "1"), (6, "2")):
        at = (start + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M")
        items = {f"sows_{i}": item for i in range(1, 17)}
        post(client, "/journal/add", kind="withdrawal", at=at, **items)
    body = client.get("/journal/report/download?format=html").text
    journal_part = body[body.index("From the person's journal") : body.index("Regimen and product")]
    words = " ".join(re.sub(r"<[^>]+>", " ", journal_part).split())
    assert re.search(r"Withdrawal scores \(SOWS 0–64\) [\d: -]+: 16; [\d: -]+: 32", words), words
    assert "RED FLAG" in words and "jaundice: 1 time" in words
    assert "Alcohol (ethanol): 1 time" in words
    # the logged substance is checked like a medicine, and the outlook after the last dose follows
    findings = body[body.index("Findings, most serious first") :]
    assert "Alcohol" in findings[: findings.index("</table>")]
    assert "Tolerance and withdrawal outlook" in body
    # no pain was logged: the usual pain is not said to come from the journal
    assert "the mean of the pain ratings logged" not in body
    assert "no pain ratings logged" in body
    # no pain ratings: no personal fit, and the outlook is labelled as the population's
    assert "No forecast fitted to the person yet" in body
    assert "0 pain ratings on 0 days" in body and "not fitted to this person" in body
    pdf = client.get("/journal/report/download?format=pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    root = PdfReader(io.BytesIO(pdf.content)).root_object
    mark = root.get("/MarkInfo")  # tagged (PDF/UA): a structure tree, marked content
    assert "/StructTreeRoot" in root and isinstance(mark, DictionaryObject)
    assert bool(mark["/Marked"])


def test_the_year_of_entries_page_reads_one_page_only(client: TestClient, home: Path) -> None:
    start = datetime.now(UTC) - timedelta(days=365)
    with open_journal(home / "journal.sqlite3") as journal:
        journal.add_many(
            [
                entry
                for d in range(365)
                for entry in (
                    DoseEntry("tea", 2, "g", start + timedelta(days=d, hours=8)),
                    DoseEntry("tea", 2, "g", start + timedelta(days=d, hours=14)),
                    PainEntry(5, start + timedelta(days=d, hours=9)),
                )
            ]
        )
    page = client.get("/journal", headers=HTML).text
    assert "1095 entries, page 1 of 22" in page
    assert page.count('<tr id="entry-') == 50
    assert len(page.encode()) < 400_000  # a year stays a small page (daily chart, one page)


def test_a_change_to_the_journal_is_fitted_ahead_for_the_forecast(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``fit_ahead`` (as ``kratomsim serve`` runs) a change starts the personal fit in the
    background; the forecast page then uses that fit instead of fitting again."""
    from kratomsim.interfaces.web import WebSettings, create_app, services

    fitted: list[int] = []
    real = services.fit_entries

    def counting(entries: Any) -> Any:
        fitted.append(len(entries))
        return real(entries)

    monkeypatch.setattr(services, "fit_entries", counting)
    with open_journal(home / "journal.sqlite3") as journal:
        for day in range(1, 6):
            for hour, nrs in ((8, 6), (20, 4)):
                journal.add(DoseEntry("leaf-powder", 3, "g", f"2026-01-{day:02d}T{hour:02d}:00"))
                journal.add(PainEntry(nrs, f"2026-01-{day:02d}T{hour + 2:02d}:00"))
    with TestClient(create_app(WebSettings(fit_ahead=True)), base_url=LOCAL) as c:
        c.get("/")
        # a refused entry changes nothing and starts no fit
        assert post(c, "/journal/add", kind="quick", nrs="11").status_code == 400
        assert c.app.state.fit_ahead.wait(0) and fitted == []  # type: ignore[attr-defined]
        r = post(c, "/journal/add", kind="quick", nrs="5", at="2026-01-05T23:00")
        assert r.status_code == 303
        assert c.app.state.fit_ahead.wait(300)  # type: ignore[attr-defined]
        assert fitted == [21]  # the journal after the change, once
        r = c.get("/forecast?plan=stop&horizon=3+d", headers=HTML)
        assert r.status_code == 200, alert(r.text)
        assert fitted == [21]  # the page found the fit made ahead
