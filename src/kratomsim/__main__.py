"""``python -m kratomsim`` runs the command line."""

from kratomsim.interfaces.cli import console

console()
