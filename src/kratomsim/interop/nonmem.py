"""NONMEM-style event datasets: read, validate, write, and convert to and from regimens.

Columns (CSV, one row per event, rows of an ID in time order)::

    ID    subject number (integer)
    TIME  hours since the start of the record
    AMT   dose: GRAMS OF PRODUCT (the same unit as DoseRecord.amount_g); 0 on other rows
    EVID  0 observation, 1 dose, 2 other, 3 reset, 4 reset and dose
    CMT   compartment, numbered as the specification's states (spec/model.toml) from 1:
          1 gut depot: a dose of product (its mitragynine goes to depot 1, its 7-OH to depot 2);
          3 plasma mitragynine, 5 plasma 7-hydroxymitragynine (observations);
          0 the default (1 for doses, 3 for observations)
    DV    observed plasma concentration, ng/mL ('.' when missing)
    MDV   1 when DV is missing or the row is not an observation
    II    interval between repeated doses (h)
    ADDL  number of additional doses every II hours
    SS    steady-state flag (0, 1 or 2); read and written, not simulated

'.' or an empty cell means missing, as in NONMEM. Columns not listed are kept as text and written
back unchanged. The product and its content are not per-row data: they travel in header comment
lines (``# product: leaf-powder``), which NONMEM's default ``IGNORE=#`` skips. Every problem raises
:class:`~kratomsim.errors.InteropError` naming the line, the column and the fix. Conversion to and
from regimens is in :mod:`kratomsim.interop.nonmem_regimens`.

This module parses and formats text; reading and writing files is left to the caller.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from kratomsim.errors import InteropError, bad_value
from kratomsim.spec import default_spec

COLUMNS: Final = ("ID", "TIME", "AMT", "EVID", "CMT", "DV", "MDV", "II", "ADDL", "SS")
#: Columns a dataset must have; the others default as NONMEM does (DV missing, II/ADDL/SS 0).
REQUIRED: Final = ("ID", "TIME", "AMT", "EVID", "CMT")
INTEGER_COLUMNS: Final = ("ID", "EVID", "CMT", "MDV", "ADDL", "SS")
#: Compartment numbers (1-based, in the order of the specification's states).
CMT: Final = {s.name: i + 1 for i, s in enumerate(default_spec().states)}
DOSE_CMT: Final = CMT["gut_mg"]
#: Observation compartment → analyte whose plasma concentration DV holds (ng/mL).
OBSERVED: Final = {CMT["mg_central"]: "mitragynine", CMT["oh_central"]: "7-hydroxymitragynine"}
EVIDS: Final = (0, 1, 2, 3, 4)
MISSING: Final = frozenset({".", ""})
_DEFAULTS: Final = {"AMT": 0.0, "II": 0.0, "ADDL": 0.0, "SS": 0.0, "CMT": 0.0}


@dataclass(frozen=True, eq=False)
class EventDataset:
    """A validated event table (``frame``) and its header comments (``meta``: key → text).

    ``frame`` holds the :data:`COLUMNS` first (integers as int64, the rest float64 with NaN for a
    missing DV), then any extra columns as text exactly as read.
    """

    frame: pd.DataFrame
    meta: Mapping[str, str] = field(default_factory=dict)
    #: File line of each row when parsed from text (for error messages); empty otherwise.
    lines: tuple[int, ...] = ()

    def line(self, row: int) -> int:
        """Line of row ``row`` in the source text, or in the text :func:`format_dataset` writes."""
        return self.lines[row] if self.lines else len(self.meta) + 2 + row

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(int(i) for i in dict.fromkeys(self.frame["ID"].to_numpy().tolist()))

    def equals(self, other: EventDataset) -> bool:
        return dict(self.meta) == dict(other.meta) and self.frame.equals(other.frame)


def fail(line: int, column: str, what: str, value: object, fix: str) -> InteropError:
    """The error for one cell: line, column, what is wrong, the value and the fix."""
    if isinstance(value, np.generic):  # show 7.0, not np.float64(7.0)
        value = value.item()
    return InteropError(bad_value(f"Line {line}, column {column}: {what}", value, fix))


def parse_dataset(text: str) -> EventDataset:
    """Parse dataset text into a validated :class:`EventDataset`."""
    meta: dict[str, str] = {}
    body: list[str] = []
    lines: list[int] = []  # file line of each kept line
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("#"):
            key, sep, value = raw.lstrip()[1:].partition(":")
            if sep and key.strip() and " " not in key.strip():
                meta[key.strip()] = value.strip()
            continue
        if raw.strip():
            body.append(raw)
            lines.append(number)
    if not body:
        raise InteropError(
            bad_value("The dataset is empty", "", f"Start with a header line: {','.join(COLUMNS)}.")
        )
    rows = list(csv.reader(body))
    header = [h.strip() for h in rows[0]]
    canon = {h.upper(): i for i, h in enumerate(header) if h.upper() in COLUMNS}
    missing = [c for c in REQUIRED if c not in canon]
    if missing:
        raise InteropError(
            bad_value(
                f"Line {lines[0]}: the header lacks required column(s) {', '.join(missing)}",
                ",".join(header),
                f"Add them; a dataset has the columns {','.join(COLUMNS)}.",
            )
        )
    if len(set(header)) != len(header):
        raise InteropError(bad_value("Duplicate column names", ",".join(header), "Rename them."))
    cells: dict[str, list[str]] = {h: [] for h in header}
    for row, number in zip(rows[1:], lines[1:], strict=True):
        if len(row) != len(header):
            raise InteropError(
                bad_value(
                    f"Line {number} has {len(row)} fields, the header {len(header)}",
                    ",".join(row),
                    "Give one value per column ('.' for missing).",
                )
            )
        for h, v in zip(header, row, strict=True):
            cells[h].append(v)
    data_lines = lines[1:]
    frame = pd.DataFrame(
        {c: _numbers(cells[header[canon[c]]], c, data_lines) for c in COLUMNS if c in canon}
    )
    for c in COLUMNS:
        if c not in frame:
            frame[c] = np.nan
    extras = [h for h in header if h.upper() not in COLUMNS]
    out = validated(pd.DataFrame(frame, columns=list(COLUMNS)), data_lines)
    for h in extras:
        out[h] = pd.Series(cells[h], dtype=object)
    return EventDataset(out, meta, tuple(data_lines))


def _numbers(values: list[str], column: str, lines: list[int]) -> np.ndarray:
    out = np.empty(len(values))
    for i, v in enumerate(values):
        v = v.strip()
        if v in MISSING:
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except ValueError:
            raise fail(lines[i], column, "not a number", v, "Use a number or '.'.") from None
        if not np.isfinite(out[i]):
            raise fail(lines[i], column, "not finite", v, "Use a finite number or '.'.")
    return out


def validated(frame: pd.DataFrame, lines: list[int]) -> pd.DataFrame:
    """Check every rule, fill NONMEM defaults and give the columns their types.

    ``lines`` gives the source line of each row, for the messages.
    """
    f = pd.DataFrame({c: frame[c].to_numpy(dtype=np.float64) for c in COLUMNS})
    for column in ("ID", "TIME", "EVID"):
        bad = f[column].isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise fail(lines[i], column, "a value is required", ".", "Give a number.")
    for column, default in _DEFAULTS.items():
        f[column] = f[column].fillna(default)
    evid = f["EVID"].to_numpy()
    f["MDV"] = f["MDV"].fillna(
        pd.Series(np.where((evid != 0) | f["DV"].isna().to_numpy(), 1.0, 0.0), index=f.index)
    )
    for column in INTEGER_COLUMNS:
        v = f[column].to_numpy()
        bad = v != np.round(v)
        if bad.any():
            i = int(np.argmax(bad))
            raise fail(lines[i], column, "must be a whole number", v[i], "Remove the fraction.")
    checks = (
        (
            "EVID",
            ~np.isin(evid, EVIDS),
            "EVID must be 0, 1, 2, 3 or 4",
            "Use 1 for a dose, 0 for "
            "an observation, 2 for other events, 3/4 for a reset (and dose).",
        ),
        ("TIME", f["TIME"].to_numpy() < 0, "TIME must be ≥ 0 h", "Count hours from the start."),
        ("AMT", f["AMT"].to_numpy() < 0, "AMT must be ≥ 0", "Give grams of product per dose."),
        (
            "AMT",
            np.isin(evid, (1, 4)) & (f["AMT"].to_numpy() <= 0),
            "a dose (EVID 1 or 4) needs AMT > 0",
            "Give grams of product per dose, or EVID 2 for a row without a dose.",
        ),
        ("CMT", f["CMT"].to_numpy() < 0, "CMT must be ≥ 0", "Use 1 for doses, 3 or 5 to observe."),
        (
            "MDV",
            ~np.isin(f["MDV"].to_numpy(), (0, 1)),
            "MDV must be 0 or 1",
            "Use 1 when DV is missing.",
        ),
        (
            "DV",
            (evid == 0) & (f["MDV"].to_numpy() == 0) & f["DV"].isna().to_numpy(),
            "an observation with MDV 0 needs a DV",
            "Give the concentration in ng/mL, or set MDV 1.",
        ),
        ("II", f["II"].to_numpy() < 0, "II must be ≥ 0 h", "Give the dosing interval in hours."),
        ("ADDL", f["ADDL"].to_numpy() < 0, "ADDL must be ≥ 0", "Use 0 for a single dose."),
        (
            "II",
            (f["ADDL"].to_numpy() > 0) & (f["II"].to_numpy() <= 0),
            "ADDL > 0 needs II > 0",
            "Give the interval between the repeated doses in II.",
        ),
        (
            "SS",
            ~np.isin(f["SS"].to_numpy(), (0, 1, 2)),
            "SS must be 0, 1 or 2",
            "Use 0 (no steady state).",
        ),
        (
            "II",
            (f["SS"].to_numpy() > 0) & (f["II"].to_numpy() <= 0),
            "SS needs II > 0",
            "Give the dosing interval in II, or set SS 0.",
        ),
    )
    for column, bad, what, fix in checks:
        if np.any(bad):
            i = int(np.argmax(bad))
            raise fail(lines[i], column, what, f[column].iloc[i], fix)
    ids, times = f["ID"].to_numpy(), f["TIME"].to_numpy()
    same = ids[1:] == ids[:-1]
    back = same & (times[1:] < times[:-1]) & ~np.isin(evid[1:], (3, 4))
    if back.any():
        i = int(np.argmax(back)) + 1
        raise fail(
            lines[i],
            "TIME",
            f"TIME goes back within ID {int(ids[i])} (after {times[i - 1]:g} h)",
            times[i],
            "Sort the rows of each ID by TIME (a reset, EVID 3 or 4, may restart the clock).",
        )
    seen, previous = set(), None
    for i, subject in enumerate(ids):
        if subject != previous and subject in seen:
            raise fail(
                lines[i],
                "ID",
                "the rows of an ID must be contiguous",
                int(subject),
                "Group all rows of each ID together.",
            )
        seen.add(subject)
        previous = subject
    for column in INTEGER_COLUMNS:
        f[column] = f[column].astype(np.int64)
    return f.reset_index(drop=True)


def _cell(value: float, integer: bool) -> str:
    if np.isnan(value):
        return "."
    if integer or (float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def format_dataset(dataset: EventDataset) -> str:
    """Dataset text: ``# key: value`` header comments, then CSV. Reads back equal."""
    buf = io.StringIO()
    for key, value in dataset.meta.items():
        if "\n" in value or "\r" in value or not key or " " in key or ":" in key:
            raise InteropError(
                bad_value("Header comments are one line 'key: value'", (key, value), "Shorten it.")
            )
        buf.write(f"# {key}: {value}\n")
    writer = csv.writer(buf, lineterminator="\n")
    columns = list(dataset.frame.columns)
    writer.writerow(columns)
    frame = dataset.frame
    for row in frame.itertuples(index=False):
        writer.writerow(
            _cell(v, c in INTEGER_COLUMNS) if c in COLUMNS else str(v)
            for c, v in zip(columns, row, strict=True)
        )
    return buf.getvalue()
