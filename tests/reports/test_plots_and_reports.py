"""Plots and reports show what they claim to show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kratomsim import plot_exposure, simulate
from kratomsim.errors import KratomsimError
from kratomsim.reports.summary import render_html, render_markdown, summary_dict


@pytest.fixture(scope="module")
def sim():
    return simulate("2 g every 8 h for 2 days; miss dose 3", product="tea", duration="4 d")


def test_plot_has_both_analytes_dose_marks_and_units(sim) -> None:
    fig = plot_exposure(sim)
    axes = fig.get_axes()
    assert len(axes) == 2
    labels = [ax.get_ylabel() for ax in axes]
    assert "mitragynine" in labels[0] and "(ng/mL)" in labels[0]
    assert "7-hydroxymitragynine" in labels[1]
    assert "time since first dose (h)" in axes[1].get_xlabel()
    for ax in axes:
        marks = [line for line in ax.get_lines() if line.get_gid() == "dose-marks"]
        assert len(marks) == 1
        np.testing.assert_allclose(marks[0].get_xdata(), sim.dose_times_h)  # missed dose absent
        assert len(marks[0].get_xdata()) == 5


def test_plot_files_by_suffix(sim, tmp_path: Path) -> None:
    plot_exposure(sim, tmp_path / "a.svg")
    assert (tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(KratomsimError, match=r"a\.bmp"):
        plot_exposure(sim, tmp_path / "a.bmp")


def test_summary_dict_and_reports_carry_evidence_and_disclaimer(sim) -> None:
    data = summary_dict(sim)
    assert data["regimen"]["doses"] == 5
    assert "not a recommendation" in data["disclaimer"]
    assert {a["name"] for a in data["assumptions"]} >= {"f_mg", "vm_7oh"}
    md = render_markdown(sim)
    assert "| f_mg (ASSUMPTION) |" in md and "[tanna2022]" in md
    html = render_html(sim)
    assert html.startswith("<!doctype html>") and "ASSUMPTION" in html
