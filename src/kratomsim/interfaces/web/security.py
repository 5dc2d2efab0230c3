"""Security of the local web app: where it may listen, who may use it, and what every reply carries.

The app holds a person's journal, so it is private by default: it listens on the loopback
address only. Listening on any other address needs an access token the user wrote into a file
that other users cannot read; then every request must carry it (a cookie set by ``/login``, or
``Authorization: Bearer``). Every form carries a per-browser random token that must match its
cookie (double-submit), so another site cannot post into the journal. Every reply carries
headers that forbid framing, sniffing, referrers, caching and any content from other hosts.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import stat
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kratomsim.errors import KratomsimError, bad_value

AUTH_COOKIE = "kratomsim_auth"
CSRF_COOKIE = "kratomsim_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: Methods that change nothing and so need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Paths open without the access token: the login form and the stylesheet it uses.
OPEN_PATHS = ("/login", "/static/")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
)
#: What a CSRF token looks like (``secrets.token_urlsafe(32)`` gives 43 such characters).
_CSRF_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
CSRF_FAILED = (
    "Forbidden: the form's security token is missing or does not match. "
    "Reload the page and send the form again."
)


class ServeError(KratomsimError, ValueError):
    """The web app cannot listen as asked (address, token file)."""


class CsrfError(KratomsimError):
    """A form was posted without the matching CSRF token (answered with 403)."""


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def read_token_file(path: Path) -> str:
    """The access token in ``path``; the file must exist, be non-empty and not world-readable."""
    fix_mode = f"Make it private, e.g. 'chmod 600 {path}'."
    if not path.is_file():
        raise ServeError(
            bad_value("The token file does not exist", str(path), "Write a long random token.")
        )
    if os.name != "nt" and path.stat().st_mode & stat.S_IROTH:
        raise ServeError(bad_value("The token file is readable by every user", str(path), fix_mode))
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise ServeError(
            bad_value("The token file is empty", str(path), "Write a long random token into it.")
        )
    return token


def check_bind(host: str, token_file: Path | None) -> str | None:
    """The access token the app must require when listening on ``host`` (None: no token).

    Raises
    ------
    ServeError
        When ``host`` is not a loopback address and no usable token file is given, or the
        token file is missing, empty or world-readable.
    """
    if token_file is not None:
        return read_token_file(token_file)
    if not is_loopback(host):
        raise ServeError(
            bad_value(
                "Listening on an address other machines can reach needs an access token",
                host,
                "Use the default --host 127.0.0.1, or give --token-file with a private token file.",
            )
        )
    return None


def auth_cookie_value(token: str) -> str:
    """What the login cookie holds: a digest of the token, so the cookie never holds the token."""
    return hmac.new(token.encode(), b"kratomsim-session", hashlib.sha256).hexdigest()


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing does not leak the secret."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def is_authorised(request: Request, token: str) -> bool:
    """True when the request carries the token (Bearer header) or the login cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and same_secret(given.strip(), token):
        return True
    return same_secret(request.cookies.get(AUTH_COOKIE), auth_cookie_value(token))


def _valid_csrf(value: str | None) -> bool:
    return value is not None and _CSRF_SHAPE.fullmatch(value) is not None


class SecurityMiddleware:
    """Access token, CSRF cookie and security headers for every request (pure ASGI)."""

    def __init__(
        self, app: ASGIApp, *, token: str | None, hosts: frozenset[str] | None = None
    ) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        csrf = request.cookies.get(CSRF_COOKIE)
        new_csrf = None if _valid_csrf(csrf) else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = new_csrf or csrf
        path: str = scope["path"]

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:  # a route may narrow its own policy
                        headers[name] = value
                if not path.startswith("/static/"):
                    headers["cache-control"] = "no-store"
                if new_csrf is not None:
                    headers.append("set-cookie", _cookie(CSRF_COOKIE, new_csrf))
            await send(message)

        if self.hosts is not None and host_name(request.headers.get("host", "")) not in self.hosts:
            # DNS rebinding: a page elsewhere that resolves its own name to 127.0.0.1
            response = PlainTextResponse("Bad request: unknown Host header.", status_code=400)
            await response(scope, receive, send_secured)
            return
        if self.token is not None and not path.startswith(OPEN_PATHS):
            if not is_authorised(request, self.token):
                await _refuse(request)(scope, receive, send_secured)
                return
        await self.app(scope, receive, send_secured)


def host_name(header: str) -> str:
    """The host of a ``Host`` header, without port or IPv6 brackets, in lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(host: str, token: str | None) -> frozenset[str] | None:
    """Host names the app answers to: loopback names without a token, any name with one.

    Without a token the only protection is that nothing but this computer can connect, and a
    DNS-rebinding page could still reach the loopback port under its own name; checking the
    ``Host`` header closes that. With a token every request must carry it, whatever the name.
    """
    if token is not None:
        return None
    return frozenset({"127.0.0.1", "localhost", "::1", host_name(host)})


def _cookie(name: str, value: str) -> str:
    """A first-party cookie that scripts cannot read and other sites never send."""
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict"


def auth_cookie(token: str) -> str:
    """The ``Set-Cookie`` value that logs this browser in."""
    return _cookie(AUTH_COOKIE, auth_cookie_value(token))


def _refuse(request: Request) -> Response:
    """Browsers asking for a page go to the login form; anything else gets a plain 401."""
    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return PlainTextResponse(
        "Unauthorised: this kratomsim server needs its access token. Open /login, or send "
        "'Authorization: Bearer <token>'.",
        status_code=401,
        headers={"www-authenticate": "Bearer"},
    )


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: a request that changes something must echo the CSRF cookie.

    The token comes from the hidden form field or the ``X-CSRF-Token`` header and must equal the
    cookie (double submit); a site elsewhere can make the browser post, but cannot read or set
    this cookie, so it cannot know the value.
    """
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not _valid_csrf(expected) or not same_secret(given, expected or ""):
        raise CsrfError(CSRF_FAILED)


def safe_next(path: str | None) -> str:
    """A redirect target inside this app only (no ``//host`` or ``http://`` escapes)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"
