"""NONMEM-style event datasets: lossless round trips, regimen conversion, and precise errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kratomsim.errors import InteropError
from kratomsim.interop.nonmem import (
    CMT,
    COLUMNS,
    DOSE_CMT,
    EventDataset,
    format_dataset,
    parse_dataset,
)
from kratomsim.interop.nonmem_regimens import from_regimens, observations, to_regimens
from kratomsim.models.dosing import DoseEvents, DoseRecord, Regimen
from kratomsim.models.regimen_text import parse_regimen

HEADER = ",".join(COLUMNS)
finite = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)
text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12
)


@st.composite
def datasets(draw: st.DrawFn) -> EventDataset:
    """Random valid datasets: several IDs, every EVID, missing DVs, extra text columns."""
    rows = []
    for subject in draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=4, unique=True)):
        times = sorted(draw(st.lists(finite, min_size=1, max_size=6)))
        for t in times:
            evid = draw(st.sampled_from((0, 1, 2)))
            dose = evid == 1
            ss = draw(st.sampled_from((0, 1, 2))) if dose else 0
            addl = draw(st.integers(0, 50)) if dose else 0
            ii = draw(st.floats(0.25, 48.0)) if dose and (addl or ss) else 0.0
            observed = evid == 0 and draw(st.booleans())
            rows.append(
                {
                    "ID": subject,
                    "TIME": t,
                    "AMT": draw(st.floats(1e-3, 50.0)) if dose else 0.0,
                    "EVID": evid,
                    "CMT": DOSE_CMT if dose else draw(st.sampled_from((0, 3, 5))),
                    "DV": draw(st.floats(0.0, 1e5)) if observed else np.nan,
                    "MDV": 0 if observed else 1,
                    "II": ii,
                    "ADDL": addl,
                    "SS": ss,
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).astype(
        {c: np.int64 for c in ("ID", "EVID", "CMT", "MDV", "ADDL", "SS")}
    )
    for name in draw(st.lists(st.sampled_from(("SITE", "note", "WT")), unique=True)):
        frame[name] = pd.Series([draw(text) for _ in range(len(frame))], dtype=object)
    meta = draw(st.dictionaries(st.sampled_from(("product", "mg_per_g", "study")), text))
    return EventDataset(frame, {k: v.strip() for k, v in meta.items()})


@given(datasets())
def test_write_then_read_gives_the_same_dataset(ds: EventDataset) -> None:
    back = parse_dataset(format_dataset(ds))
    pd.testing.assert_frame_equal(back.frame, ds.frame)
    assert dict(back.meta) == dict(ds.meta)
    assert back.equals(ds)
    assert format_dataset(back) == format_dataset(ds)


@given(
    st.lists(
        st.tuples(
            st.floats(0.0, 500.0), st.floats(0.01, 50.0), st.floats(0.25, 24.0), st.integers(0, 30)
        ),
        min_size=1,
        max_size=4,
    )
)
def test_regimen_round_trip_keeps_every_dose(
    records: list[tuple[float, float, float, int]],
) -> None:
    regimen = Regimen(tuple(DoseRecord(t, a, ii, n) for t, a, ii, n in records))
    back = to_regimens(parse_dataset(format_dataset(from_regimens({7: regimen}))))[7]
    want, got = regimen.expand(), back.expand()

    def doses(ev: DoseEvents) -> np.ndarray:
        # Rows are sorted by TIME, so records whose doses coincide may swap: compare as a set.
        pairs = np.column_stack([ev.times_h, ev.amounts_g])
        return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]

    np.testing.assert_array_equal(doses(got), doses(want))


def test_open_ended_missed_and_late_doses_are_written_as_doses() -> None:
    reg = parse_regimen("2 g every 8 h for 3 days, miss dose 2, dose 4 late by 1 h")
    ds = from_regimens({1: reg, 2: parse_regimen("1 g twice daily")}, horizon_h=48.0)
    regs = to_regimens(parse_dataset(format_dataset(ds)))
    np.testing.assert_array_equal(regs[1].expand().times_h, reg.expand().times_h)
    assert regs[1].expand().times_h.tolist()[:3] == [0.0, 16.0, 25.0]
    # open-ended: ADDL reaches the horizon (doses at 0, 12, …, 48 h)
    assert regs[2].expand().times_h.tolist() == [0.0, 12.0, 24.0, 36.0, 48.0]
    assert set(ds.frame["CMT"]) == {DOSE_CMT}


def test_observation_rows_and_dv_are_read() -> None:
    text = (
        "# product: tea\n"
        f"{HEADER},WT\n"
        "1,0,2,1,1,.,1,0,0,0,70\n"
        "1,1.5,.,0,3,45.2,0,.,.,.,70\n"
        "1,1.5,0,0,5,3.1,.,0,0,0,70\n"
        "1,2,.,0,3,.,.,.,.,.,70\n"
    )
    ds = parse_dataset(text)
    assert ds.meta == {"product": "tea"}
    assert ds.frame["MDV"].tolist() == [1, 0, 0, 1]  # defaults: MDV from EVID and DV
    assert ds.frame["WT"].tolist() == ["70"] * 4
    obs = observations(ds)
    assert obs["analyte"].tolist() == ["mitragynine", "7-hydroxymitragynine"]
    assert obs["dv_ng_ml"].tolist() == [45.2, 3.1]
    assert CMT["mg_central"] == 3 and CMT["oh_central"] == 5


@pytest.mark.parametrize(
    ("body", "where", "fix"),
    [
        ("ID,TIME,AMT,EVID\n1,0,2,1", "Line 1: the header lacks required column(s) CMT", "Add"),
        (f"{HEADER}\n1,0,x,1,1,.,1,0,0,0", "Line 2, column AMT: not a number", "Use a number"),
        (f"{HEADER}\n1,0,-2,1,1,.,1,0,0,0", "Line 2, column AMT: AMT must be ≥ 0", "grams"),
        (f"{HEADER}\n1,0,2,7,1,.,1,0,0,0", "Line 2, column EVID: EVID must be 0, 1, 2, 3", "Use 1"),
        (
            f"{HEADER}\n1,5,2,1,1,.,1,0,0,0\n1,4,2,1,1,.,1,0,0,0",
            "Line 3, column TIME: TIME goes back within ID 1",
            "Sort the rows",
        ),
        (f"{HEADER}\n1,0,2,1,1,.,1,0,0,1", "Line 2, column II: SS needs II > 0", "Give the"),
        (f"{HEADER}\n1,0,2,1,1,.,1,0,3,0", "Line 2, column II: ADDL > 0 needs II > 0", "Give"),
        (f"{HEADER}\n1,0,0,0,3,.,0,0,0,0", "Line 2, column DV: an observation with MDV 0", "ng/mL"),
        (f"{HEADER}\n1,0,2,1,1.5,.,1,0,0,0", "Line 2, column CMT: must be a whole number", "Rem"),
        (f"{HEADER}\n1,0,2,1,1,.,1,0,0", "Line 2 has 9 fields, the header 10", "one value"),
        (
            f"# a\n{HEADER}\n1,0,2,1,1,.,1,0,0,0\n2,0,2,1,1,.,1,0,0,0\n1,1,2,1,1,.,1,0,0,0",
            "Line 5, column ID: the rows of an ID must be contiguous",
            "Group",
        ),
        ("", "The dataset is empty", "header line"),
    ],
)
def test_malformed_files_name_line_column_and_fix(body: str, where: str, fix: str) -> None:
    with pytest.raises(InteropError) as err:
        parse_dataset(body)
    assert where in str(err.value)
    assert fix in str(err.value)


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("1,0,2,4,1,.,1,0,0,0", "Line 2, column EVID: resets cannot be simulated"),
        ("1,0,2,1,1,.,1,8,0,1", "Line 2, column SS: steady-state doses cannot be simulated"),
        ("1,0,2,1,3,.,1,0,0,0", "Line 2, column CMT: doses go into the gut depot"),
        ("1,0,80,1,1,.,1,0,0,0", "Line 2: Dose amount above 50 g"),
        ("1,0,0,2,1,.,1,0,0,0", "ID 1 has no dose rows"),
    ],
)
def test_rows_kratomsim_cannot_simulate_are_refused(row: str, where: str) -> None:
    ds = parse_dataset(f"{HEADER}\n{row}\n")
    with pytest.raises(InteropError, match=where):
        to_regimens(ds)
