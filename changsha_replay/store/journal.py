"""The journal of unsaved edits: one JSON line per edit, appended as it happens.

A crash of the program loses nothing already appended (the line is in the operating system's
hands once ``append`` returns); ``sync`` (called by the app at most a second later, off the UI
thread) makes it survive a power cut too. At the next start the journals left behind are
offered for recovery: the base file is opened and the edits applied again in order.

Layout of a journal file (``<id>.journal``): a header line ``{"journal": 1, "path": …,
"title": …, "started": …, "app": …}`` then one line per edit ``{"at": epoch seconds, "label":
…, "edit": <model.edits JSON>}``. A half-written last line (the crash came mid-write) is ignored.
"""

from __future__ import annotations

import contextlib
import json
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
        self._dirty = False
        self._lock = threading.Lock()  # sync (another thread) never meets a closed descriptor
        header = {
            "journal": JOURNAL_VERSION,
            "path": None if base is None else str(base),
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
    """Journals left behind in ``folder`` that hold at least one edit, newest first (unreadable
    ones are skipped, and files that failed to recover are never offered again)."""
    found = []
    if not folder.is_dir():
        return found
    for file in folder.glob(f"*{SUFFIX}"):
        try:
            header, entries = read_journal(file)
        except ScenarioError:
            continue
        if entries:
            path = header.get("path")
            title = str(header.get("title", ""))
            found.append(JournalInfo(file, Path(path) if path else None, title, len(entries), entries[-1].at))
    return sorted(found, key=lambda j: j.last_edit, reverse=True)


def read_journal(file: Path) -> tuple[dict, list[JournalEntry]]:
    """The header and the complete entries of a journal; ScenarioError when it is none."""
    try:
        if file.stat().st_size > MAX_JOURNAL_BYTES:
            raise ScenarioError(f"{file.name}: too large to be a journal")
        data = file.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{file.name}: cannot be read ({exc.strerror or exc})") from None
    lines = data.split(b"\n")
    complete, tail = lines[:-1], lines[-1]  # the tail is empty, or a line cut short by a crash
    del tail
    if not complete:
        raise ScenarioError(f"{file.name}: empty journal")
    try:
        header = json.loads(complete[0])
    except (ValueError, RecursionError):
        raise ScenarioError(f"{file.name}: not a journal") from None
    if not isinstance(header, dict) or header.get("journal") != JOURNAL_VERSION:
        raise ScenarioError(f"{file.name}: not a journal of this version")
    entries = []
    for number, line in enumerate(complete[1:], 2):
        try:
            record = json.loads(line, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise ScenarioError(f"{file.name}: line {number} is damaged") from None
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("at"), (int, float))
            or not isinstance(record.get("label"), str)
            or not isinstance(record.get("edit"), dict)
        ):
            raise ScenarioError(f"{file.name}: line {number} is not an edit")
        entries.append(JournalEntry(float(record["at"]), record["label"], record["edit"]))
    return header, entries


def mark_failed(file: Path) -> Path:
    """Set a journal aside after a failed recovery: it is kept (for a bug report) but never offered again."""
    target = file.with_suffix(FAILED_SUFFIX)
    with contextlib.suppress(OSError):
        os.replace(file, target)
    return target


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")
