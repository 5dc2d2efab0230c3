"""Numerics generated from the model specification: the kernels, the SciPy reference, ``simulate``.

The engine takes plain numbers and values (a :class:`~kratomsim.models.dosing.Regimen`, the model
inputs built from the evidence) and never parses text or reads the evidence; the only files it
touches are the generated kernels in the kernel cache (:mod:`.compiled`).
"""
