"""The one exception the store raises for a file it cannot use."""

from __future__ import annotations

from collections.abc import Sequence

from ..model.validation import Problem


class ScenarioError(Exception):
    """A scenario file cannot be read or written; ``str()`` is one line for the user."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return self.message
