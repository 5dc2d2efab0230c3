"""Server-side rendering shared by the pages: templates, figures as inline images, form values.

Pages are rendered on the server (Jinja2 with autoescaping) so they work without scripts; plots
are inlined as ``data:`` PNGs so that nothing is fetched from anywhere, not even this server.
"""

from __future__ import annotations

import base64
import io
import math
import re
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from matplotlib.figure import Figure
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from kratomsim.errors import KratomsimError, bad_value
from kratomsim.evidence import load_products
from kratomsim.evidence.schema import GRADE_MEANING
from kratomsim.interfaces.wording import for_web
from kratomsim.reports.summary import DISCLAIMER, fmt_value

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

#: The navigation bar: path and label, in the order a visitor meets them.
NAV = (
    ("/simulate", "Simulate"),
    ("/check", "Interactions"),
    ("/journal", "Journal"),
    ("/forecast", "Forecast"),
    ("/claims", "Claims"),
    ("/report", "Report"),
)


#: An absolute file path (POSIX or Windows) inside a message: at least one folder and a name.
_PATH = re.compile(r"(?<![\w.~])(?:[A-Za-z]:[\\/]|/)(?:[^\s'\"/\\]+[/\\])+([^\s'\"/\\]*)")


def error_text(exc: BaseException) -> str:
    """A project error as one line for a page, with any absolute path cut to its file name and
    parameter names put as the form's fields (:func:`kratomsim.interfaces.wording.for_web`).

    Messages name files so that a person at a terminal can find them; a web reply should not
    reveal how this computer's folders are laid out.
    """
    one_line = "; ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    return for_web(_PATH.sub(lambda m: "…/" + m.group(1), one_line))


class FormError(KratomsimError, ValueError):
    """A web form field that cannot be read (shown as a 400 page with the one-line message)."""


def _common(request: Request) -> dict[str, Any]:
    return {"csrf_token": getattr(request.state, "csrf_token", ""), "path": request.url.path}


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(nav=NAV, disclaimer=DISCLAIMER, grade_meaning=GRADE_MEANING)
    env.filters["num"] = fmt_value
    env.filters["pct"] = lambda x: f"{100 * x:.0f} %" if x >= 0.01 else f"{100 * x:.1g} %"
    return env


templates = Jinja2Templates(env=_environment(), context_processors=[_common])


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``templates/name`` with the shared context (CSRF token, navigation, disclaimer)."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def png_data_uri(fig: Figure, *, dpi: int = 90) -> str:
    """A figure as an inline ``data:image/png`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def product_choices() -> list[tuple[str, str]]:
    """Product ids with their names, for the product menus."""
    return [(p.id, p.name) for p in load_products()]


def optional_float(text: str | None, what: str, example: str) -> float | None:
    """A number typed into a form, or None for an empty field."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise FormError(
            bad_value(f"{what} must be a number", text, f"Give e.g. {example}.")
        ) from None
    if not math.isfinite(value):
        raise FormError(bad_value(f"{what} must be a finite number", text, f"Give e.g. {example}."))
    return value


def required_float(text: str | None, what: str, example: str) -> float:
    """A number typed into a form that must be there."""
    value = optional_float(text, what, example)
    if value is None:
        raise FormError(bad_value(f"{what} is required", text or "", f"Give e.g. {example}."))
    return value
