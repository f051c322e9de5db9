"""Journaling every edit of the open document as it happens, and recovering the edits after a crash."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal

from .. import __version__
from ..model import edits as model_edits
from ..paths import data_dir_override
from ..store import ScenarioError
from ..store.journal import Journal, JournalInfo, find_journals, mark_failed, read_journal
from .session import Session

SYNC_SECONDS = 0.5  # the journal reaches the disk at most this long after an edit


def journal_folder() -> Path:
    """``journal`` in the user's data folder (``CHANGSHA_REPLAY_DATA`` overrides it)."""
    base = data_dir_override()
    if base is None:
        base = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    return base / "journal"


class JournalKeeper(QObject):
    """Appends each applied edit of the session's document to a journal file (the UI thread
    only writes a line; a background thread syncs it to the disk within ``SYNC_SECONDS``).

    A journal starts with the first edit after an open; after a save it starts again from the
    saved file with the edits made since (those made while the save ran). It is removed when the
    document is saved with nothing left unsaved, or its edits are discarded. If a write fails
    (a full disk), journaling stops until the next save or open and ``failed`` says why: what was
    written stays recoverable.
    """

    failed = Signal(str)

    def __init__(self, session: Session, folder: Path | None = None) -> None:
        super().__init__(session)
        self.session = session
        self.folder = folder or journal_folder()
        self.journal: Journal | None = None
        self.error: str | None = None  # why journaling stopped, if it did
        self.discarded = False  # the user chose to throw the unsaved edits away
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None  # started with the first journal
        session.document.applied.connect(self._on_applied)
        session.scenario_changed.connect(self.discard)
        session.document.modified_changed.connect(self._on_modified_changed)
        session.document.saved_to.connect(self._on_saved)

    def _on_applied(self, label: str, edit: object) -> None:
        if self.error is not None:
            return  # stopped: a journal with a gap would recover something never made
        self.discarded = False
        try:
            if self.journal is None:
                self._start()
            self.journal.append(label, model_edits.to_json(edit))  # type: ignore[union-attr, arg-type]
        except (OSError, ScenarioError) as exc:  # a full disk: editing goes on, unjournaled, and says so
            self._stop_journaling(exc)

    def _start(self, base: Path | None = None) -> None:
        doc = self.session.document
        title = doc.scenario.info.title_en if doc.scenario is not None else ""
        self.journal = Journal(self.folder, base or doc.path, title, __version__)
        if self._syncer is None:
            self._syncer = threading.Thread(target=self._sync_loop, name="journal-sync", daemon=True)
            self._syncer.start()

    def _stop_journaling(self, exc: BaseException) -> None:
        journal, self.journal = self.journal, None
        if journal is not None:
            journal.close(remove=False)  # what it holds is good up to the failed line
        self.error = f"Edits are no longer journaled ({getattr(exc, 'strerror', None) or exc}); save soon."
        self.failed.emit(self.error)

    def _on_saved(self, path: Path) -> None:
        """A save completed: the journal now starts from the saved file, holding only the edits
        made since (or none), so recovery never applies an edit to a file that holds it."""
        self.error = None
        old, self.journal = self.journal, None
        document = self.session.document
        if document.is_modified():
            steps = document.steps_since_saved()
            try:
                self._start(path)
                for label, edit in steps or ():
                    self.journal.append(label, model_edits.to_json(edit))  # type: ignore[union-attr, arg-type]
            except (OSError, ScenarioError) as exc:
                self._stop_journaling(exc)
                self.journal = old  # keep the old one rather than nothing
                return
        if old is not None:
            old.close(remove=True)

    def _on_modified_changed(self, modified: bool) -> None:
        if not modified:  # saved (or undone back to what is saved): nothing left to recover
            self.discard()

    def discard(self) -> None:
        """The edits are saved or thrown away: the journal goes."""
        self.error = None
        journal, self.journal = self.journal, None
        if journal is not None:
            journal.close(remove=True)

    def close(self) -> None:
        """Quitting: stop syncing; a journal with unsaved edits stays for the next start."""
        self._stop.set()
        journal, self.journal = self.journal, None
        if journal is not None:
            journal.close(remove=self.discarded or not self.session.document.is_modified())

    def _sync_loop(self) -> None:
        while not self._stop.wait(SYNC_SECONDS):
            journal = self.journal
            if journal is not None:
                journal.sync()

    # -- recovery ------------------------------------------------------------------------
    def pending(self) -> list[JournalInfo]:
        """Journals of earlier runs that hold edits (none of this run's own)."""
        own = self.journal.file if self.journal is not None else None
        return [j for j in find_journals(self.folder) if j.file != own]

    def recover(self, info: JournalInfo, load) -> tuple[int, int, str | None]:
        """Open the journal's scenario with ``load(path)`` and apply its edits again.

        Returns (edits applied, edits in the journal, error or None). A journal that fails is set
        aside (never offered again); one that succeeds is removed, its edits now journaled anew.
        """
        try:
            _header, entries = read_journal(info.file)
            if info.path is None:
                raise ScenarioError("the journal names no scenario file")
            scenario = load(info.path)
        except ScenarioError as exc:
            mark_failed(info.file)
            return 0, info.edits, str(exc)
        self.session.set_scenario(scenario, info.path)
        done = 0
        for entry in entries:
            try:
                edit = model_edits.from_json(entry.edit)
                self.session.document.apply(edit, entry.label)
            except Exception as exc:  # a damaged or hostile journal: whatever it holds, a clear message
                mark_failed(info.file)
                return done, len(entries), f"edit {done + 1} ({entry.label!r}) cannot be applied: {str(exc)[:200]!r}"
            done += 1
        info.file.unlink(missing_ok=True)
        return done, len(entries), None

    def set_aside(self, info: JournalInfo) -> None:
        """Discard a journal of an earlier run (the user chose not to recover it)."""
        info.file.unlink(missing_ok=True)
