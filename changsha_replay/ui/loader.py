"""Opening scenario files on a worker thread, so the window stays responsive while a large one loads."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..model import Scenario
from ..store import ScenarioError, load


class ScenarioLoader(QObject):
    """Loads one file at a time with ``store.load`` on a worker thread.

    ``loaded(path, scenario)`` or ``failed(path, error)`` arrive on the GUI thread (queued
    signals); ``busy_changed`` says when loading starts and ends. Nothing changes in the
    session here: the receiver decides what to do with the result.
    """

    loaded = Signal(object, object)  # Path, Scenario
    failed = Signal(object, object)  # Path, ScenarioError
    busy_changed = Signal(bool)
    _done = Signal(object, object, object)  # from the worker: path, scenario or None, error or None

    def __init__(self, parent: QObject | None = None, load_file: Callable[[Path], Scenario] = load) -> None:
        super().__init__(parent)
        self._load_file = load_file
        self._thread: threading.Thread | None = None
        self.path: Path | None = None
        self._done.connect(self._on_done)

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, path: str | Path) -> bool:
        """Begin loading ``path``; False (and nothing starts) while another file is loading."""
        if self.busy:
            return False
        self.path = Path(path)
        self._thread = threading.Thread(target=self._work, args=(self.path,), name="scenario-loader", daemon=True)
        self._thread.start()
        self.busy_changed.emit(True)
        return True

    def _work(self, path: Path) -> None:
        scenario, error = None, None
        try:
            scenario = self._load_file(path)
        except ScenarioError as exc:
            error = exc
        except Exception as exc:  # never a traceback on a worker thread: a clear message instead
            error = ScenarioError(f"{path.name}: cannot be read ({type(exc).__name__}: {str(exc)[:160]})")
        with contextlib.suppress(RuntimeError):  # the loader was deleted (window closed) while it loaded
            self._done.emit(path, scenario, error)

    def _on_done(self, path: Path, scenario: Scenario | None, error: ScenarioError | None) -> None:
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self.busy_changed.emit(False)
        if scenario is not None:
            self.loaded.emit(path, scenario)
        else:
            self.failed.emit(path, error)
