"""Where the application keeps what it can rebuild: the user's cache folder.

One folder for every cache (scenarios read before, symbol SVGs, symbol atlases), so that one
setting moves or disables them all: ``CHANGSHA_REPLAY_CACHE`` names another folder, or ``off``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_CACHE = "CHANGSHA_REPLAY_CACHE"
ENV_DATA = "CHANGSHA_REPLAY_DATA"  # the user's data folder (journals of unsaved edits), for tests and scripts


def data_dir_override() -> Path | None:
    """The data folder named by ``CHANGSHA_REPLAY_DATA``, if set (else the app asks Qt for it)."""
    value = os.environ.get(ENV_DATA, "").strip()
    return Path(value) if value else None


def cache_dir(*parts: str) -> Path | None:
    """The cache folder (joined with ``parts``), or None when caching is switched off."""
    override = os.environ.get(ENV_CACHE)
    if override is not None:
        return None if override.strip().lower() in ("", "off", "0", "no") else Path(override).joinpath(*parts)
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home folder to be found: no cache
        return None
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "Changsha Replay" / "Cache"
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches" / "Changsha Replay"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "changsha-replay"
    return base.joinpath(*parts)
