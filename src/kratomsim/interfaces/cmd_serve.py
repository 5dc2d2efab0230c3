"""The ``serve`` command: run the local web app (binds 127.0.0.1 unless a token file is given)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kratomsim.interfaces.options import out


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
            help="File holding the access token every request must carry (not world-readable).",
        ),
    ] = None,
) -> None:
    """Run the local web app: simulate, check interactions, keep the journal, download reports."""
    # Imported here so that other commands do not pay for the web stack.
    import uvicorn

    from kratomsim.interfaces.web import WebSettings, create_app
    from kratomsim.interfaces.web.security import check_bind

    token = check_bind(host, token_file)
    app = create_app(WebSettings(host=host, port=port, token=token))
    shown = f"[{host}]" if ":" in host else host
    out.print(f"kratomsim web app on http://{shown}:{port}/ (Ctrl+C stops it)", markup=False)
    if token is not None:
        out.print("Every request needs the access token: open /login first.", markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
