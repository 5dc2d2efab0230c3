"""NONMEM-style event datasets ↔ kratomsim regimens (one :class:`Regimen` per ID).

The column meanings, units (AMT in grams of product, DV in ng/mL) and compartment numbers are
described in :mod:`kratomsim.interop.nonmem`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kratomsim.errors import InteropError, RegimenError, bad_value
from kratomsim.interop.nonmem import (
    CMT,
    COLUMNS,
    DOSE_CMT,
    OBSERVED,
    EventDataset,
    fail,
    validated,
)
from kratomsim.models.dosing import DoseRecord, Regimen


def dose_rows(subject: int, regimen: Regimen, horizon_h: float | None = None) -> pd.DataFrame:
    """Dose rows (EVID 1, CMT 1, AMT in g of product) of one regimen.

    Records are written with II/ADDL as they are; an open-ended record gets the ADDL that reaches
    ``horizon_h``. A regimen with missed or late doses is written as its expanded doses, one row
    each, because a dataset row cannot say "except dose 5".
    """
    if regimen.missed or regimen.late_h:
        ev = regimen.expand(horizon_h)
        rows = [(t, a, 0.0, 0) for t, a in zip(ev.times_h, ev.amounts_g, strict=True)]
    else:
        if regimen.open_ended and horizon_h is None:
            regimen.expand(None)  # raises the regimen's own "no end" error
        rows = [
            (
                r.time_h,
                r.amount_g,
                r.ii_h if (r.addl is None or r.addl > 0) else 0.0,
                r.addl if r.addl is not None else r.n_doses(float(horizon_h or 0.0)) - 1,
            )
            for r in regimen.records
        ]
        rows = [r for r in rows if r[3] >= 0]
    rows.sort(key=lambda r: r[0])
    return pd.DataFrame(
        {
            "ID": subject,
            "TIME": [r[0] for r in rows],
            "AMT": [r[1] for r in rows],
            "EVID": 1,
            "CMT": DOSE_CMT,
            "DV": np.nan,
            "MDV": 1,
            "II": [r[2] for r in rows],
            "ADDL": [r[3] for r in rows],
            "SS": 0,
        },
        columns=list(COLUMNS),
    )


def observation_rows(subject: int, times_h: Iterable[float]) -> pd.DataFrame:
    """Prediction rows (EVID 0, MDV 1, DV missing) for both plasma analytes at ``times_h``."""
    t = np.repeat(np.asarray(list(times_h), dtype=np.float64), len(OBSERVED))
    return pd.DataFrame(
        {
            "ID": subject,
            "TIME": t,
            "AMT": 0.0,
            "EVID": 0,
            "CMT": np.tile(list(OBSERVED), t.size // len(OBSERVED)),
            "DV": np.nan,
            "MDV": 1,
            "II": 0.0,
            "ADDL": 0,
            "SS": 0,
        },
        columns=list(COLUMNS),
    )


def from_regimens(
    regimens: Mapping[int, Regimen],
    *,
    horizon_h: float | None = None,
    observe_times_h: Iterable[float] = (),
    meta: Mapping[str, str] | None = None,
) -> EventDataset:
    """A dataset of one or more regimens keyed by ID (doses first at equal times)."""
    times = list(observe_times_h)
    parts = []
    for subject, regimen in regimens.items():
        rows = pd.concat([dose_rows(subject, regimen, horizon_h), observation_rows(subject, times)])
        parts.append(rows.sort_values("TIME", kind="stable"))
    frame = pd.concat(parts, ignore_index=True)
    return EventDataset(validated(frame, list(range(2, len(frame) + 2))), dict(meta or {}))


def to_regimens(dataset: EventDataset) -> dict[int, Regimen]:
    """One :class:`Regimen` per ID from its dose rows (EVID 1).

    Resets (EVID 3 and 4), steady-state doses (SS > 0) and doses into a compartment other than the
    gut depot cannot be simulated by kratomsim and raise :class:`InteropError`.
    """
    f = dataset.frame
    out: dict[int, Regimen] = {}
    for subject in dataset.ids:
        idx = np.flatnonzero(f["ID"].to_numpy() == subject)
        rows = f.iloc[idx]
        lines = [dataset.line(int(i)) for i in idx]
        records = []
        for line, row in zip(lines, rows.itertuples(index=False), strict=True):
            evid, cmt = int(row.EVID), int(row.CMT)
            if evid in (3, 4):
                raise fail(
                    line,
                    "EVID",
                    "resets cannot be simulated",
                    evid,
                    "Split the record into separate IDs.",
                )
            if evid != 1:
                continue
            if int(row.SS) != 0:
                raise fail(
                    line,
                    "SS",
                    "steady-state doses cannot be simulated",
                    int(row.SS),
                    "Write the doses that lead to steady state with II and ADDL, SS 0.",
                )
            if cmt not in (0, DOSE_CMT):
                raise fail(
                    line,
                    "CMT",
                    "doses go into the gut depot",
                    cmt,
                    f"Use CMT {DOSE_CMT} (a dose of product).",
                )
            try:
                records.append(
                    DoseRecord(float(row.TIME), float(row.AMT), float(row.II), int(row.ADDL))
                )
            except RegimenError as exc:
                raise InteropError(f"Line {line}: {exc}") from None
        if not records:
            raise InteropError(
                bad_value(f"ID {subject} has no dose rows", subject, "Add rows with EVID 1.")
            )
        out[subject] = Regimen(tuple(records), text=f"ID {subject} of an event dataset")
    return out


def observations(dataset: EventDataset) -> pd.DataFrame:
    """Observed concentrations: columns ``ID``, ``time_h``, ``analyte``, ``dv_ng_ml``."""
    f = dataset.frame
    rows = np.flatnonzero((f["EVID"].to_numpy() == 0) & (f["MDV"].to_numpy() == 0))
    cmt = f["CMT"].to_numpy()[rows]
    cmt = np.where(cmt == 0, CMT["mg_central"], cmt)
    unknown = ~np.isin(cmt, list(OBSERVED))
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        line = dataset.line(int(rows[i]))
        raise fail(
            line,
            "CMT",
            "observations are of plasma compartments",
            int(cmt[i]),
            "Use CMT 3 (mitragynine) or 5 (7-hydroxymitragynine).",
        )
    return pd.DataFrame(
        {
            "ID": f["ID"].to_numpy()[rows],
            "time_h": f["TIME"].to_numpy()[rows],
            "analyte": [OBSERVED[int(c)] for c in cmt],
            "dv_ng_ml": f["DV"].to_numpy()[rows],
        }
    )
