"""User interfaces: the command line, the local web app and the Python entry that takes text
(:mod:`.api`, ``kratomsim.simulate``). The only layer that prints, parses argv or serves HTTP;
text and files are parsed here, once, into the values the library takes."""
