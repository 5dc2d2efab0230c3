"""Notices the engine gives before slow one-off work, for an interface to show.

The engine never prints. Before it generates or compiles a kernel that this machine has not
compiled yet (a minute or so, once), it calls :func:`notify` with :data:`COMPILING`; an interface
that wants to say so subscribes a listener, e.g. the command line writes one line to stderr.
This module loads nothing else, so an interface can subscribe without loading the engine.
"""

from __future__ import annotations

from collections.abc import Callable

#: A kernel is about to be generated or compiled for this machine.
COMPILING = "compiling"

_listeners: list[Callable[[str], None]] = []


def subscribe(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call ``listener(event)`` on every notice; returns a function that unsubscribes it."""
    _listeners.append(listener)

    def unsubscribe() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return unsubscribe


def notify(event: str) -> None:
    """Tell every listener about ``event`` (one of the names above)."""
    for listener in tuple(_listeners):
        listener(event)
