"""Security of the local web app: where it may listen, who may use it, and what every reply carries.

The app holds a person's journal, so it is private by default: it listens on the loopback address
only. Listening on any other address needs an access token of at least 32 characters in a file
only its owner can read; a person logs in once with it (``POST /login``, never a token in a URL)
and gets a session that expires and that ``/logout`` ends. Failed logins are rate-limited.

Every request that changes something must come from this app's own pages: a foreign ``Origin``
or a ``Sec-Fetch-Site`` other than same-origin is refused (another port of 127.0.0.1 is a
different origin), and the form must carry a CSRF token that is an HMAC, under a secret only this
server process knows, of a random value in the browser's cookie (so a page that can overwrite the
cookie still cannot make a matching token). The ``Host`` header is parsed strictly and, without a
token, must name this computer (DNS rebinding). Every reply carries headers that forbid framing,
sniffing, referrers, caching and content from other hosts.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import stat
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kratomsim.errors import KratomsimError, bad_value

SESSION_COOKIE = "kratomsim_session"
CSRF_COOKIE = "kratomsim_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: Methods that change nothing and so need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Paths open without logging in: the login form and the stylesheet and script it uses.
OPEN_PATHS = ("/login", "/static/")
#: Shortest access token accepted (characters): 32 random characters cannot be guessed online.
MIN_TOKEN_CHARS = 32
#: How long a login lasts (seconds) unless the settings say otherwise.
SESSION_TTL_S = 8 * 3600.0
#: Failed logins allowed per client address in :data:`LOGIN_WINDOW_S`, and for all clients.
LOGIN_ATTEMPTS = 5
LOGIN_ATTEMPTS_ALL = 20
LOGIN_WINDOW_S = 300.0
#: Sec-Fetch-Site values of a request this app's own pages make (none: typed or bookmarked).
SAME_SITE_FETCH = frozenset({"same-origin", "none"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    # same-origin, not no-referrer: under no-referrer browsers send "Origin: null" even on the
    # app's own forms, and the origin check needs the real one; other sites still get nothing
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
#: A CSRF cookie value: ``secrets.token_urlsafe(32)`` gives 43 such characters.
_NONCE_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
#: A Host header: a DNS name or IPv4 address, or an IPv6 address in brackets, and a port.
_HOST = re.compile(
    r"(?:\[(?P<ip6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?))"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
CSRF_FAILED = (
    "Forbidden: the form's security token is missing or does not match. "
    "Reload the page and send the form again."
)
CROSS_ORIGIN = (
    "Forbidden: this request came from another site or another port. Only kratomsim's own "
    "pages can change anything here."
)


class ServeError(KratomsimError, ValueError):
    """The web app cannot listen as asked (address, token file)."""


class CsrfError(KratomsimError):
    """A form was posted without a valid CSRF token (answered with 403)."""


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def read_token_file(path: Path) -> str:
    """The access token in ``path``: a private file holding at least 32 characters."""
    fix_mode = f"Make it private, e.g. 'chmod 600 {path}'."
    if not path.is_file():
        raise ServeError(
            bad_value("The token file does not exist", str(path), "Write a long random token.")
        )
    if os.name != "nt" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ServeError(
            bad_value("The token file can be read or changed by other users", str(path), fix_mode)
        )
    token = path.read_text(encoding="utf-8").strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise ServeError(
            bad_value(
                f"The access token must have at least {MIN_TOKEN_CHARS} characters",
                f"{len(token)} characters in {path}",
                "Write a long random one, e.g. "
                "'python3 -c \"import secrets; print(secrets.token_urlsafe(32))\" > FILE'.",
            )
        )
    return token


def check_bind(host: str, token_file: Path | None) -> str | None:
    """The access token the app must require when listening on ``host`` (None: no token).

    Raises
    ------
    ServeError
        When ``host`` is not a loopback address and no usable token file is given, or the
        token file is missing, too short, or readable by group or others.
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


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing does not leak the secret."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def parse_host(header: str) -> tuple[str, int | None] | None:
    """``(host, port)`` of a ``Host`` header, lower case, or None if it is not exactly one host.

    Strict: ``127.0.0.1:8051@evil.example``, user info, paths, spaces, several colons outside
    brackets and ports above 65535 are all refused.
    """
    m = _HOST.fullmatch(header.strip().lower()) if header.isascii() else None
    if m is None:
        return None
    port = int(m["port"]) if m["port"] is not None else None
    if port is not None and not 0 < port < 65536:
        return None
    if m["ip6"] is not None:
        try:
            ipaddress.IPv6Address(m["ip6"])
        except ValueError:
            return None
        return m["ip6"], port
    return m["name"], port


def allowed_hosts(host: str, token: str | None) -> frozenset[str] | None:
    """Host names the app answers to: loopback names without a token, any name with one.

    Without a token the only protection is that nothing but this computer can connect, and a
    DNS-rebinding page could still reach the loopback port under its own name; checking the
    ``Host`` header closes that. With a token every request must carry it, whatever the name.
    """
    if token is not None:
        return None
    return frozenset({"127.0.0.1", "localhost", "::1", host.strip("[]").lower()})


# --- CSRF: a token bound to a server secret -------------------------------------------------------


