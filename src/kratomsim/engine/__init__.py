"""Numerics: exact propagation of the linear PK system, an ODE cross-check, and ``simulate``."""
