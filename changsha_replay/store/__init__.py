"""The only code that reads and writes scenario files."""

from __future__ import annotations

import os
from pathlib import Path

from ..model.scenario import Scenario
from ..model.validation import Problem, validate
from .errors import ScenarioError
from .reader import Reader
from .schema import FORMAT_VERSION
from .untrusted import check_integrity, check_structure, check_version, open_untrusted, read_header
from .writer import save

__all__ = ["FORMAT_VERSION", "ScenarioError", "check", "load", "save"]


def _read(path: Path) -> tuple[Scenario | None, list[Problem]]:
    try:
        return _read_checked(path)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        # Values no check foresaw: still one clear message, never a traceback.
        raise ScenarioError(f"{path.name}: cannot be read ({type(exc).__name__}: {str(exc)[:160]})") from None


def _read_checked(path: Path) -> tuple[Scenario | None, list[Problem]]:
    check_version(path, *read_header(path))
    with open_untrusted(path) as db:
        problems = check_structure(db)
        if problems:
            return None, problems
        check_integrity(db, path)
        db.execute("BEGIN")
        reader = Reader(db, path)
        scenario = reader.read()
        db.execute("COMMIT")
    return scenario, reader.problems + validate(scenario)


def check(path: str | os.PathLike) -> list[Problem]:
    """Every problem of a scenario file (empty when valid); ScenarioError when it is no scenario at all."""
    return _read(Path(path))[1]


def load(path: str | os.PathLike) -> Scenario:
    """The scenario in ``path``; ScenarioError (naming the problems) unless it is valid."""
    path = Path(path)
    scenario, problems = _read(path)
    if problems or scenario is None:
        first = problems[0] if problems else "unreadable"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ScenarioError(f"{path.name}: {first}{more}", problems)
    return scenario
