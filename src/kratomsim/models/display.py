"""How a result shows itself in a notebook: one short line of text, or a small HTML table.

Results keep their arrays out of their ``repr`` (a notebook would print thousands of numbers);
:func:`short_repr` gives ``Name(key=value, ...)`` on one line and :func:`html_table` a small
table with a caption for Jupyter's ``_repr_html_``. Pure string functions, no I/O.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

#: Longest ``repr`` line before it is cut with an ellipsis.
MAX_REPR_CHARS = 300


def number(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, or an en dash when there is none."""
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{value:.{digits}g}"


def interval(central: float | None, low: float | None, high: float | None, unit: str = "") -> str:
    """``"12.3 ng/mL (8.1 to 19.0)"``: a value with its interval and unit."""
    text = f"{number(central)} {unit}".rstrip()
    if low is None and high is None:
        return text
    return f"{text} ({number(low)} to {number(high)})"


def short_repr(name: str, fields: Iterable[tuple[str, object]]) -> str:
    """``Name(key=value, ...)`` on one line (an empty key shows the value alone), cut at
    :data:`MAX_REPR_CHARS`."""
    text = f"{name}({', '.join(f'{k}={v}' if k else str(v) for k, v in fields)})"
    text = " ".join(text.split())  # no line breaks from values
    return text if len(text) <= MAX_REPR_CHARS else text[: MAX_REPR_CHARS - 2] + "…)"


def html_table(
    caption: str, header: Sequence[str], rows: Iterable[Sequence[object]], note: str = ""
) -> str:
    """A small HTML table (text escaped) with ``caption`` above and ``note`` below."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    foot = f"<p><small>{html.escape(note)}</small></p>" if note else ""
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}"
    )
