"""Names of the per-subject scalar outputs, without loading the engine (for option help)."""

#: Per-subject scalar outputs of :func:`kratomsim.engine.subjects.subject_summaries`
#: (``ventilation_nadir_pct``: the largest fall of ventilation, the most negative change from
#: baseline, %).
SCALAR_OUTPUTS = (
    "cmax_mg_nm",
    "auc_mg_nm_h",
    "cmax_7oh_nm",
    "auc_7oh_nm_h",
    "mu_activation_peak",
    "tolerance_peak",
    "withdrawal_peak",
    "ventilation_nadir_pct",
)
