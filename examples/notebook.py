"""kratomsim from Python, the way a notebook uses it: every entry of the API, each as a DataFrame.

Run it with ``python examples/notebook.py`` (about half a minute once the model is compiled; see
``kratomsim warm-up``). Small numbers of draws and people keep it quick; real questions use the
defaults. Nothing here suggests an amount to take: the regimens are examples to simulate.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

import kratomsim
from kratomsim.journal import PainEntry

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 8)


def show(title: str, result: object, frame: pd.DataFrame | None = None) -> None:
    """Print a result's one-line summary and the head of its table."""
    print(f"\n## {title}\n{result!r}")
    if frame is not None:
        print(frame.head())


# Exposure: plasma mitragynine and 7-OH over time (ng/mL).
sim = kratomsim.simulate("2 g every 8 h for 3 days", product="tea")
show("simulate", sim, sim.to_frame())

# Receptor activation, tolerance, withdrawal and relief, each with a 90 % interval.
res = kratomsim.outcomes("2 g every 8 h for 3 days", pain="chronic", baseline_pain=6, draws=8)
show("outcomes", res, res.to_frame()[["time_h", "mu_activation", "tolerance", "withdrawal_score"]])

# A virtual trial: people differ in absorption and clearance.
pop = kratomsim.trial("2 g once", n=64, seed=1, duration="2 d")
show("trial", pop, pop.to_frame())

# Medicines and conditions: evidence-graded findings to discuss with a clinician.
found = kratomsim.check(medications=["alprazolam", "sertraline"], conditions=["fatty liver"])
show("check", found, found.to_frame()[["rule_id", "severity", "title"]])

# How kratom changes another drug's exposure (AUC ratio with its 5-95 % interval).
ddi = kratomsim.interactions("2 g every 8 h for 3 days", drugs=["midazolam"], draws=10)
show("interactions", ddi, ddi.to_frame()[["drug", "auc_ratio", "auc_ratio_low", "auc_ratio_high"]])

# Taper plans compared after four weeks of the current use.
plans = kratomsim.taper("4 g three times daily", plans=["stop", "-25% per week"], draws=4)
show("taper", plans, plans.to_frame())

# Every value a run uses, with its source and evidence grade.
cited = kratomsim.cite("2 g once")
show("cite", cited, cited.to_frame()[["name", "value", "unit", "grade", "source"]])

# The model's predictions beside the human observations it can predict.
checked = kratomsim.validate(fast=True)
show("validate", checked, checked.to_frame()[["what", "observed", "predicted"]])

with tempfile.TemporaryDirectory() as tmp:
    # The clinician report, as HTML (a .pdf path writes a PDF).
    files = kratomsim.report("2 g every 8 h for 3 days", output=Path(tmp) / "report.html", draws=20)
    show("report", files)

    # The personal journal: a private SQLite file.
    with kratomsim.Journal(Path(tmp) / "journal.sqlite3") as journal:
        journal.add(PainEntry(6, "2026-11-20 08:10"))
        journal.add(PainEntry(4, "2026-11-20 20:10"))
        show("Journal", journal, journal.to_frame())
