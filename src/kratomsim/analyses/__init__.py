"""Analyses built on the engine: pain-response outcomes with uncertainty, taper comparison, Sobol
sensitivity, and the calibration of the PK parameters to published human data."""
