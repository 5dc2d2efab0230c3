"""The web app's one door into the library: simulation, checks, tapers, the personal fit, reports.

Every page calls the model, the risk rules, the journal fit and the report builders through the
functions here, never directly, so that a change of the library's signatures or package layout is
adapted in this one module. Form text is parsed here, once, into the values the library takes (a
:class:`~kratomsim.models.dosing.Regimen`, a :class:`~kratomsim.evidence.schema.Product`, taper
plans, a forecast plan); a scenario-file name is refused. Typed lists of medicines and conditions
are read item by item in :mod:`kratomsim.interfaces.web.names`. The functions take and return
plain values; the pages turn them into HTML. Results of the expensive calls are cached per input, so a page,
its CSV download and its no-JavaScript PNG fallback compute once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from matplotlib.figure import Figure

from kratomsim.analyses.outcomes import (
    DEFAULT_DRAWS,
    Outcomes,
    OutcomeSeries,
    simulate_outcomes,
)
from kratomsim.analyses.taper import TAPER_DRAWS, TaperResult, compare_tapers
from kratomsim.errors import JournalError, KratomsimError, RegimenError, bad_value
from kratomsim.evidence import Product, load_products, load_references, resolve_product
from kratomsim.evidence.bibliography import short_names
from kratomsim.evidence.loader import DEFAULT_PRODUCT
from kratomsim.evidence.medication_names import resolve_medication
from kratomsim.evidence.medication_schema import Medication
from kratomsim.interfaces.api import product_for, read_plan
from kratomsim.interop.scenario import is_scenario_path
from kratomsim.journal import fit_data
from kratomsim.journal.entries import StoredEntry
from kratomsim.journal.fit import Forecast, PersonalFit
from kratomsim.journal.fit_model import prepare_likelihood_kernel
from kratomsim.journal.store import open_journal
from kratomsim.models.dosing import Regimen
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.models.taper import parse_plan
from kratomsim.models.withdrawal import SIGNS_THRESHOLD
from kratomsim.reports.clinician import exposure_bands, report_data
from kratomsim.reports.clinician_render import render_report_html, render_report_pdf
from kratomsim.reports.journal_forecast import fit_entries
from kratomsim.reports.journal_report import journal_report_data, render_journal_report
from kratomsim.reports.plots import plot_exposure, plot_outcomes, plot_taper
from kratomsim.risk.check import CheckResult
from kratomsim.risk.conditions import Condition, resolve_condition
from kratomsim.risk.ddi import InteractionPrediction, check_use
from kratomsim.risk.exposure import risk_constant

# --- simulation ---------------------------------------------------------------------------------

#: Parameter draws per web simulation: the library's (and ``kratomsim simulate``'s) default, so
#: the page shows the same numbers and intervals as the command line for the same regimen.
SIM_DRAWS = DEFAULT_DRAWS
PainModel = Literal["", "acute", "chronic"]
#: Withdrawal score (SOWS points) from which the model counts signs of withdrawal.
SIGNS_SOWS: float = SIGNS_THRESHOLD


@dataclass(frozen=True)
class SimInput:
    """What the Simulate form asks (regimen text only: a web request never names a file)."""

    regimen: str
    product: str = "leaf-powder"
    mg_per_g: float | None = None
    oh7_mg_per_g: float | None = None
    pain: PainModel = ""
    baseline_pain: float = 6.0


@dataclass(frozen=True)
class SimResult:
    """The outcomes of one simulation and the intervals of its exposure."""

    input: SimInput
    outcomes: Outcomes
    #: ``cmax_mg_nm`` … as :func:`kratomsim.reports.clinician.exposure_bands` gives them (nM),
    #: over the same parameter draws as ``outcomes``.
    exposure: dict[str, dict[str, float]]


def refuse_files(text: str, field_name: str = "regimen") -> None:
    """A regimen typed into a form is text; a scenario-file name is refused."""
    if is_scenario_path(text.strip()):
        raise RegimenError(
            bad_value(
                f"The web app takes the {field_name} as text, not a scenario file",
                text.strip(),
                "Type the regimen, e.g. '2 g every 8 h for 14 days'.",
            )
        )


def read_regimen(text: str, field_name: str = "regimen") -> Regimen:
    """Regimen text from a form, parsed once here (a scenario-file name is refused)."""
    refuse_files(text, field_name)
    return parse_regimen(text)


def read_product(name: str) -> Product:
    """A product menu's choice (empty: the default product)."""
    return resolve_product(name or DEFAULT_PRODUCT)


@lru_cache(maxsize=32)
def simulate(inp: SimInput) -> SimResult:
    """Exposure, receptor, tolerance, withdrawal and relief with intervals (cached per input)."""
    regimen = read_regimen(inp.regimen)
    res = simulate_outcomes(
        regimen,
        product=product_for(regimen, inp.product or None, inp.mg_per_g, inp.oh7_mg_per_g),
        mg_per_g=inp.mg_per_g,
        oh7_mg_per_g=inp.oh7_mg_per_g,
        pain=inp.pain or None,
        baseline_pain=inp.baseline_pain,
        n_draws=SIM_DRAWS,
        seed=0,
    )
    # the exposure intervals come from the same draws as the outcomes: the model runs once
    return SimResult(inp, res, exposure_bands(res))


