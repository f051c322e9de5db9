"""The open scenario as a document: its content, its file, its undo stack and whether it is saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..model import Scenario
from ..model import edits as model_edits
from ..model.changes import Change
from ..model.edits import Applied, Edit
from ..resources import is_bundled
from .commands import EditCommand

UNDO_LIMIT = 0  # none: a step keeps small records, and a limit would shift the index the saved state is known by


class Document(QObject):
    """Owns the scenario being edited. Every change is an ``EditCommand`` pushed by :meth:`apply`.

    ``changed(change, initiator)`` follows every edit, undo and redo (``initiator`` is the view
    that made the edit, None for undo and redo); ``applied(label, edit)`` gives the edit as it was
    applied, for the journal; ``modified_changed(bool)`` follows the saved state; ``saved_to(path)``
    follows a save. ``reset`` (open, close, recover) clears the history and emits neither
    ``changed`` nor ``applied``: the session announces a new scenario itself.

    Modified means: the undo index differs from the index that was last saved (the index when
    that save *started*, so edits made while a save runs stay unsaved).
    """

    changed = Signal(object, object)  # Change, initiator (None: an undo or a redo)
    applied = Signal(str, object)  # label, Edit
    modified_changed = Signal(bool)
    path_changed = Signal(object)  # Path | None
    saved_to = Signal(object)  # Path: a save completed (the document may hold later edits)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scenario: Scenario | None = None
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._saved_index = 0
        self._saving_index: int | None = None
        self._modified = False
        self.undo_stack.indexChanged.connect(self._update_modified)

    # -- state ---------------------------------------------------------------------------
    def reset(self, scenario: Scenario | None, path: Path | None) -> None:
        """Another scenario (open, close, recover): no history, nothing unsaved."""
        self.scenario = scenario
        self.undo_stack.clear()
        self._saved_index = 0
        self._saving_index = None
        self.set_path(path)
        self._update_modified()

    def set_path(self, path: Path | None) -> None:
        if path != self.path:
            self.path = path
            self.path_changed.emit(path)

    @property
    def bundled(self) -> bool:
        """A bundled scenario is never written: its first Save is a Save As."""
        return self.path is not None and is_bundled(self.path)

    def is_modified(self) -> bool:
        return self._modified

    def saved_at_top(self) -> bool:
        """True when the newest step is what was saved (or is being saved): it must not change."""
        return self.undo_stack.index() in (self._saved_index, self._saving_index)

    # -- editing -------------------------------------------------------------------------
    def apply(self, edit: Edit, text: str, initiator: object | None = None, merge_key: object | None = None) -> Change:
        """Apply ``edit`` as one undo step named ``text``; EditError (and nothing changes) when
        the edit would make the scenario invalid. Returns what changed. ``initiator`` (the view
        making the edit) defaults to the document: only undo and redo announce None."""
        if self.scenario is None:
            raise model_edits.EditError("no scenario is open")
        if self._saving_index is not None and self.undo_stack.index() < self._saving_index:
            # the steps undone are being written: a new edit would drop them from the history
            # before the file that holds them is known to be complete
            raise model_edits.EditError("a save is running; make this change again in a moment")
        first = model_edits.apply(edit, self.scenario)  # raises before anything is pushed
        if self._saved_index > self.undo_stack.index():
            self._saved_index = -1  # the saved state is about to leave the history for good
        who = self if initiator is None else initiator
        self.undo_stack.push(EditCommand(self, edit, text, first, who, merge_key))
        return first.change

    def _swap(self, done: Applied, edit: Edit, label: str, initiator: object | None) -> None:
        """The one place the scenario is replaced after an edit (called by EditCommand)."""
        old, self.scenario = self.scenario, done.scenario
        assert Change.between(old, done.scenario) <= done.change.parts, "an edit under-reports its change"
        self.applied.emit(label, edit)
        self.changed.emit(done.change, initiator)

    # -- saving --------------------------------------------------------------------------
    def save_started(self) -> int:
        """The undo index being saved (pass it to :meth:`saved` when the save succeeds)."""
        self._saving_index = self.undo_stack.index()
        return self._saving_index

    def saved(self, index: int, path: Path) -> None:
        """A save that started at undo ``index`` wrote ``path``."""
        self._saved_index = index
        self._saving_index = None
        self.set_path(path)
        self._update_modified()
        self.saved_to.emit(path)

    def steps_since_saved(self) -> list[tuple[str, object]] | None:
        """(label, edit) that take the saved content to the current one (undos as inverses), or
        None when the saved state is not in the history."""
        stack, saved, now = self.undo_stack, self._saved_index, self.undo_stack.index()
        if saved < 0 or saved > stack.count():
            return None
        if now >= saved:
            commands = [stack.command(i) for i in range(saved, now)]
            return [(c.text(), c.edit) for c in commands]
        commands = [stack.command(i) for i in range(saved - 1, now - 1, -1)]
        return [(f"Undo {c.text()}", c.inverse) for c in commands]

    def save_failed(self) -> None:
        self._saving_index = None

    def _update_modified(self, *_args) -> None:
        modified = self.scenario is not None and self.undo_stack.index() != self._saved_index
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)
