"""Security of the web app: headers, Host, origin checks, CSRF bound to a server secret, the access
token (length, file mode, rate limit, sessions, logout, never in a URL), and errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from webhelpers import HTML, LOCAL, TOKEN, TestClient, alert, csrf, post

from kratomsim.interfaces.cli import run
from kratomsim.interfaces.web import WebSettings, create_app
from kratomsim.interfaces.web.rendering import error_text
from kratomsim.interfaces.web.security import (
    CSRF_COOKIE,
    LOGIN_ATTEMPTS,
    LOGIN_WINDOW_S,
    SESSION_COOKIE,
    CsrfSigner,
    LoginLimiter,
    ServeError,
    Sessions,
    check_bind,
    is_loopback,
    parse_host,
)

# --- headers and Host ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/journal", "/static/style.css", "/no-such-page"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    h = client.get(path).headers
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "same-origin"  # no referrer ever leaves for another site
    if not path.startswith("/static/"):
        assert h["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:8050", 200),
        ("localhost", 200),
        ("[::1]:8050", 200),
        ("evil.example", 400),
        ("127.0.0.1:8051@evil.example", 400),
        ("127.0.0.1:8050 evil.example", 400),
        ("127.0.0.1:99999", 400),
        ("127.0.0.1/journal", 400),
        ("", 400),
    ],
)
def test_host_header_is_parsed_strictly(client: TestClient, host: str, status: int) -> None:
    r = client.get("/journal", headers={"host": host})
    assert r.status_code == status
    if status == 400:
        assert "Host" in r.text and "Log now" not in r.text


def test_parse_host() -> None:
    assert parse_host("127.0.0.1:8051") == ("127.0.0.1", 8051)
    assert parse_host("LOCALHOST") == ("localhost", None)
    assert parse_host("[::1]:80") == ("::1", 80)
    for bad in ("127.0.0.1:8051@evil.example", "a b", "[zz]:1", "h:0", "x:1:2", "évil.example"):
        assert parse_host(bad) is None, bad


# --- requests from elsewhere ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://127.0.0.1:9999"},  # another port of this computer
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # e.g. a page served from another port
    ],
)
def test_a_post_from_another_origin_is_refused_even_with_a_valid_token(
    client: TestClient, home: Path, headers: dict[str, str]
) -> None:
    token = csrf(client)
    r = client.post("/journal/add", data={"nrs": "5", "csrf_token": token}, headers=headers)
    assert r.status_code == 403 and "another site or another port" in r.text
    assert not (home / "journal.sqlite3").exists()  # nothing was written
    same = {"origin": LOCAL, "sec-fetch-site": "same-origin"}
    ok = client.post(
        "/journal/add",
        data={"nrs": "5", "csrf_token": token},
        headers=same,
        follow_redirects=False,
    )
    assert ok.status_code == 303  # the same request from the app's own page is accepted


def test_the_csrf_token_is_bound_to_the_server_secret(client: TestClient, home: Path) -> None:
    # a page on another port can overwrite the cookie (cookies ignore ports) and echo it back,
    # but it cannot make the matching token without the server's secret
    attacker_nonce = "A" * 43
    client.cookies.set(CSRF_COOKIE, attacker_nonce)
    forged = CsrfSigner(secret=b"not the server's secret" * 2).token(attacker_nonce)
    for token in (attacker_nonce, forged, ""):
        r = client.post("/journal/add", data={"nrs": "5", "csrf_token": token})
        assert r.status_code == 403 and "security token" in r.text
    assert not (home / "journal.sqlite3").exists()
    signer = CsrfSigner()
    assert signer.valid("B" * 43, signer.token("B" * 43))
    assert not signer.valid("B" * 43, signer.token("C" * 43))
    assert not signer.valid("short", signer.token("short"))


@pytest.mark.parametrize(
    "url",
    ["/journal/add", "/journal/1/delete", "/journal/1/undo", "/journal/favourite", "/logout"],
)
def test_posts_without_the_csrf_token_are_refused(client: TestClient, home: Path, url: str) -> None:
    r = client.post(url, data={"nrs": "5"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/plain")
    assert not (home / "journal.sqlite3").exists()


def test_csrf_header_is_accepted_for_scripts(client: TestClient, home: Path) -> None:
    r = client.post(
        "/journal/add",
        data={"nrs": "4"},
        headers={"x-csrf-token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303


# --- errors ------------------------------------------------------------------------------------


def test_errors_show_no_traceback_or_paths(home: Path) -> None:
    app: FastAPI = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"secret detail in {Path(__file__).resolve()}")

    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as c:
        for r, status in (
            (c.get("/boom"), 500),
            (c.get("/no-such-page", headers=HTML), 404),
            (c.get("/journal/99999999999999999999/edit", headers=HTML), 404),
            (c.delete("/journal"), 405),
        ):
            assert r.status_code == status
            for leak in ("Traceback", 'File "', "secret detail", str(Path(__file__).parent)):
                assert leak not in r.text, (status, leak)
            assert r.headers["x-frame-options"] == "DENY"


def test_error_text_keeps_one_line_drops_folders_and_cuts_long_input() -> None:
    exc = ValueError(
        "No journal file: got '/home/ana/.local/share/kratomsim/journal.sqlite3'.\nAdd one."
    )
    assert error_text(exc) == "No journal file: got '…/journal.sqlite3'.; Add one."
    assert error_text(ValueError(r"bad C:\Users\ana\j.db")) == "bad …/j.db"
    long = error_text(ValueError(f"Unknown medication: got '{'x' * 5000}'. Check it."))
    assert "x" * 100 not in long and "(5000 characters)" in long and len(long) < 200


# --- the access token --------------------------------------------------------------------------


def login(c: TestClient, token: str, next: str = "/") -> object:
    page = c.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return c.post(
        "/login",
        data={"token": token, "next": next, "csrf_token": found.group(1)},
        follow_redirects=False,
    )


def test_the_token_is_required_for_every_page(locked: TestClient) -> None:
    assert locked.get("/").status_code == 401
    r = locked.get("/journal", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/journal"
    assert locked.get("/static/style.css").status_code == 200  # the login page's style
    assert locked.get("/", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert locked.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401


def test_login_starts_a_session_that_is_not_the_token_and_logout_ends_it(
    locked: TestClient,
) -> None:
    assert login(locked, "nope").status_code == 401  # type: ignore[attr-defined]
    r = login(locked, TOKEN, "/claims")
    assert r.status_code == 303 and r.headers["location"] == "/claims"  # type: ignore[attr-defined]
    cookie = r.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=" in cookie
    session = locked.cookies.get(SESSION_COOKIE)
    assert session and TOKEN not in session
    page = locked.get("/journal", headers=HTML)
    assert page.status_code == 200 and 'action="/logout"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    out = locked.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    locked.cookies.set(SESSION_COOKIE, session)  # even the old cookie no longer works
    assert locked.get("/journal").status_code == 401


def test_sessions_expire(home: Path) -> None:
    with TestClient(create_app(WebSettings(host="0.0.0.0", token=TOKEN, session_ttl_s=0.0))) as c:
        assert login(c, TOKEN).status_code == 303  # type: ignore[attr-defined]
        assert c.get("/").status_code == 401  # expired at once
    now = [1000.0]
    sessions = Sessions(60.0, clock=lambda: now[0])
    sid = sessions.start()
    assert sessions.valid(sid)
    now[0] += 59.0
    assert sessions.valid(sid)
    now[0] += 2.0
    assert not sessions.valid(sid)


def test_login_attempts_are_limited(locked: TestClient) -> None:
    for _ in range(LOGIN_ATTEMPTS):
        assert login(locked, "wrong").status_code == 401  # type: ignore[attr-defined]
    r = login(locked, TOKEN)  # even the right token waits now
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0  # type: ignore[attr-defined]
    assert "Too many failed attempts" in alert(r.text)  # type: ignore[attr-defined]
    now = [0.0]
    limiter = LoginLimiter(clock=lambda: now[0])
    for _ in range(LOGIN_ATTEMPTS):
        limiter.failed("a")
    assert limiter.wait_s("a") > 0 and limiter.wait_s("b") == 0
    now[0] += LOGIN_WINDOW_S + 1
    assert limiter.wait_s("a") == 0


def test_the_token_is_never_taken_from_a_url(locked: TestClient) -> None:
    r = locked.get(f"/login?token={TOKEN}&next=/journal", follow_redirects=False)
    assert r.status_code == 400 and "never taken from a web address" in r.text
    assert locked.cookies.get(SESSION_COOKIE) is None
    assert locked.get(f"/journal?token={TOKEN}").status_code == 401


def test_no_open_redirect_after_login(locked: TestClient) -> None:
    r = login(locked, TOKEN, "//evil.example/")
    assert r.headers["location"] == "/"  # type: ignore[attr-defined]


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
    with pytest.raises(ServeError, match="at least 32 characters"):
        check_bind("0.0.0.0", _token_file(tmp_path, "x", 0o600))
    with pytest.raises(ServeError, match="at least 32 characters"):
        check_bind("0.0.0.0", _token_file(tmp_path, "  \n", 0o600))
    for mode in (0o644, 0o640, 0o604, 0o620):
        with pytest.raises(ServeError, match="other users"):
            check_bind("0.0.0.0", _token_file(tmp_path, TOKEN, mode))
    assert check_bind("0.0.0.0", _token_file(tmp_path, f"{TOKEN}\n", 0o600)) == TOKEN
    assert check_bind("0.0.0.0", _token_file(tmp_path, TOKEN, 0o400)) == TOKEN


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--host", "0.0.0.0"], "needs an access token"),
        (["--host", "192.168.1.5", "--port", "8051"], "--token-file"),
        (["--host", "0.0.0.0", "--token-file", "{short}"], "at least 32 characters"),
        (["--host", "0.0.0.0", "--token-file", "{group}"], "chmod 600"),
        (["--host", "0.0.0.0", "--token-file", "{missing}"], "does not exist"),
        (["--emergency-number", ""], "emergency number"),
        (["--port", "0"], "--port"),
    ],
)
def test_serve_refuses_unsafe_settings_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], expect: str
) -> None:
    (tmp_path / "s").mkdir()
    short = _token_file(tmp_path / "s", "x", 0o600)
    group = _token_file(tmp_path, TOKEN, 0o640)
    args = [a.format(short=short, group=group, missing=tmp_path / "missing") for a in args]
    assert run(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and expect in err
    assert "Traceback" not in err


def test_serve_prints_a_usable_address() -> None:
    from kratomsim.interfaces.cmd_serve import PLAIN_HTTP, usable_addresses

    wide = usable_addresses("0.0.0.0", 8050)
    assert wide[0] == "http://127.0.0.1:8050/" and all(":8050/" in a for a in wide)
    assert "0.0.0.0" not in " ".join(wide)
    assert usable_addresses("::1", 9000) == ["http://[::1]:9000/"]
    assert "plain HTTP" in PLAIN_HTTP and "not encrypted" in PLAIN_HTTP


def test_same_origin_post_helper_is_accepted(client: TestClient, home: Path) -> None:
    assert post(client, "/journal/add", nrs="2").status_code == 303
