"""Names of the shipped data files that other layers and the command line refer to.

Kept apart from the loader so that naming a file does not load the schema.
"""

#: The calibrated PK parameters (written by ``kratomsim calibrate``).
CALIBRATED_PK_FILE = "pk_calibrated.toml"
