"""The ``export`` (SBML, NONMEM-style events) and ``sensitivity`` commands, and ``simulate --events``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from kratomsim.engine.output_names import SCALAR_OUTPUTS
from kratomsim.errors import InteropError, bad_value
from kratomsim.interfaces.options import (
    ARGS_AS_TEXT,
    DurationOpt,
    Format,
    MgOpt,
    OhOpt,
    ProductOpt,
    RegimenArg,
    Unit,
    out,
)
from kratomsim.interfaces.output import brief, is_brief, refuse_brief

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from kratomsim.analyses.sensitivity import SobolResult
    from kratomsim.engine.result import Simulation
    from kratomsim.interop.nonmem import EventDataset

# libsbml and SALib load slowly (about a second each), so they are imported by the commands that
# use them, not when the command line starts.

export_app = typer.Typer(help="Export the model (SBML) or a regimen (NONMEM-style events).")
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="File to write.")]
SENSITIVITY_NOTE = (
    "Sobol indices split the variance of the output over the parameters' declared ranges, most of "
    "them labelled assumptions: they show where the evidence is thin, not anything about a person."
)


@export_app.command("sbml")
def export_sbml_cmd(
    output: OutputOpt,
    product: ProductOpt = None,
    regimen: Annotated[
        str | None,
        typer.Option("--regimen", help="Also write the doses of this regimen as SBML events."),
    ] = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    duration: DurationOpt = None,
) -> None:
    """Write the whole model (generated from its specification) as SBML Level 3 Version 2, with the
    cited central parameter values in base units (nmol, L, h, ng)."""
    import numpy as np

    from kratomsim.engine.subjects import dosing_for
    from kratomsim.evidence.model_values import model_evidence
    from kratomsim.interfaces.api import read_use
    from kratomsim.interop.sbml import to_sbml
    from kratomsim.spec import default_spec

    use = read_use(
        regimen or "1 g once",
        product=product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        duration=duration,
    )
    dosing = dosing_for(use.regimen, use.inputs(), duration_h=use.duration_h)
    values = model_evidence(dosing.absorption).central()
    doses = {}
    if regimen is not None:
        doses = {
            "dose_times_h": dosing.dose_times_h,
            "doses_nmol": np.column_stack(
                [
                    dosing.mg_doses_mg[0] * 1e6 / values["mw_mg"],
                    dosing.oh7_doses_mg[0] * 1e6 / values["mw_7oh"],
                ]
            ),
        }
    output.write_text(to_sbml(default_spec(), values, name="kratomsim", **doses), encoding="utf-8")
    print(f"wrote {output} (the whole model from its specification, SBML L3V2)")


@export_app.command("nonmem", context_settings=ARGS_AS_TEXT)
def export_nonmem_cmd(
    regimen: RegimenArg,
    output: OutputOpt,
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    duration: DurationOpt = None,
    observe_every: Annotated[
        str | None,
        typer.Option("--observe-every", help="Add observation rows, e.g. '1 h' (DV missing)."),
    ] = None,
) -> None:
    """Write a regimen (text or scenario file) as a NONMEM-style event dataset (CSV)."""
    import numpy as np

    from kratomsim.engine.simulate import simulate as simulate_engine
    from kratomsim.interfaces.api import read_use
    from kratomsim.interop.nonmem import format_dataset
    from kratomsim.interop.nonmem_regimens import from_regimens
    from kratomsim.models.regimen_text import parse_time_h

    use = read_use(
        regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g, duration=duration
    )
    reg, mg, oh = use.regimen, use.mg_per_g, use.oh7_mg_per_g
    sim = simulate_engine(reg, use.inputs(), duration_h=use.duration_h)
    end_h = float(sim.time_h[-1])
    times: np.ndarray = np.array([])
    if observe_every is not None:
        step = parse_time_h(observe_every)
        if not step > 0:
            raise InteropError(
                bad_value("--observe-every must be > 0", observe_every, "Use '1 h'.")
            )
        times = np.arange(0.0, end_h + 1e-9, step)
    meta = {
        "format": "kratomsim NONMEM-style events; AMT = g of product; DV = ng/mL",
        "cmt": "1 = dose of product (gut depots); 3 = plasma mitragynine; 5 = plasma 7-OH",
        "product": sim.product.id,
        # Label content only when given: otherwise the product's cited default applies on reading.
        **({"mg_per_g": repr(mg)} if mg is not None else {}),
        **({"oh7_mg_per_g": repr(oh)} if oh is not None else {}),
        "duration_h": repr(end_h),
    }
    ds = from_regimens({1: reg}, horizon_h=end_h, observe_times_h=times, meta=meta)
    output.write_text(format_dataset(ds), encoding="utf-8")
    print(f"wrote {output} ({len(ds.frame)} rows)")


def _meta_float(ds: EventDataset, key: str) -> float | None:
    text = ds.meta.get(key)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise InteropError(
            bad_value(f"Header comment '# {key}:' is not a number", text, "Give a number.")
        ) from None


def simulate_events(
    path: Path,
    product: str | None,
    mg_per_g: float | None,
    oh7_mg_per_g: float | None,
    duration: str | None,
    fmt: Format,
    unit: Unit,
) -> list[Simulation]:
    """``simulate --events``: simulate every ID of a dataset and write the output like ``simulate``.

    One ID gives exactly the output of ``simulate REGIMEN``; several add an ``ID`` column (csv) or
    a list of subjects (json). Observed concentrations (DV rows) are written alongside.
    """
    import numpy as np
    import pandas as pd

    from kratomsim.engine.simulate import simulate as simulate_engine
    from kratomsim.evidence import resolve_product
    from kratomsim.evidence.loader import DEFAULT_PRODUCT
    from kratomsim.evidence.params import cited_inputs
    from kratomsim.interfaces.render import summary_table
    from kratomsim.interop.nonmem import parse_dataset
    from kratomsim.interop.nonmem_regimens import observations, to_regimens
    from kratomsim.interop.scenario import parse_duration_h
    from kratomsim.reports.summary import DISCLAIMER, series_dict, summary_dict

    ds = parse_dataset(path.read_text(encoding="utf-8"))
    regimens = to_regimens(ds)
    obs = observations(ds)
    prod = resolve_product(product or ds.meta.get("product") or DEFAULT_PRODUCT)
    mg = mg_per_g if mg_per_g is not None else _meta_float(ds, "mg_per_g")
    oh = oh7_mg_per_g if oh7_mg_per_g is not None else _meta_float(ds, "oh7_mg_per_g")
    dur = _meta_float(ds, "duration_h") if duration is None else parse_duration_h(duration)
    inputs = cited_inputs(prod, mg_per_g=mg, oh7_mg_per_g=oh)
    sims: list[Simulation] = []
    for subject, reg in regimens.items():
        sim = simulate_engine(reg, inputs, duration_h=dur)
        seen = _observed(obs, subject)[0]
        if seen.size and not np.isin(seen, sim.time_h).all():
            grid = np.union1d(sim.time_h, seen[seen <= sim.time_h[-1]])
            sim = simulate_engine(reg, inputs, times_h=grid)
        sims.append(sim)
    ids = list(regimens)
    if fmt is Format.csv:
        frames = []
        for subject, sim in zip(ids, sims, strict=True):
            frame = _with_observations(sim.to_frame(unit=unit.value), obs, subject, sim, unit)
            if len(ids) > 1:
                frame.insert(0, "ID", subject)
            frames.append(frame)
        text = pd.concat(frames).to_csv(index=False, float_format="%.6g", lineterminator="\n")
        sys.stdout.write(text)
    elif fmt is Format.json:
        subjects = []
        for subject, sim in zip(ids, sims, strict=True):
            entry = {"series": series_dict(sim, unit=unit.value), **summary_dict(sim)}
            entry["unit"] = unit.value
            t_obs, analyte, dv = _observed(obs, subject)
            if t_obs.size:
                entry["observations"] = [
                    {"time_h": float(t), "analyte": str(a), "dv_ng_ml": float(v)}
                    for t, a, v in zip(t_obs, analyte, dv, strict=True)
                ]
            subjects.append(entry if len(ids) == 1 else {"ID": subject, **entry})
        payload = subjects[0] if len(ids) == 1 else {"subjects": subjects}
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
    else:
        for subject, sim in zip(ids, sims, strict=True):
            if len(ids) > 1:
                out.print(Text(f"ID {subject}", style="bold"))
            out.print(summary_table(sim))
        if len(obs):
            out.print(f"{len(obs)} observed concentrations (DV) read; see --format csv or json.")
        out.print(Text(DISCLAIMER, style="dim"))
    return sims


def _observed(obs: pd.DataFrame, subject: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times (h), analytes and DV (ng/mL) observed in one ID."""
    import numpy as np

    mine = np.asarray(obs["ID"]) == subject
    return (
        np.asarray(obs["time_h"], dtype=float)[mine],
        np.asarray(obs["analyte"], dtype=str)[mine],
        np.asarray(obs["dv_ng_ml"], dtype=float)[mine],
    )


