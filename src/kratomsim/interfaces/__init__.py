"""User interfaces: the command line (and later the web app). The only layer that prints."""