@dataclass(frozen=True)
class CsrfSigner:
    """Form tokens that are an HMAC of the browser's random cookie under a per-process secret."""

    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def token(self, nonce: str) -> str:
        return hmac.new(self.secret, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()

    def valid(self, nonce: str | None, given: str | None) -> bool:
        if nonce is None or _NONCE_SHAPE.fullmatch(nonce) is None:
            return False
        return same_secret(given, self.token(nonce))


# --- sessions and login attempts ------------------------------------------------------------------


class Sessions:
    """Logged-in browsers: random ids (kept only as digests) with an absolute expiry."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._expires: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def start(self) -> str:
        """A new session id (for the cookie)."""
        sid = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._expires = {k: t for k, t in self._expires.items() if t > now}
            self._expires[self._key(sid)] = now + self.ttl_s
        return sid

    def valid(self, session_id: str | None) -> bool:
        if not session_id:
            return False
        with self._lock:
            expires = self._expires.get(self._key(session_id))
            return expires is not None and self._clock() < expires

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._expires.pop(self._key(session_id), None)


class LoginLimiter:
    """At most :data:`LOGIN_ATTEMPTS` failures per client (and :data:`LOGIN_ATTEMPTS_ALL` for all
    clients) in a sliding :data:`LOGIN_WINDOW_S`; a success clears the client's count."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - LOGIN_WINDOW_S:
            times.popleft()

    def wait_s(self, client: str) -> float:
        """Seconds this client must wait before the next attempt (0: it may try now)."""
        with self._lock:
            now = self._clock()
            mine = self._failures.get(client, deque())
            self._trim(mine, now)
            self._trim(self._all, now)
            waits = [0.0]
            if len(mine) >= LOGIN_ATTEMPTS:
                waits.append(mine[0] + LOGIN_WINDOW_S - now)
            if len(self._all) >= LOGIN_ATTEMPTS_ALL:
                waits.append(self._all[0] + LOGIN_WINDOW_S - now)
            return max(waits)

    def failed(self, client: str) -> None:
        with self._lock:
            now = self._clock()
            self._failures.setdefault(client, deque()).append(now)
            self._all.append(now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


# --- the middleware -------------------------------------------------------------------------------


def _cookie(name: str, value: str, *, max_age: int | None = None) -> str:
    """A first-party cookie that scripts cannot read and other sites never send."""
    age = f"; Max-Age={max_age}" if max_age is not None else ""
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}"


def session_cookie(session_id: str, ttl_s: float) -> str:
    return _cookie(SESSION_COOKIE, session_id, max_age=max(0, int(ttl_s)))


def cleared_session_cookie() -> str:
    return _cookie(SESSION_COOKIE, "", max_age=0)


def is_authorised(request: Request, token: str, sessions: Sessions) -> bool:
    """True for a live session cookie or an ``Authorization: Bearer`` header with the token."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and same_secret(given.strip(), token):
        return True
    return sessions.valid(request.cookies.get(SESSION_COOKIE))


def own_origin(scope: Scope, host_header: str) -> str:
    """The origin this request was addressed to (scheme and Host as sent)."""
    scheme = "https" if scope.get("scheme") == "https" else "http"
    return f"{scheme}://{host_header.strip().lower()}"


def cross_origin(scope: Scope, request: Request) -> bool:
    """True when a request that changes something did not come from this app's own pages."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() not in SAME_SITE_FETCH:
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not a browser, or an old one: the CSRF token still has to match
    return origin.strip().lower() != own_origin(scope, request.headers.get("host", ""))


class SecurityMiddleware:
    """Host check, origin check, login, CSRF cookie and security headers (pure ASGI)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        hosts: frozenset[str] | None,
        sessions: Sessions,
    ) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        nonce = request.cookies.get(CSRF_COOKIE)
        new_nonce = None if nonce and _NONCE_SHAPE.fullmatch(nonce) else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_nonce"] = new_nonce or nonce
        path: str = scope["path"]

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:  # a route may narrow its own policy
                        headers[name] = value
                if not path.startswith("/static/"):
                    headers["cache-control"] = "no-store"
                if new_nonce is not None:
                    headers.append("set-cookie", _cookie(CSRF_COOKIE, new_nonce))
            await send(message)

        host = parse_host(request.headers.get("host", ""))
        if host is None or (self.hosts is not None and host[0] not in self.hosts):
            # DNS rebinding or a malformed Host: a page elsewhere that resolves to 127.0.0.1
            response = PlainTextResponse("Bad request: unknown Host header.", status_code=400)
            await response(scope, receive, send_secured)
            return
        if request.method not in SAFE_METHODS and cross_origin(scope, request):
            await PlainTextResponse(CROSS_ORIGIN, status_code=403)(scope, receive, send_secured)
            return
        if self.token is not None and not path.startswith(OPEN_PATHS):
            if not is_authorised(request, self.token, self.sessions):
                await _refuse(request)(scope, receive, send_secured)
                return
        await self.app(scope, receive, send_secured)


def _refuse(request: Request) -> Response:
    """Browsers asking for a page go to the login form; anything else gets a plain 401."""
    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return PlainTextResponse(
        "Unauthorised: this kratomsim server needs its access token. Log in at /login, or send "
        "'Authorization: Bearer <token>'.",
        status_code=401,
        headers={"www-authenticate": "Bearer"},
    )


def csrf_token(request: Request) -> str:
    """The token this request's forms must carry."""
    signer: CsrfSigner = request.app.state.csrf
    return signer.token(getattr(request.state, "csrf_nonce", "") or "")


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: a request that changes something must carry a valid CSRF token.

    The token comes from the hidden form field or the ``X-CSRF-Token`` header and must be the
    HMAC of the browser's CSRF cookie under this server's secret.
    """
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    signer: CsrfSigner = request.app.state.csrf
    if not signer.valid(request.cookies.get(CSRF_COOKIE), given):
        raise CsrfError(CSRF_FAILED)


def safe_next(path: str | None) -> str:
    """A redirect target inside this app only (no ``//host`` or ``http://`` escapes)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"
