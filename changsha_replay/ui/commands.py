"""The one undoable command: every change of a document is an ``EditCommand`` on its undo stack,
and nothing else assigns ``Document.scenario``.

A command keeps its edit and the edit's inverse (small records), never scenarios, so a long
history of edits to a million keyframes costs kilobytes, not a copy of the tracks per step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from ..model import edits
from ..model.edits import Applied, Edit

if TYPE_CHECKING:
    from .document import Document

MERGE_ID = 0x4353  # consecutive mergeable commands with the same merge key become one undo step


class EditCommand(QUndoCommand):
    """An edit with its inverse. ``merge_key`` (e.g. ("nudge", id) or ("text", id)): consecutive
    commands with equal keys merge into one undo step (typing, nudges)."""

    def __init__(
        self,
        document: Document,
        edit: Edit,
        text: str,
        first: Applied,
        initiator: object | None = None,
        merge_key: object | None = None,
    ) -> None:
        super().__init__(text)
        self._doc = document
        self._edit = edit
        self._inverse = first.inverse
        self._first: Applied | None = first  # applied already (to check it); the first redo uses it
        self._initiator = initiator
        self.merge_key = merge_key

    @property
    def edit(self) -> Edit:
        return self._edit

    @property
    def inverse(self) -> Edit:
        return self._inverse

    def redo(self) -> None:
        done, self._first = self._first, None
        if done is None:
            done = edits.apply(self._edit, self._doc.scenario)
            self._inverse = done.inverse
        self._doc._swap(done, self._edit, self.text(), self._initiator)
        self._initiator = None  # later redos come from the undo stack, not from the view

    def undo(self) -> None:
        done = edits.apply(self._inverse, self._doc.scenario)
        self._doc._swap(done, self._inverse, f"Undo {self.text()}", None)

    def id(self) -> int:
        return MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.merge_key != self.merge_key:
            return False
        if self._doc.saved_at_top():
            return False  # this step is what was saved: a merge would change it unseen
        combined = edits.merged(self._edit, other._edit)
        if combined is None:
            return False
        self._edit = combined  # the inverse stays this command's: it undoes both
        return True
