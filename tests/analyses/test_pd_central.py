"""The calibration's central set: typical in what it predicts, not only in its parameters."""

from __future__ import annotations

import numpy as np

from kratomsim.analyses.pd_calibration import CALIBRATED, Calibration, Evaluation
from kratomsim.analyses.pd_files import central_index


def calibration(ensemble: np.ndarray, statistics: np.ndarray | None) -> Calibration:
    empty = Evaluation(np.log(ensemble), np.zeros((len(ensemble), 1)), np.zeros((len(ensemble), 1)))
    return Calibration(
        (), empty, np.zeros(len(ensemble)), 0.1, float(len(ensemble)), ensemble, (), (), 1, 0,
        ensemble_statistics=statistics,
    )  # fmt: skip


def test_the_central_set_is_the_one_with_typical_predictions() -> None:
    rng = np.random.default_rng(1)
    ens = np.exp(rng.normal(size=(41, len(CALIBRATED))))
    ens[7] = np.exp(np.median(np.log(ens), axis=0))  # member 7 sits on the parameter medians
    # a nonlinear map: member 7's predictions are at the top of the range, member 20's in the middle
    col = np.linspace(0.0, 1.0, 41)
    col[[7, 40]] = col[[40, 7]]
    stats = np.column_stack([col, col * 20 + 5])
    assert central_index(calibration(ens, stats)) == 20
    assert central_index(calibration(ens, None)) == 7  # without predictions: the parameters


def test_statistics_that_do_not_vary_or_are_missing_do_not_choose() -> None:
    ens = np.exp(np.random.default_rng(2).normal(size=(5, len(CALIBRATED))))
    stats = np.array([[0.1, 3.0, np.nan], [0.5, 3.0, 1.0], [0.2, 3.0, 2.0], [0.9, 3.0, 3.0],
                      [0.3, 3.0, 4.0]])  # fmt: skip
    assert central_index(calibration(ens, stats)) == 4  # 0.3: the median of column 0