#: The tiny case :func:`warm_up` simulates: it needs the same kernels as any Simulate request.
WARM_UP_REGIMEN = "2 g every 8 h for 2 days"


def warm_up() -> None:
    """Load what the first simulation needs (the regimen parser, the model's compiled kernels) by
    simulating a tiny case, and the personal fit's kernel, so that the first Simulate or forecast
    request does not wait for them.

    ``kratomsim serve`` runs this in the background while the server starts; nothing is cached
    that a request would see (the tiny case is not a form's input).
    """
    simulate_outcomes(parse_regimen(WARM_UP_REGIMEN), n_draws=2, seed=0)
    prepare_likelihood_kernel()  # and the personal fit's, for the first forecast


def outcome_frame(res: Outcomes) -> pd.DataFrame:
    """Every series of a simulation as one table (model names as columns)."""
    return res.to_frame()


def exposure_figure(res: Outcomes) -> Figure:
    return plot_exposure(res.exposure)


def outcomes_figure(res: Outcomes) -> Figure:
    return plot_outcomes(res)


def concentrate_mg_per_g() -> float:
    """7-OH content (mg/g) from which a product counts as a concentrated 7-OH product (R22)."""
    return risk_constant("oh7_concentrate_mg_per_g").value


def product_choices() -> list[tuple[str, str]]:
    """Product ids with their names, for the product menus."""
    return [(p.id, p.name) for p in load_products()]


def product_contents() -> dict[str, tuple[float, float]]:
    """Default mitragynine and 7-OH content (mg/g) of each product."""
    return {p.id: (p.mg_per_g.value, p.oh7_mg_per_g.value) for p in load_products()}


# --- checks -------------------------------------------------------------------------------------

#: Parameter draws behind each predicted exposure change on the page.
DDI_DRAWS = 40


@dataclass(frozen=True)
class CheckInput:
    medications: tuple[str, ...]
    conditions: tuple[tuple[str, str | None], ...]
    regimen: str = ""
    product: str = ""
    mg_per_g: float | None = None


@lru_cache(maxsize=32)
def _check(inp: CheckInput) -> tuple[CheckResult, list[InteractionPrediction]]:
    meds = [resolve_medication(m) for m in inp.medications]
    conds = [resolve_condition(text) for text, _ in inp.conditions]
    regimen = read_regimen(inp.regimen) if inp.regimen.strip() else None
    return check_use(
        meds,
        conds,
        regimen,
        product=(
            product_for(regimen, inp.product or None, inp.mg_per_g, None)
            if regimen is not None
            else (resolve_product(inp.product) if inp.product else None)
        ),
        mg_per_g=inp.mg_per_g,
        n_draws=DDI_DRAWS,
        seed=0,
    )


def run_check(
    medications: Sequence[Medication],
    conditions: Sequence[Condition],
    regimen: str = "",
    product: str = "",
    mg_per_g: float | None = None,
) -> tuple[CheckResult, list[InteractionPrediction]]:
    """The risk rules (and, with a regimen, the predicted exposure changes) for known items."""
    if regimen.strip():
        refuse_files(regimen)
    inp = CheckInput(
        tuple(m.id for m in medications),
        tuple((c.text or c.name, c.subclass) for c in conditions),
        regimen.strip(),
        product,
        mg_per_g,
    )
    return _check(inp)


def check_one(med: Medication) -> CheckResult:
    """The rules for kratom with one medicine or substance (fast: no simulation)."""
    return _check(CheckInput((med.id,), ()))[0]


# --- citations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    key: str
    short: str
    full: str
    href: str


def cite(key: str) -> Citation:
    """A citation key as a short name, the full reference and a link (DOI or URL)."""
    ref = load_references().get(key)
    if ref is None:
        return Citation(key, key, key, "")
    href = f"https://doi.org/{ref.doi}" if ref.doi else ref.url
    return Citation(key, short_names()[key], ref.plain(), href)


def citations(keys: Sequence[str]) -> list[Citation]:
    """The citations of ``keys`` once each, in order of first mention."""
    return [cite(k) for k in dict.fromkeys(keys)]


# --- tapers ---------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def compare(
    current: str, plans: tuple[str, ...], product: str = "", mg_per_g: float | None = None
) -> tuple[TaperResult, ...]:
    """Taper plans after four weeks of the current use (the library's taper comparison)."""
    return compare_tapers(
        read_regimen(current, "current use"),
        [parse_plan(p) for p in plans],
        product=read_product(product),
        mg_per_g=mg_per_g,
        n_draws=TAPER_DRAWS,  # the library's (and ``kratomsim taper``'s) default
        seed=0,
    )


def taper_figure(results: Sequence[TaperResult]) -> Figure:
    return plot_taper(results)


# --- the personal fit -----------------------------------------------------------------------------

