"""The only code that reads and writes scenario files."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..model.scenario import Scenario
from ..model.validation import Problem, validate
from .errors import ScenarioError
from .reader import Reader
from .schema import FORMAT_VERSION
from .untrusted import check_structure, check_version, open_untrusted, read_header
from .verify import Verifier
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
        verifier = Verifier(path).start()
        try:
            try:
                scenario, problems = _read_rows(db, path, frozenset())
            except (ValueError, TypeError, OverflowError):  # a value the fast path cannot take
                scenario = None
        finally:
            verifier.join()  # never leave its connection open behind a failed read
        bad_tables = verifier.result()
        if scenario is None or bad_tables:
            # Read again, checking every value of the suspect tables, to name each culprit.
            scenario, problems = _read_rows(db, path, frozenset(bad_tables) if scenario is not None else frozenset("*"))
    return scenario, problems + validate(scenario)


def _read_rows(db, path: Path, careful: frozenset[str]) -> tuple[Scenario, list[Problem]]:
    with _gc_paused():
        db.execute("BEGIN")
        try:
            reader = Reader(db, path, careful)
            return reader.read(), reader.problems
        finally:
            db.execute("COMMIT")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that form no cycles
    (it would otherwise walk the growing heap again and again)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
