"""The local web app: ``create_app(settings)`` builds it; ``kratomsim serve`` runs it.

The app is a thin layer over the same library the CLI uses (every call goes through
:mod:`kratomsim.interfaces.web.services`). It is meant for one person on their own computer; see
:mod:`kratomsim.interfaces.web.security` for how it stays private.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from kratomsim.errors import JournalError, KratomsimError
from kratomsim.interfaces.safety import emergency_number
from kratomsim.interfaces.web import (
    pages_api,
    pages_check,
    pages_claims,
    pages_forecast,
    pages_journal,
    pages_journal_files,
    pages_journal_report,
    pages_report,
    pages_simulate,
    pages_taper,
    services,
)
from kratomsim.interfaces.web.rendering import STATIC_DIR, error_text, render
from kratomsim.interfaces.web.security import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    SESSION_TTL_S,
    CsrfError,
    CsrfSigner,
    LoginLimiter,
    SecurityMiddleware,
    Sessions,
    allowed_hosts,
    cleared_session_cookie,
    csrf_protect,
    safe_next,
    same_secret,
    session_cookie,
)

log = logging.getLogger("kratomsim.web")


@dataclass(frozen=True)
class WebSettings:
    """How the app runs: where it listens, its access token, the journal and the safety text.

    ``token`` None means no token is required (only allowed on a loopback address, see
    :func:`~kratomsim.interfaces.web.security.check_bind`). ``journal_path`` None follows
    ``KRATOMSIM_HOME`` like the CLI. ``emergency_number`` None follows
    ``KRATOMSIM_EMERGENCY_NUMBER`` or the default. ``session_ttl_s`` is how long a login lasts.
    ``fit_ahead`` refits the journal in the background after each change (``kratomsim serve``
    turns it on), so that the personal forecast is ready when it is asked for.
    """

    host: str = "127.0.0.1"
    port: int = 8050
    token: str | None = None
    journal_path: Path | None = None
    emergency_number: str | None = None
    session_ttl_s: float = SESSION_TTL_S
    fit_ahead: bool = False


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the web app for ``settings`` (default: loopback, no token, the usual journal)."""
    settings = settings or WebSettings()
    app = FastAPI(
        title="kratomsim",
        docs_url=None,  # the interactive docs pull scripts from a CDN
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    sessions = Sessions(settings.session_ttl_s)
    app.state.settings = settings
    app.state.emergency = emergency_number(settings.emergency_number)
    app.state.csrf = CsrfSigner()
    app.state.sessions = sessions
    app.state.logins = LoginLimiter()
    app.state.fit_ahead = services.FitAhead() if settings.fit_ahead else None
    hosts = allowed_hosts(settings.host, settings.token)
    app.add_middleware(SecurityMiddleware, token=settings.token, hosts=hosts, sessions=sessions)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        pages_api,
        pages_simulate,
        pages_check,
        pages_journal,
        pages_journal_files,
        pages_journal_report,
        pages_taper,
        pages_forecast,
        pages_claims,
        pages_report,
    ):
        app.include_router(module.router)
    _add_home(app, settings)
    _add_error_handlers(app)
    return app


LOGIN_FAILED = "That is not this server's access token."
TOKEN_IN_URL = (
    "The access token is never taken from a web address (addresses end up in histories and "
    "logs). Type it into the form below."
)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _add_home(app: FastAPI, settings: WebSettings) -> None:
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return render(request, "index.html")

    @app.get("/glossary", response_class=HTMLResponse)
    def glossary(request: Request) -> HTMLResponse:
        return render(request, "glossary.html")

    @app.get("/login", response_class=HTMLResponse, response_model=None)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        needed = settings.token is not None
        if "token" in request.query_params:
            return render(
                request, "login.html", 400, next=safe_next(next), error=TOKEN_IN_URL, needed=needed
            )
        return render(request, "login.html", next=safe_next(next), error=None, needed=needed)

    @app.post("/login", response_class=HTMLResponse, response_model=None)
    def login_submit(
        request: Request,
        token: Annotated[str, Form(max_length=4096)],
        next: Annotated[str, Form(max_length=500)] = "/",
    ) -> Response:
        expected = settings.token
        if expected is None:
            return RedirectResponse(safe_next(next), status_code=303)
        limiter: LoginLimiter = request.app.state.logins
        wait = limiter.wait_s(_client(request))
        if wait > 0:
            message = f"Too many failed attempts. Wait {int(wait) + 1} seconds before trying again."
            page = render(
                request, "login.html", 429, next=safe_next(next), error=message, needed=True
            )
            page.headers["retry-after"] = str(int(wait) + 1)
            return page
        if not same_secret(token.strip(), expected):
            limiter.failed(_client(request))
            return render(
                request, "login.html", 401, next=safe_next(next), error=LOGIN_FAILED, needed=True
            )
        limiter.succeeded(_client(request))
        sessions: Sessions = request.app.state.sessions
        response = RedirectResponse(safe_next(next), status_code=303)
        response.headers.append("set-cookie", session_cookie(sessions.start(), sessions.ttl_s))
        return response

    @app.post("/logout", response_model=None)
    def logout(request: Request) -> Response:
        sessions: Sessions = request.app.state.sessions
        sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login?next=/", status_code=303)
        response.headers.append("set-cookie", cleared_session_cookie())
        return response


def _error_page(request: Request, status: int, heading: str, message: str) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        return render(request, "error.html", status_code=status, heading=heading, message=message)
    return PlainTextResponse(message, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    """Replies that never show a traceback, a file path or a framework's debug page."""

    @app.exception_handler(CsrfError)
    async def csrf_failed(request: Request, exc: CsrfError) -> Response:
        return PlainTextResponse(str(exc), status_code=403)

    @app.exception_handler(KratomsimError)
    async def project_error(request: Request, exc: KratomsimError) -> Response:
        missing = isinstance(exc, JournalError) and str(exc).startswith("No journal entry")
        status = 404 if missing else 400
        heading = "Not found" if missing else "That did not work"
        return _error_page(request, status, heading, error_text(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e.get("loc", ("", "?"))[-1]) for e in exc.errors()})
        message = f"The form is missing or has invalid fields: {', '.join(fields)}."
        return _error_page(request, 400, "Incomplete form", message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        texts = {404: "Not found.", 405: "This address does not take that method."}
        message = texts.get(exc.status_code, f"HTTP error {exc.status_code}.")
        response = _error_page(request, exc.status_code, message, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return PlainTextResponse(
            "Internal error: kratomsim could not complete this request. "
            "The server's console has the details.",
            status_code=500,
            # this reply is sent outside SecurityMiddleware, so it carries the headers itself
            headers={**dict(SECURITY_HEADERS), "cache-control": "no-store"},
        )