def _with_observations(
    frame: pd.DataFrame, obs: pd.DataFrame, subject: int, sim: Simulation, unit: Unit
) -> pd.DataFrame:
    """Add ``observed_<analyte>`` columns (DV, in the output unit) at the observation times."""
    import numpy as np

    t_obs, analytes, dv_all = _observed(obs, subject)
    if not t_obs.size:
        return frame
    grid = np.asarray(frame["time_h"], dtype=float)
    for k, analyte in enumerate(sim.analytes):
        times, dv = t_obs[analytes == analyte], dv_all[analytes == analyte]
        if unit is Unit.nm:  # ng/mL → nM with the molar mass (g/mol)
            dv = dv * 1000.0 / float(sim.values[("mw_mg", "mw_7oh")[k]])
        column = np.full(grid.size, np.nan)
        at = np.minimum(np.searchsorted(grid, times), grid.size - 1)
        inside = grid[at] == times  # observations after the window are left out
        column[at[inside]] = dv[inside]
        frame[f"observed_{analyte}"] = column
    return frame


def sensitivity_cmd(
    regimen: RegimenArg,
    output: Annotated[
        str, typer.Option("--output", help=f"Per-subject output: {', '.join(SCALAR_OUTPUTS)}.")
    ] = "withdrawal_peak",
    n: Annotated[int, typer.Option("--n", help="Base sample size (a power of two).")] = 512,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Sobol' sequence.")] = 0,
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    duration: DurationOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")] = (
        Format.table
    ),
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also write a bar chart (.png or .svg).")
    ] = None,
) -> None:
    """Sobol sensitivity (first-order and total) of a per-subject output to the uncertain parameters."""
    from kratomsim.analyses.sensitivity import check_output, model_sensitivity
    from kratomsim.interfaces.api import read_use
    from kratomsim.interfaces.briefs import sensitivity_lines
    from kratomsim.reports.plots import check_plot_path
    from kratomsim.reports.sensitivity_plot import plot_sobol
    from kratomsim.reports.summary import DISCLAIMER

    check_output(output)  # fail before the work
    if is_brief() and fmt is not Format.table:
        raise refuse_brief("sensitivity", fmt.value)
    if plot is not None:
        check_plot_path(plot)
    use = read_use(
        regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g, duration=duration
    )
    res = model_sensitivity(
        use.regimen,
        output,
        product=use.product,
        mg_per_g=use.mg_per_g,
        oh7_mg_per_g=use.oh7_mg_per_g,
        duration_h=use.duration_h,
        n=n,
        seed=seed,
    )
    if plot is not None:
        plot_sobol(res, plot)
    if is_brief():
        brief(sensitivity_lines(res), out)
    elif fmt is Format.json:
        sys.stdout.write(json.dumps({**res.to_dict(), "note": SENSITIVITY_NOTE}) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(res.to_frame().to_csv(index=False, float_format="%.6g"))
        if not res.estimated:
            sys.stderr.write(f"note: {res.reason}\n")
    elif not res.estimated:
        out.print(Text(res.reason))
        out.print(
            Text(
                f"Over the {res.n_evaluations:,} runs {res.output} has mean "
                f"{res.output_mean:.4g} and SD {res.output_sd:.4g}."
            )
        )
        out.print(Text(SENSITIVITY_NOTE + " " + DISCLAIMER, style="dim"))
    else:
        out.print(_sobol_table(res))
        out.print(Text(SENSITIVITY_NOTE + " " + DISCLAIMER, style="dim"))
    if plot is not None:
        (sys.stderr if fmt is not Format.table else sys.stdout).write(f"plot: {plot}\n")


def _sobol_table(res: SobolResult) -> Table:
    title = (
        f"Sobol indices of {res.output} (mean {res.output_mean:.4g}, SD {res.output_sd:.4g}; "
        f"{res.n_evaluations:,} runs; ± {res.conf_level:.0%} CI half-width)"
    )
    table = Table(title=title, title_justify="left")
    for col in ("parameter", "S1", "ST"):
        table.add_column(col, justify="left" if col == "parameter" else "right")
    frame = res.to_frame()
    for row in frame.to_dict(orient="records"):
        table.add_row(
            str(row["parameter"]),
            f"{row['S1']:.3f} ± {row['S1_conf']:.3f}",
            f"{row['ST']:.3f} ± {row['ST_conf']:.3f}",
        )
    return table


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.add_typer(export_app, name="export")
    app.command("sensitivity", context_settings=ARGS_AS_TEXT)(sensitivity_cmd)
