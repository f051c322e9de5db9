"""Saving scenario files on a worker thread: the window stays responsive while a large one is written."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..model import Scenario
from ..store import ScenarioError


def save_document(scenario: Scenario, path: Path) -> None:
    """Save a document: in a forked child process (``store.forked``), without validating again
    and without compaction (the parts copied from the file read are in full pages anyway, and
    the next save copies the others into full pages too: a file saved from memory is about 10 %
    larger only until then).

    A document is valid by construction (read from a file that validated, then changed only by
    edits that each check what they affect, journal recovery included). Both choices keep
    Python work out of this process while the window runs: a thread running Python starves the
    GUI thread of the GIL (measured: a 1.5 s pure-Python loop on a worker made one frame last
    1.5 s), and validation and the rows written from memory are Python."""
    from ..store.forked import save_in_child  # sqlite-utils is loaded only when a file is written

    save_in_child(scenario, path, check=False, compact=False)


class ScenarioSaver(QObject):
    """Saves one scenario at a time with ``save_document`` from a worker thread (which waits
    for the saving process).

    The scenario is immutable, so the thread writes the very object the window shows while
    the user goes on editing (edits make new scenarios). ``saved(path, token)`` or
    ``failed(path, token, error)`` arrive on the GUI thread; ``token`` is what the caller passed
    to :meth:`start` (the undo index the save started at).
    """

    saved = Signal(object, object)  # Path, token
    failed = Signal(object, object, object)  # Path, token, ScenarioError
    busy_changed = Signal(bool)
    _done = Signal(object, object, object)  # from the worker: path, token, error or None

    def __init__(
        self, parent: QObject | None = None, save_file: Callable[[Scenario, Path], None] = save_document
    ) -> None:
        super().__init__(parent)
        self._save_file = save_file
        self._thread: threading.Thread | None = None
        self.path: Path | None = None
        self._done.connect(self._on_done)

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, scenario: Scenario, path: Path, token: object = None) -> bool:
        """Begin saving; False (and nothing starts) while another save runs."""
        if self.busy:
            return False
        self.path = Path(path)
        self._thread = threading.Thread(
            target=self._work, args=(scenario, self.path, token), name="scenario-saver", daemon=False
        )
        self._thread.start()
        self.busy_changed.emit(True)
        return True

    def wait(self) -> None:
        """Block until a running save ends (quitting must not cut a save short)."""
        if self._thread is not None:
            self._thread.join()

    def _work(self, scenario: Scenario, path: Path, token: object) -> None:
        error = None
        try:
            self._save_file(scenario, path)
        except ScenarioError as exc:
            error = exc
        except Exception as exc:  # never a traceback on a worker thread: a clear message instead
            error = ScenarioError(f"{path.name}: saving failed ({type(exc).__name__}: {str(exc)[:160]})")
        with contextlib.suppress(RuntimeError):  # the saver was deleted (window closed) meanwhile
            self._done.emit(path, token, error)

    def _on_done(self, path: Path, token: object, error: ScenarioError | None) -> None:
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self.busy_changed.emit(False)
        if error is None:
            self.saved.emit(path, token)
        else:
            self.failed.emit(path, token, error)
