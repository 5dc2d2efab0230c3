"""Exchange formats: scenario files (YAML/TOML), NONMEM-style event datasets, SBML.

Text and files in, :class:`~kratomsim.models.dosing.Regimen` values and plain numbers out (and the
reverse). This layer reads only the model, the evidence and the errors; nothing below it reads these
formats.
"""
