"""The local web app (FastAPI, server-rendered pages). Start it with ``kratomsim serve``."""

from kratomsim.interfaces.web.app import WebSettings as WebSettings
from kratomsim.interfaces.web.app import create_app as create_app