#: The days of the journal the fit reads (:data:`kratomsim.journal.fit_data.FIT_WINDOW_DAYS`).
FIT_WINDOW_DAYS = fit_data.FIT_WINDOW_DAYS
FORECAST_DRAWS = 300
#: Fits of the latest journal states (keyed by the entries fitted), shared by the Personal
#: forecast page and the report from the journal: a fit takes seconds, a change of any entry
#: (added, edited, deleted) makes a new key.
_FITS: dict[tuple[Any, ...], PersonalFit] = {}
_FITS_KEPT = 4
_FIT_LOCK = threading.Lock()


def fit_journal(entries: Sequence[StoredEntry]) -> PersonalFit:
    """The personal fit of these entries (the report's fit, cached per entries)."""
    key = tuple((e.id, e.at, e.updated_at, e.deleted_at) for e in entries)
    with _FIT_LOCK:  # one fit at a time: a second request for the same entries waits for it
        if key not in _FITS:
            while len(_FITS) >= _FITS_KEPT:
                _FITS.pop(next(iter(_FITS)))
            _FITS[key] = fit_entries(entries)
        return _FITS[key]


class FitAhead:
    """Fits a journal's latest entries in a background thread after each change, so that the
    Personal forecast page and the report from the journal find the fit ready (a month of entries
    takes about 2 s to fit; a cached fit, nothing).

    :meth:`request` never waits: it notes the journal and starts the worker if none runs. The
    worker fits the newest state it is asked for; requests that arrive during a fit collapse into
    one more fit of the state after them. A page that needs the fit while it runs waits for it
    (:func:`fit_journal`'s lock) instead of starting a second one. A journal too thin to fit, or
    one the model cannot use, is skipped: the page that needs the fit says why.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: Path | None = None
        self._worker: threading.Thread | None = None

    def request(self, path: Path) -> None:
        """Fit the journal at ``path`` as soon as the worker is free."""
        with self._lock:
            self._wanted = path
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="kratomsim-fit", daemon=True)
                self._worker.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no fit is running or asked for; ``False`` if ``timeout`` s passed first."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True

    def _run(self) -> None:
        while True:
            with self._lock:
                path, self._wanted = self._wanted, None
                if path is None:
                    self._worker = None
                    return
            fit_latest(path)


def fit_latest(path: Path) -> PersonalFit | None:
    """The fit of the latest entries of the journal at ``path`` (cached as the pages use it), or
    ``None`` when there is no journal or it is too thin or unusable to fit."""
    if not path.exists():
        return None
    try:
        with open_journal(path, readonly=True) as journal:
            entries = journal.entries()
        return fit_journal(fit_data.recent_entries(entries))
    except KratomsimError:
        return None


def forecast(
    entries: Sequence[StoredEntry], plan: str, horizon: str
) -> tuple[PersonalFit, Forecast]:
    """Fit the journal's last weeks and forecast the plan the person chose."""
    chosen = read_plan(plan)  # a regimen it cannot read is refused before the fit's work
    fit = fit_journal(fit_data.recent_entries(entries))
    return fit, fit.forecast(chosen, horizon, n_draws=FORECAST_DRAWS, seed=0)


# --- reports --------------------------------------------------------------------------------------

#: Parameter draws behind a report's intervals.
REPORT_DRAWS = 30
ReportFormat = Literal["html", "pdf"]


def regimen_report(
    fmt: ReportFormat,
    regimen: str,
    *,
    product: str = "",
    mg_per_g: float | None = None,
    medications: Sequence[Medication] = (),
    conditions: Sequence[Condition] = (),
    baseline_pain: float | None = None,
) -> bytes:
    """The clinician report of a regimen (the same as ``kratomsim report`` writes)."""
    parsed = read_regimen(regimen)
    data = report_data(
        parsed,
        product=product_for(parsed, product or None, mg_per_g, None),
        mg_per_g=mg_per_g,
        medications=tuple(medications),
        conditions=tuple(conditions),
        baseline_pain=baseline_pain,
        n_draws=REPORT_DRAWS,
        seed=0,
    )
    return render_report_pdf(data) if fmt == "pdf" else render_report_html(data).encode("utf-8")


def journal_report(
    fmt: ReportFormat,
    entries: Sequence[StoredEntry],
    *,
    since: str,
    until: str,
    medications: Sequence[Medication] = (),
    conditions: Sequence[Condition] = (),
) -> bytes:
    """The clinician report of a journal period (doses taken, trends, substances, outlook)."""
    if not entries:
        raise JournalError(
            bad_value("No journal entries in this period", f"{since} to {until}", "Widen it.")
        )
    data = journal_report_data(
        entries,
        since=since,
        until=until,
        medications=medications,
        conditions=conditions,
        n_draws=REPORT_DRAWS,
        fitter=fit_journal,
    )
    return render_journal_report(data, fmt)


#: Result types the pages read (re-exported so that the pages import nothing from the engine).
__all__ = [
    "CheckResult",
    "InteractionPrediction",
    "OutcomeSeries",
    "Outcomes",
    "TaperResult",
]
