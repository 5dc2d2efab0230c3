"""Where kratomsim keeps what it can rebuild (compiled kernels, the regimen parser's tables).

``$KRATOMSIM_CACHE`` or the user's cache directory (``platformdirs``). Everything in it is derived
from the installed package and rebuilt when missing or stale, so it can be deleted at any time.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The cache folder: ``$KRATOMSIM_CACHE`` or the user cache directory of ``kratomsim``."""
    env = os.environ.get("KRATOMSIM_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("kratomsim"))
