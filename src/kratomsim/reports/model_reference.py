"""The model reference: equations from the specification, parameter values from the evidence.

:func:`model_reference` joins :func:`kratomsim.spec.listing.equations` with the cited value behind
every parameter (value and unit as the data file gives them, grade, source and locator) into one
plain structure; :func:`to_markdown` and :func:`to_latex` render it. ``kratomsim model`` and the
documentation's model page are built from it, so they change whenever the specification does.
"""

from __future__ import annotations

from typing import Any

from kratomsim.evidence.bibtex import first_author
from kratomsim.evidence.loader import load_references
from kratomsim.evidence.model_values import model_evidence
from kratomsim.spec import Spec, default_spec
from kratomsim.spec.listing import equations


def model_reference(spec: Spec | None = None, *, absorption: str = "capsule") -> dict[str, Any]:
    """``{"model", "states", "intermediates", "outputs", "parameters", "inputs"}`` of ``spec``.

    States, intermediates and outputs carry ``name``, ``unit``, ``equation`` (text), ``latex`` and
    ``description``; parameters carry ``name``, ``value``, ``unit``, ``low``, ``high``, ``grade``,
    ``kind``, ``source`` (citation key), ``citation`` (short reference), ``locator``, ``evidence``
    (the data-file entry) and ``description``. Absorption-class parameters show ``absorption``'s.
    """
    spec = spec or default_spec()
    ev = model_evidence(absorption, spec)
    refs = load_references()
    lines = equations(spec)

    def eq(kind: str) -> list[dict[str, str]]:
        return [
            {
                "name": ln.name,
                "unit": ln.unit,
                "equation": ln.text,
                "latex": ln.latex,
                "description": ln.description,
                **(
                    {"solver": ln.kind.split("(")[1].rstrip(")")}
                    if ln.kind.startswith("state")
                    else {}
                ),
            }
            for ln in lines
            if ln.kind.startswith(kind)
        ]

    params = []
    for p in spec.parameters:
        c = ev.cited[p.name]
        ref = refs.get(c.source)
        params.append(
            {
                "name": p.name,
                "value": c.value,
                "unit": p.unit,
                "low": c.low,
                "high": c.high,
                "grade": c.grade,
                "kind": c.kind,
                "source": c.source,
                "citation": _short(ref) if ref is not None else c.source,
                "locator": c.locator,
                "evidence": c.name,
                "description": p.description,
            }
        )
    return {
        "model": {"name": spec.name, "version": spec.version, "digest": spec.digest},
        "states": eq("state"),
        "flows": [
            {
                "from": ln.name.split(" -> ")[0],
                "to": ln.name.split(" -> ")[1],
                "unit": ln.unit,
                "equation": ln.text,
                "latex": ln.latex,
            }
            for ln in lines
            if ln.kind == "flow"
        ],
        "intermediates": eq("intermediate"),
        "outputs": eq("output"),
        "parameters": params,
        "inputs": [
            {"name": i.name, "default": i.default, "unit": i.unit, "description": i.description}
            for i in spec.inputs
        ],
        "constants": [
            {"name": c.name, "value": c.value, "unit": c.unit, "description": c.description}
            for c in spec.constants
        ],
    }


def _short(ref: Any) -> str:
    """ "Tanna 2022", "Kruegel et al. 2016", "US Food and Drug Administration 2020": first author's
    surname (a corporate author whole) and the year."""
    first, more = first_author(str(ref.authors))
    return f"{first or ref.key}{' et al.' if more else ''} {ref.year}"


def _md_escape(text: str) -> str:
    return text.replace("|", r"\|")


def to_markdown(ref: dict[str, Any]) -> str:
    """The reference as Markdown: equations as display maths, parameters as a table."""
    out = [f"# {ref['model']['name']}", ""]
    out.append(f"Generated from the specification (digest `{ref['model']['digest'][:12]}`).")
    for title, key in (
        ("States", "states"),
        ("Flows", "flows"),
        ("Algebraic quantities", "intermediates"),
        ("Outputs", "outputs"),
    ):
        out += ["", f"## {title}", ""]
        if key == "flows":
            for f in ref["flows"]:
                out += [
                    f"**{f['from']} → {f['to']}** ({f['unit']})",
                    "",
                    "$$",
                    f["latex"],
                    "$$",
                    "",
                ]
            continue
        for e in ref[key]:
            solver = f", {e['solver']}" if "solver" in e else ""
            out += [
                f"**{e['name']}** ({e['unit']}{solver}) — {e['description']}",
                "",
                "$$",
                e["latex"],
                "$$",
                "",
            ]
    out += [
        "",
        "## Parameters",
        "",
        "| name | value | unit | range | grade | source | where |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in ref["parameters"]:
        out.append(
            f"| {p['name']} | {p['value']:g} | {p['unit']} | {p['low']:g}–{p['high']:g} | {p['grade']} | "
            f"{_md_escape(p['citation'])} | {_md_escape(p['locator'])} |"
        )
    out += ["", "## Inputs", "", "| name | default | unit | meaning |", "|---|---|---|---|"]
    for i in ref["inputs"]:
        out.append(
            f"| {i['name']} | {i['default']:g} | {i['unit']} | {_md_escape(i['description'])} |"
        )
    return "\n".join(out) + "\n"


def _tex(text: str) -> str:
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
    ):
        text = text.replace(a, b)
    return text


def to_latex(ref: dict[str, Any]) -> str:
    """The reference as a LaTeX fragment (align environments and a longtable)."""
    out = [f"\\section*{{{_tex(ref['model']['name'])}}}"]
    for title, key in (
        ("States", "states"),
        ("Algebraic quantities", "intermediates"),
        ("Outputs", "outputs"),
    ):
        out += [f"\\subsection*{{{title}}}", "\\begin{align*}"]
        out += [e["latex"].replace("=", "&=", 1) + r" \\" for e in ref[key]]
        out += ["\\end{align*}"]
    out += [
        "\\subsection*{Parameters}",
        "\\begin{longtable}{llllll}",
        "name & value & unit & range & grade & source \\\\ \\hline",
    ]
    for p in ref["parameters"]:
        out.append(
            f"{_tex(p['name'])} & {p['value']:g} & {_tex(p['unit'])} & {p['low']:g}--{p['high']:g} & "
            f"{p['grade']} & {_tex(p['citation'])} \\\\"
        )
    out += ["\\end{longtable}"]
    return "\n".join(out) + "\n"
