"""Server-side rendering shared by the pages: templates, messages, form values, inline images.

Pages are rendered on the server (Jinja2 with autoescaping) so they work without scripts; the
script in ``static/app.js`` only adds to them (interactive charts, suggestions, live checks).
Errors are tied to the field they are about (:class:`FieldError`), so a page can mark that field
``aria-invalid`` and describe it; messages never echo long input.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from matplotlib.figure import Figure
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from kratomsim.errors import KratomsimError, bad_value
from kratomsim.evidence.schema import GRADE_MEANING
from kratomsim.interfaces.glossary import GLOSSARY, grade_words
from kratomsim.interfaces.labels import parameter_words
from kratomsim.interfaces.web import services
from kratomsim.interfaces.web.security import csrf_token
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
    ("/taper", "Taper"),
    ("/forecast", "Forecast"),
    ("/report", "Report"),
    ("/claims", "Claims"),
    ("/glossary", "Glossary"),
)
#: Longest quoted value an error message shows before it is cut.
ECHO_CHARS = 80
#: Longest error message shown.
MESSAGE_CHARS = 600

#: An absolute file path (POSIX or Windows) inside a message: at least one folder and a name.
_PATH = re.compile(r"(?<![\w.~])(?:[A-Za-z]:[\\/]|/)(?:[^\s'\"/\\]+[/\\])+([^\s'\"/\\]*)")
#: A quoted value in a message (the template's ``got 'value'``).
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _shorten(match: re.Match[str]) -> str:
    text = match.group(0)
    inner = match.group(1) if match.group(1) is not None else match.group(2)
    if len(inner) <= ECHO_CHARS:
        return text
    quote = text[0]
    return f"{quote}{inner[: ECHO_CHARS - 1]}…{quote} ({len(inner)} characters)"


def error_text(exc: BaseException | str) -> str:
    """A project error as one line for a page: paths cut to the file name, parameter names put as
    the form's fields (:func:`kratomsim.interfaces.wording.for_web`), long input cut short.

    Messages name files so that a person at a terminal can find them; a web reply should not
    reveal how this computer's folders are laid out, nor echo back a page of pasted text.
    """
    one_line = "; ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    one_line = for_web(_PATH.sub(lambda m: "…/" + m.group(1), one_line))
    one_line = _QUOTED.sub(_shorten, one_line)
    if len(one_line) > MESSAGE_CHARS:
        one_line = one_line[: MESSAGE_CHARS - 1] + "…"
    return one_line


class FormError(KratomsimError, ValueError):
    """A web form field that cannot be read."""


class FieldError(KratomsimError, ValueError):
    """An error about one field of a form (its ``name``), shown beside that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def field_of(exc: BaseException, fields: Mapping[type[BaseException], str], default: str) -> str:
    """The form field an error is about: its own, or by its type."""
    if isinstance(exc, FieldError):
        return exc.field
    for kind, name in fields.items():
        if isinstance(exc, kind):
            return name
    return default


def _common(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "csrf_token": csrf_token(request),
        "path": request.url.path,
        "token_mode": settings.token is not None,
        "emergency": request.app.state.emergency,
    }


def _pct(x: float | None) -> str:
    """A chance for people: '12 %', '0.4 %', '< 0.1 %'."""
    if x is None:
        return "—"
    p = 100 * x
    if p == 0:
        return "0 %"
    if p < 0.1:
        return "< 0.1 %"
    return f"{p:.0f} %" if p >= 10 else f"{p:.2g} %"


def _grade(letter: str) -> Markup:
    """An evidence grade with its meaning beside it, not hidden in a tooltip."""
    words = grade_words(letter)
    return Markup(
        f'<span class="grade grade-{letter}">{letter}</span>'
        f'<span class="grade-words"> {Markup.escape(words)}</span>'
    )


def _cite_link(c: services.Citation) -> Markup:
    if not c.href:
        return Markup('<span class="cite" title="{0}">{1}</span>').format(c.full, c.short)
    return Markup(
        '<a class="cite" href="{0}" rel="noopener noreferrer" target="_blank" title="{1}">{2}</a>'
    ).format(c.href, c.full, c.short)


def _cite(key: str) -> Markup:
    return _cite_link(services.cite(key))


def _cites(keys: Any) -> Markup:
    """Citations joined with "; ", each key once (a rule may name a source twice)."""
    return Markup("; ").join(_cite_link(c) for c in services.citations(list(keys)))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        nav=NAV, disclaimer=DISCLAIMER, grade_meaning=GRADE_MEANING, glossary=GLOSSARY
    )
    env.filters["num"] = fmt_value
    env.filters["pct"] = _pct
    env.filters["grade"] = _grade
    env.filters["cite"] = _cite
    env.filters["cites"] = _cites
    env.filters["param"] = parameter_words
    return env


templates = Jinja2Templates(env=_environment(), context_processors=[_common])


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``templates/name`` with the shared context (CSRF token, navigation, disclaimer)."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def render_fragment(request: Request, name: str, **context: Any) -> str:
    """A template rendered to text (a fragment the script inserts into a page)."""
    return templates.get_template(name).render({**_common(request), **context})


def png_data_uri(fig: Figure, *, dpi: int = 90) -> str:
    """A figure as an inline ``data:image/png`` URI."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig, dpi=dpi)).decode("ascii")


def png_bytes(fig: Figure, *, dpi: int = 90) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def optional_float(text: str | None, what: str, example: str, field: str = "") -> float | None:
    """A number typed into a form, or None for an empty field."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        message = bad_value(f"{what} must be a number", text, f"Give e.g. {example}.")
        raise FieldError(field, message) from None
    if not math.isfinite(value):
        raise FieldError(
            field, bad_value(f"{what} must be a finite number", text, f"Give e.g. {example}.")
        )
    return value


def required_float(text: str | None, what: str, example: str, field: str = "") -> float:
    """A number typed into a form that must be there."""
    value = optional_float(text, what, example, field)
    if value is None:
        raise FieldError(
            field, bad_value(f"{what} is required", text or "", f"Give e.g. {example}.")
        )
    return value
