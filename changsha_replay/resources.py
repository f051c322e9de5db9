"""Where the application's bundled files are, from source and when frozen (PyInstaller)."""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    """The folder holding ``scenarios/`` and ``resources/`` (the bundle folder when frozen)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def bundled_scenarios_dir() -> Path:
    return app_root() / "scenarios"


def default_scenario() -> Path:
    """The scenario opened when no other is given."""
    return bundled_scenarios_dir() / "changsha-1942.sqlite"


def resource(*parts: str) -> Path:
    return app_root().joinpath("resources", *parts)


def is_bundled(path: Path) -> bool:
    """True for files of the bundled scenarios folder, which are never written."""
    try:
        return Path(path).resolve().parent == bundled_scenarios_dir().resolve()
    except OSError:
        return False
