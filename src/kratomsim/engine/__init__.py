"""Numerics: exact propagation of the linear PK system, the fused full-model kernels, ``simulate``.

The engine takes plain numbers and values (a :class:`~kratomsim.models.dosing.Regimen`, the model
inputs built from the evidence) and never reads a file or parses text.
"""
