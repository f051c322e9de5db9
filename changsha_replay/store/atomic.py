"""Pieces of an atomic file replace (temporary file beside the target, fsync, ``os.replace``),
shared by the scenario writer and the GeoJSON export (no sqlite-utils here, so the export does
not load it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def keep_mode(target: Path, tmp: Path) -> None:
    """The new file gets the old one's permissions (or the usual ones for a new file), not mkstemp's 0600."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; elsewhere nothing to do)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def unchanged_note(target: Path) -> str:
    """What a failed save did to the target: nothing."""
    try:
        exists = target.exists()
    except OSError:
        exists = True
    return "the previous file is unchanged" if exists else "nothing was written"
