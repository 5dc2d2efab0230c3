"""Dose records with NONMEM semantics (TIME, AMT, II, ADDL) and their expansion to dose events.

A :class:`DoseRecord` is one row of a NONMEM-style dataset: a dose of ``amount_g`` grams of product at
``time_h`` hours, repeated ``addl`` additional times every ``ii_h`` hours. ``addl=None`` means "keep
repeating until the end of the observation window" (an open-ended regimen such as "3 g twice daily").

A :class:`Regimen` is an ordered collection of records plus per-dose modifications: doses that were
missed and doses taken late (or early, with a negative delay). Doses are numbered from 1 in time order
after expansion; modifications refer to those numbers. A regimen read from text also keeps the
readings made while parsing (``notes``, e.g. "morning read as 08:00") and the product the text itself
implies (``product``, e.g. ``"7oh-tablet"`` for "one 15 mg 7-OH tablet"; ``None``: any product).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import RegimenError, bad_value

#: Largest amount of product in one dose accepted as plausible (g). Above this the input is taken
#: as a typing error. The largest single serving reported in the reference data is 12 g of leaf
#: (FDA tolerability trial, pk.md §2.10, secondary); 50 g leaves a wide margin.
MAX_DOSE_G = 50.0
#: Shortest accepted interval between repeated doses (h).
MIN_INTERVAL_H = 0.25
#: Upper bound on the number of expanded doses in one regimen (about 27 years at 10 doses/day).
MAX_DOSES = 100_000


@dataclass(frozen=True, slots=True)
class DoseRecord:
    """One NONMEM-style dose record: TIME (h), AMT (g of product), II (h), ADDL (count)."""

    time_h: float
    amount_g: float
    ii_h: float = 0.0
    addl: int | None = 0

    def __post_init__(self) -> None:
        if not np.isfinite(self.time_h) or self.time_h < 0:
            raise RegimenError(
                bad_value(
                    "Dose time must be a finite number of hours ≥ 0",
                    self.time_h,
                    "Give times relative to the first dose, e.g. 0, 8, 16.",
                )
            )
        if not np.isfinite(self.amount_g) or self.amount_g <= 0:
            raise RegimenError(
                bad_value(
                    "Dose amount must be positive",
                    self.amount_g,
                    "Give the amount of product per dose, e.g. '2 g' or '500 mg'.",
                )
            )
        if self.amount_g > MAX_DOSE_G:
            raise RegimenError(
                bad_value(
                    f"Dose amount above {MAX_DOSE_G:g} g per dose is not plausible",
                    f"{self.amount_g:g} g",
                    "Check the unit (mg vs g) and the amount per single dose.",
                )
            )
        repeats = self.addl is None or self.addl > 0
        if self.addl is not None and self.addl < 0:
            raise RegimenError(bad_value("ADDL must be ≥ 0", self.addl, "Use 0 for a single dose."))
        if repeats and (not np.isfinite(self.ii_h) or self.ii_h < MIN_INTERVAL_H):
            raise RegimenError(
                bad_value(
                    f"Dosing interval must be at least {MIN_INTERVAL_H * 60:g} min",
                    f"{self.ii_h:g} h",
                    "Give an interval such as 'every 8 h'.",
                )
            )

    def n_doses(self, horizon_h: float) -> int:
        """Number of doses this record gives up to and including ``horizon_h``."""
        if self.addl is not None:
            return self.addl + 1
        if horizon_h < self.time_h:
            return 0
        return int(np.floor((horizon_h - self.time_h) / self.ii_h + 1e-9)) + 1


@dataclass(frozen=True, slots=True)
class DoseEvents:
    """Expanded doses in time order: ``times_h`` and ``amounts_g`` of equal length."""

    times_h: NDArray[np.float64]
    amounts_g: NDArray[np.float64]

    @property
    def last_time_h(self) -> float:
        return float(self.times_h[-1]) if self.times_h.size else 0.0

    def __len__(self) -> int:
        return int(self.times_h.size)


@dataclass(frozen=True, slots=True)
class Regimen:
    """A dosing regimen: records, missed doses (1-based numbers) and late doses (number → delay h).

    Examples
    --------
    >>> r = Regimen((DoseRecord(0.0, 2.0, ii_h=8.0, addl=2),), missed=frozenset({2}))
    >>> r.expand().times_h.tolist()
    [0.0, 16.0]
    """

    records: tuple[DoseRecord, ...]
    missed: frozenset[int] = frozenset()
    late_h: tuple[tuple[int, float], ...] = ()
    text: str = ""
    #: Readings made while parsing the text (conventions such as "morning read as 08:00").
    notes: tuple[str, ...] = ()
    #: Product the text implies (e.g. "7oh-tablet" when amounts are mg of 7-OH); None: any.
    product: str | None = None

    def __post_init__(self) -> None:
        if not self.records:
            raise RegimenError(
                bad_value(
                    "A regimen needs at least one dose",
                    self.text or "()",
                    "Write e.g. '2 g once' or '2 g every 8 h for 14 days'.",
                )
            )
        for n in (*self.missed, *(n for n, _ in self.late_h)):
            if n < 1:
                raise RegimenError(
                    bad_value("Dose numbers start at 1", n, "Number doses 1, 2, 3… in time order.")
                )

    @property
    def open_ended(self) -> bool:
        """True when some record repeats until the end of observation."""
        return any(r.addl is None for r in self.records)

    def bounded(self, horizon_h: float) -> Regimen:
        """This regimen with every open-ended record stopped at ``horizon_h`` (h, inclusive).

        >>> r = Regimen((DoseRecord(0.0, 2.0, ii_h=8.0, addl=None),), text="2 g every 8 h")
        >>> r.bounded(24.0).expand().times_h.tolist()
        [0.0, 8.0, 16.0, 24.0]
        """
        if not self.open_ended:
            return self
        records = tuple(
            r
            if r.addl is not None
            else DoseRecord(r.time_h, r.amount_g, r.ii_h, max(r.n_doses(horizon_h), 1) - 1)
            for r in self.records
        )
        days = horizon_h / 24.0
        text = f"{self.text} for {days:g} days" if self.text else ""
        return replace(self, records=records, text=text)

    def expand(self, horizon_h: float | None = None) -> DoseEvents:
        """Expand ADDL/II into explicit dose events, then apply missed and late doses.

        ``horizon_h`` bounds open-ended records and is required when the regimen is open-ended.
        """
        if self.open_ended and horizon_h is None:
            raise RegimenError(
                bad_value(
                    "This regimen has no end",
                    self.text or "open-ended",
                    "Add a duration, e.g. 'for 14 days', or set an observation "
                    "window (duration_h).",
                )
            )
        horizon = np.inf if horizon_h is None else horizon_h
        total = sum(r.n_doses(horizon) for r in self.records)
        if total > MAX_DOSES:
            raise RegimenError(
                bad_value(
                    f"Regimen expands to more than {MAX_DOSES:,} doses",
                    f"{total:,} doses",
                    "Shorten the duration or lengthen the interval.",
                )
            )
        times: list[NDArray[np.float64]] = []
        amounts: list[NDArray[np.float64]] = []
        for r in self.records:
            n = r.n_doses(horizon)
            t = r.time_h + r.ii_h * np.arange(n, dtype=np.float64)
            times.append(t)
            amounts.append(np.full(n, r.amount_g))
        t_all = np.concatenate(times)
        a_all = np.concatenate(amounts)
        order = np.argsort(t_all, kind="stable")
        t_all, a_all = t_all[order], a_all[order]
        n_total = t_all.size
        for n in (*self.missed, *(n for n, _ in self.late_h)):
            if n > n_total:
                raise RegimenError(
                    bad_value(
                        "Dose number beyond the end of the regimen",
                        n,
                        f"This regimen has {n_total} doses.",
                    )
                )
        for n, delay in self.late_h:
            t_all[n - 1] += delay
        keep = np.ones(n_total, dtype=bool)
        for n in self.missed:
            keep[n - 1] = False
        t_all, a_all = t_all[keep], a_all[keep]
        if t_all.size and t_all.min() < 0:
            raise RegimenError(
                bad_value(
                    "A dose moved before time 0",
                    float(t_all.min()),
                    "Shift an early dose by less than its own time.",
                )
            )
        order = np.argsort(t_all, kind="stable")
        return DoseEvents(times_h=t_all[order], amounts_g=a_all[order])
