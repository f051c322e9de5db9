"""The journal of unsaved edits: one JSON line per edit, appended as it happens.

A crash of the program loses nothing already appended (the line is in the operating system's
hands once ``append`` returns); ``sync`` (called by the app at most half a second later, off the
UI thread) makes it survive a power cut too. At the next start the journals left behind are
offered for recovery: the base file is opened and the edits applied again in order.

Layout of a journal file (``<id>.journal``): a header line ``{"journal": 1, "path": …,
"title": …, "started": …, "app": …}`` then one line per edit ``{"at": epoch seconds, "label":
…, "edit": <model.edits JSON>}``. Reading stops at a half-written or damaged line (a crash
mid-write, a full disk): the edits before it are good.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
import uuid
from pathlib import Path
from typing import NamedTuple

from .errors import ScenarioError

JOURNAL_VERSION = 1
SUFFIX = ".journal"
FAILED_SUFFIX = ".failed"
MAX_JOURNAL_BYTES = 512 * 1024 * 1024  # far beyond a day's editing; a bigger file is not ours

try:  # a journal in use is locked, so another running instance never offers it for recovery
    import fcntl
except ImportError:  # Windows: no advisory locks (one instance at a time is the rule there)
    fcntl = None  # type: ignore[assignment]


class JournalEntry(NamedTuple):
    at: float
    label: str
    edit: dict


class JournalInfo(NamedTuple):
    """What a journal left behind holds, for the recovery question."""

    file: Path
    path: Path | None  # the scenario file the edits apply to (None: none)
    title: str
    edits: int
    last_edit: float  # epoch seconds


class Journal:
    """An open journal, written by the UI thread (``append``) and synced by another (``sync``)."""

    def __init__(self, folder: Path, base: Path | None, title: str, app: str = "") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.file = folder / f"{uuid.uuid4().hex}{SUFFIX}"
        self._fd: int | None = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._dirty = False
        self._lock = threading.Lock()  # sync (another thread) never meets a closed descriptor
        header = {
            "journal": JOURNAL_VERSION,
            "path": None if base is None else str(Path(base).resolve()),  # any working folder finds it
            "title": title,
            "started": time.time(),
            "app": app,
        }
        self._write(header)
        self.sync()

    def _write(self, record: dict) -> None:
        if self._fd is None:
            raise ScenarioError("the journal is closed")
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode()
        view = memoryview(line)
        while view:  # one write almost always; a short write continues where it stopped
            view = view[os.write(self._fd, view) :]
        self._dirty = True

    def append(self, label: str, edit: dict) -> None:
        """Add one edit (in the operating system's hands when this returns)."""
        self._write({"at": time.time(), "label": label, "edit": edit})

    def sync(self) -> None:
        """Flush what was appended to the disk (safe to call from another thread)."""
        with self._lock:
            fd = self._fd
            if fd is not None and self._dirty:
                self._dirty = False
                with contextlib.suppress(OSError):
                    os.fsync(fd)

    def close(self, *, remove: bool) -> None:
        """Stop journaling; ``remove`` deletes the file (the edits are saved or discarded)."""
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is not None:
                if not remove:
                    with contextlib.suppress(OSError):
                        os.fsync(fd)
                os.close(fd)
        if remove:
            self.file.unlink(missing_ok=True)


def find_journals(folder: Path) -> list[JournalInfo]:
    """Journals left behind in ``folder`` that hold at least one edit, newest first. Unreadable
    ones, those in use by a running instance and those that failed to recover are skipped."""
    found = []
    if not folder.is_dir():
        return found
    for file in folder.glob(f"*{SUFFIX}"):
        if _in_use(file):
            continue
        try:
            header, entries = read_journal(file)
        except ScenarioError:
            continue
        if entries:
            path = header["path"]
            found.append(JournalInfo(file, Path(path) if path else None, header["title"], len(entries), entries[-1].at))
    return sorted(found, key=lambda j: j.last_edit, reverse=True)


def _in_use(file: Path) -> bool:
    if fcntl is None:
        return False
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError:
        return True  # cannot even be opened: not ours to offer
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also releases the probe's lock
    return False


def read_journal(file: Path) -> tuple[dict, list[JournalEntry]]:
    """The header and the entries of a journal up to the first incomplete or damaged line (a
    crash mid-write, a full disk); ScenarioError when the file is no journal at all."""
    try:
        if file.stat().st_size > MAX_JOURNAL_BYTES:
            raise ScenarioError(f"{file.name}: too large to be a journal")
        data = file.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{file.name}: cannot be read ({exc.strerror or exc})") from None
    lines = data.split(b"\n")[:-1]  # what follows the last newline is a line cut short
    if not lines:
        raise ScenarioError(f"{file.name}: empty journal")
    try:
        header = json.loads(lines[0], parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ScenarioError(f"{file.name}: not a journal") from None
    if (
        not isinstance(header, dict)
        or header.get("journal") != JOURNAL_VERSION
        or not isinstance(header.get("path"), (str, type(None)))
        or not isinstance(header.get("title", ""), str)
    ):
        raise ScenarioError(f"{file.name}: not a journal of this version")
    header = {**header, "title": header.get("title", "")[:200]}
    entries = []
    for line in lines[1:]:
        try:
            record = json.loads(line, parse_constant=_no_constant)
            at = float(record["at"]) if isinstance(record, dict) and _number(record.get("at")) else math.nan
        except (ValueError, RecursionError, OverflowError):
            break
        if not (0 <= at < 1e11) or not isinstance(record.get("label"), str) or not isinstance(record.get("edit"), dict):
            break  # damaged from here on: the edits before it are still good
        entries.append(JournalEntry(at, record["label"][:200], record["edit"]))
    return header, entries


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def mark_failed(file: Path) -> Path:
    """Set a journal aside after a failed recovery: it is kept (for a bug report) but never offered again."""
    target = file.with_suffix(FAILED_SUFFIX)
    with contextlib.suppress(OSError):
        os.replace(file, target)
    return target


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")
