"""Exposure plots show both analytes, every dose taken, units and the disclaimer."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from kratomsim import simulate
from kratomsim.engine.result import Simulation
from kratomsim.errors import KratomsimError
from kratomsim.models.dosing import DoseRecord, Regimen
from kratomsim.reports.plots import DOSE_MARKS, FOOTER, PlotError, plot_exposure

ANALYTES = ("mitragynine", "7-hydroxymitragynine")


@pytest.fixture(scope="module")
def short() -> Simulation:
    """Five doses taken (dose 3 missed) over a 4-day window: drawn in hours."""
    return simulate("2 g every 8 h for 2 days; miss dose 3", product="tea", duration="4 d")


@pytest.fixture(scope="module")
def long() -> Simulation:
    """The demo regimen: 42 doses over 14 days, drawn in days."""
    return simulate("2 g every 8 h for 14 days", product="leaf-powder")


def dose_marks(fig: Figure) -> list[np.ndarray]:
    return [
        np.asarray(line.get_xdata(), dtype=float)
        for ax in fig.get_axes()
        for line in ax.get_lines()
        if line.get_gid() == DOSE_MARKS
    ]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def test_both_analytes_are_drawn_with_their_data(short: Simulation) -> None:
    fig = plot_exposure(short)
    axes = fig.get_axes()
    assert len(axes) == 2
    for k, (ax, name) in enumerate(zip(axes, ANALYTES, strict=True)):
        (line,) = [line for line in ax.get_lines() if line.get_gid() == name]
        np.testing.assert_allclose(line.get_ydata(), short.conc_ng_ml[0, :, k])
        np.testing.assert_allclose(line.get_xdata(), short.time_h)
        assert name in ax.get_ylabel()
        assert ax.get_ylim()[0] == 0.0
        assert ax.get_ylim()[1] >= short.conc_ng_ml[0, :, k].max()


def test_one_dose_mark_per_dose_taken(short: Simulation, long: Simulation) -> None:
    marks = dose_marks(plot_exposure(short))
    assert len(marks) == 2  # one set per panel
    for xs in marks:
        assert len(xs) == len(short.dose_times_h) == 5  # the missed dose is not marked
        np.testing.assert_allclose(xs, short.dose_times_h)
    for xs in dose_marks(plot_exposure(long)):
        assert len(xs) == 42
        np.testing.assert_allclose(xs, long.dose_times_h / 24.0)  # days on a long axis


def test_doses_after_a_short_window_are_not_marked() -> None:
    sim = simulate("1 g every 12 h for 3 days", product="tea", duration="36 h")
    assert sim.dose_times_h.max() <= sim.time_h[-1]  # later doses are left out of the run
    for xs in dose_marks(plot_exposure(sim)):
        np.testing.assert_allclose(xs, [0.0, 12.0, 24.0, 36.0])


def test_axis_labels_carry_units(short: Simulation, long: Simulation) -> None:
    fig = plot_exposure(short)
    top, bottom = fig.get_axes()
    assert "(ng/mL)" in top.get_ylabel() and "(ng/mL)" in bottom.get_ylabel()
    assert bottom.get_xlabel() == "time since first dose (h)"
    fig = plot_exposure(long, unit="nM")
    top, bottom = fig.get_axes()
    assert "(nM)" in top.get_ylabel() and "(nM)" in bottom.get_ylabel()
    assert bottom.get_xlabel() == "time since first dose (days)"
    line = next(line for line in top.get_lines() if line.get_gid() == "mitragynine")
    np.testing.assert_allclose(line.get_ydata(), long.conc_nm[0, :, 0])


def test_title_names_regimen_and_product_and_footer_is_shown(long: Simulation) -> None:
    fig = plot_exposure(long)
    title = fig.get_axes()[0].get_title()
    assert "2 g every 8 h for 14 days" in title and long.product.name in title
    assert FOOTER == "Simulation, not advice; discuss with a clinician."
    assert FOOTER in texts(fig)


def test_png_and_svg_by_suffix(short: Simulation, tmp_path: Path) -> None:
    plot_exposure(short, tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot_exposure(short, str(tmp_path / "b.SVG"))
    assert "<svg" in (tmp_path / "b.SVG").read_text()


@pytest.mark.parametrize("name", ["a.bmp", "a", "a.png.txt"])
def test_bad_suffix_is_a_clear_error(short: Simulation, tmp_path: Path, name: str) -> None:
    with pytest.raises(PlotError, match=r"\.png or \.svg") as exc:
        plot_exposure(short, tmp_path / name)
    assert isinstance(exc.value, KratomsimError)
    assert name in str(exc.value)
    assert not (tmp_path / name).exists()


def test_unknown_unit_and_unwritable_path(short: Simulation, tmp_path: Path) -> None:
    with pytest.raises(PlotError, match="mg/L"):
        plot_exposure(short, unit="mg/L")  # type: ignore[arg-type]
    with pytest.raises(PlotError, match="folder exists"):
        plot_exposure(short, tmp_path / "missing" / "a.png")


def test_several_subjects_show_median_and_band(short: Simulation) -> None:
    scale = np.array([0.5, 1.0, 2.0])[:, None, None]
    conc = short.conc_ng_ml * scale
    many = dataclasses.replace(short, conc_ng_ml=conc, conc_nm=short.conc_nm * scale)
    fig = plot_exposure(many)
    for k, ax in enumerate(fig.get_axes()):
        (median,) = [line for line in ax.get_lines() if line.get_gid() == ANALYTES[k]]
        np.testing.assert_allclose(median.get_ydata(), np.median(conc[:, :, k], axis=0))
        assert "median" in str(median.get_label())
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 1 and "5–95 %" in str(bands[0].get_label())
        assert ax.get_ylim()[1] >= np.percentile(conc[:, :, k], 95, axis=0).max()


def test_user_text_in_the_title_is_drawn_literally(short: Simulation, tmp_path: Path) -> None:
    regimen = Regimen((DoseRecord(0.0, 2.0),), text="cost $5 and $6 — 文字 [/]")
    sim = dataclasses.replace(short, regimen=regimen)
    fig = plot_exposure(sim, tmp_path / "t.png")  # no mathtext error, no glyph warning
    assert "cost" in fig.get_axes()[0].get_title()


def test_plotting_leaves_pyplot_alone(tmp_path: Path) -> None:
    code = (
        "import sys, kratomsim\n"
        "sim = kratomsim.simulate('2 g once', duration='1 d')\n"
        f"kratomsim.plot_exposure(sim, {str(tmp_path / 'x.png')!r})\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "x.png").stat().st_size > 0
