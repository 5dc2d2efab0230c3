"""The local web app: ``create_app(settings)`` builds it; ``kratomsim serve`` runs it.

The app is a thin layer over the same library the CLI uses. It is meant for one person on their
own computer; see :mod:`kratomsim.interfaces.web.security` for how it stays private.
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

from kratomsim.errors import KratomsimError
from kratomsim.interfaces.web import (
    pages_check,
    pages_claims,
    pages_forecast,
    pages_journal,
    pages_report,
    pages_simulate,
)
from kratomsim.interfaces.web.rendering import STATIC_DIR, error_text, render
from kratomsim.interfaces.web.security import (
    SECURITY_HEADERS,
    CsrfError,
    SecurityMiddleware,
    allowed_hosts,
    auth_cookie,
    csrf_protect,
    safe_next,
    same_secret,
)

log = logging.getLogger("kratomsim.web")


@dataclass(frozen=True)
class WebSettings:
    """How the app runs: where it listens, its access token, and the journal file.

    ``token`` None means no token is required (only allowed on a loopback address, see
    :func:`~kratomsim.interfaces.web.security.check_bind`). ``journal_path`` None follows
    ``KRATOMSIM_HOME`` like the CLI.
    """

    host: str = "127.0.0.1"
    port: int = 8050
    token: str | None = None
    journal_path: Path | None = None


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
    app.state.settings = settings
    hosts = allowed_hosts(settings.host, settings.token)
    app.add_middleware(SecurityMiddleware, token=settings.token, hosts=hosts)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        pages_simulate,
        pages_check,
        pages_journal,
        pages_forecast,
        pages_claims,
        pages_report,
    ):
        app.include_router(module.router)
    _add_home(app, settings)
    _add_error_handlers(app)
    return app


def _add_home(app: FastAPI, settings: WebSettings) -> None:
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return render(request, "index.html")

    @app.get("/login", response_class=HTMLResponse, response_model=None)
    def login_page(
        request: Request, token: str | None = None, next: str = "/"
    ) -> HTMLResponse | RedirectResponse:
        if token is not None:  # a /login?token=… link
            return _login(request, token, next)
        needed = settings.token is not None
        return render(request, "login.html", next=safe_next(next), error=None, needed=needed)

    @app.post("/login", response_class=HTMLResponse, response_model=None)
    def login_submit(
        request: Request,
        token: Annotated[str, Form(max_length=4096)],
        next: Annotated[str, Form(max_length=500)] = "/",
    ) -> HTMLResponse | RedirectResponse:
        return _login(request, token, next)

    def _login(request: Request, token: str, next: str) -> HTMLResponse | RedirectResponse:
        expected = settings.token
        if expected is None:
            return RedirectResponse(safe_next(next), status_code=303)
        if not same_secret(token.strip(), expected):
            error = "That token is not this server's access token."
            return render(
                request, "login.html", 401, next=safe_next(next), error=error, needed=True
            )
        response = RedirectResponse(safe_next(next), status_code=303)
        response.headers.append("set-cookie", auth_cookie(expected))
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
        return _error_page(request, 400, "That did not work", error_text(exc))

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
