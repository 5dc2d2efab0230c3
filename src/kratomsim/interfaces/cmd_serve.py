"""The ``serve`` command: run the local web app (binds 127.0.0.1 unless a token file is given).

While the server starts, the model's kernels load in a background thread, so that the first
simulation a person asks for does not wait for them; the journal's personal fit is computed ahead
in the same way, at the start and after each change.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Annotated

import typer

from kratomsim.interfaces.options import out
from kratomsim.interfaces.safety import EMERGENCY_ENV

PLAIN_HTTP = (
    "This is plain HTTP: the connection is not encrypted. Anyone on the network between a "
    "browser and this computer could read the pages, the journal and the token. Use it on this "
    "computer or a network you trust, or put it behind an HTTPS proxy."
)


def usable_addresses(host: str, port: int) -> list[str]:
    """Addresses a person can type: a wildcard bind is reached as this machine's name or loopback."""
    if host in ("0.0.0.0", "::", ""):
        names = ["127.0.0.1", socket.gethostname()]
        try:
            names.insert(1, socket.gethostbyname(socket.gethostname()))
        except OSError:
            pass
        return [f"http://{n}:{port}/" for n in dict.fromkeys(names)]
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}/"]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("serve")(serve_cmd)


def serve_cmd(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8050,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on. Other than loopback needs --token-file."
        ),
    ] = "127.0.0.1",
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="File holding the access token (at least 32 characters; readable by you only).",
        ),
    ] = None,
    emergency_number: Annotated[
        str | None,
        typer.Option(
            "--emergency-number",
            help=f"What the safety panels say to call, e.g. '000 (Australia)' (default: "
            f"${EMERGENCY_ENV}, else 911 (US) / 112 (EU)).",
        ),
    ] = None,
) -> None:
    """Run the local web app: simulate, check interactions, keep the journal, download reports."""
    # Imported here so that other commands do not pay for the web stack.
    import uvicorn

    from kratomsim.interfaces.safety import check_emergency_number
    from kratomsim.interfaces.web import WebSettings, create_app
    from kratomsim.interfaces.web.security import check_bind
    from kratomsim.journal.store import journal_path

    token = check_bind(host, token_file)
    if emergency_number is not None:
        emergency_number = check_emergency_number(emergency_number)
    settings = WebSettings(
        host=host, port=port, token=token, emergency_number=emergency_number, fit_ahead=True
    )
    app = create_app(settings)
    _warm_up_in_background()
    app.state.fit_ahead.request(journal_path())  # the journal as it stands, fitted ahead too
    addresses = usable_addresses(host, port)
    out.print(f"kratomsim web app: open {addresses[0]} (Ctrl+C stops it)", markup=False)
    for extra in addresses[1:]:
        out.print(f"  or {extra}", markup=False)
    if token is not None:
        out.print("Every browser logs in once with the access token (at /login).", markup=False)
        out.print(PLAIN_HTTP, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _warm_up_in_background() -> threading.Thread:
    """Load the model's kernels while the server starts (about a second; a first compile longer),
    so that the first simulation a person asks for answers without that wait. A failure here is
    left to the request that needs the model, which reports it in words."""
    from kratomsim.interfaces.web.services import warm_up

    def run() -> None:
        try:
            warm_up()
        except Exception:  # the first request meets the same problem and reports it
            return

    thread = threading.Thread(target=run, name="kratomsim-warm-up", daemon=True)
    thread.start()
    return thread
