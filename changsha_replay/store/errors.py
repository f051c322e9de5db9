"""The one exception the store raises for a file it cannot use."""

from __future__ import annotations

from collections.abc import Sequence

from ..model.shown import shown
from ..model.validation import Problem


class ScenarioError(Exception):
    """A scenario file cannot be read or written; ``str()`` is one line for the user, with any
    control character quoted from a file escaped."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        message = shown(message)
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return self.message
