"""The only code that reads and writes scenario files."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..model.scenario import Scenario
from ..model.validation import Problem, cap, validate
from . import declared
from .cache import FileStamp, ScenarioCache, stamp
from .errors import ScenarioError
from .origin import Origin
from .reader import Reader, file_version
from .schema import FORMAT_VERSION
from .untrusted import check_structure, check_version, open_untrusted, read_header
from .verify import Verifier

__all__ = ["FORMAT_VERSION", "ScenarioCache", "ScenarioError", "check", "load", "save"]


def _read(path: Path) -> tuple[Scenario | None, list[Problem]]:
    try:
        return _read_checked(path)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as exc:
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
        # rules the format declares (types, NOT NULL, keys) of every column, read or not
        broken = declared.problems(db, file_version(db, path), verifier.declared_bad) if verifier.declared_bad else []
        if scenario is None or bad_tables:
            # Read again, checking every value of the suspect tables, to name each culprit.
            careful = frozenset(bad_tables) if scenario is not None else frozenset("*")
            try:
                scenario, problems = _read_rows(db, path, careful)
            except (ValueError, TypeError, OverflowError):
                if not broken:
                    raise
                scenario, problems = None, []  # e.g. two citations with one id: said above
        if scenario is not None:
            try:
                problems = problems + validate(scenario)
            except (ValueError, TypeError, OverflowError):
                if not problems:
                    raise
                # a stand-in for a bad value (NaN) stopped a check: the reader's problems say enough
    return (None if broken else scenario), cap(_distinct(broken + problems))


def _distinct(problems: list[Problem]) -> list[Problem]:
    """The problems without repeats (a value may break a declared rule and the reader's)."""
    return list(dict.fromkeys(problems))


def _read_rows(db, path: Path, careful: frozenset[str]) -> tuple[Scenario | None, list[Problem]]:
    with _gc_paused():
        db.execute("BEGIN")
        try:
            reader = Reader(db, path, careful)
            try:
                return reader.read(), reader.problems
            except (ValueError, TypeError, OverflowError):
                if not careful or not reader.problems:
                    raise
                return None, reader.problems  # a stand-in for a bad value (NaN) stopped the building
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


def load(path: str | os.PathLike, *, cache: ScenarioCache | None = None, use_cache: bool = True) -> Scenario:
    """The scenario in ``path``; ScenarioError (naming the problems) unless it is valid.

    A large file read before, and unchanged since, comes from the derived cache (``store.cache``;
    ``cache`` defaults to the user's cache folder, ``use_cache=False`` reads the file regardless).
    """
    path = Path(path)
    version, application_id = read_header(path)
    check_version(path, version, application_id)
    before = stamp(path)  # the file as it is before reading (also the cache's key)
    cache = (cache or ScenarioCache.default()) if use_cache else None
    key = before if cache is not None else None
    scenario = None
    if cache is not None:
        with _gc_paused():
            scenario = cache.get(key)
    read = scenario is None
    if read:
        scenario, problems = _read(path)
        if problems or scenario is None:
            first = problems[0] if problems else "unreadable"
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ScenarioError(f"{path.name}: {first}{more}", problems)
    after = stamp(path)
    if read and cache is not None and key is not None and after == key:  # unchanged while read
        cache.put_later(key, scenario)  # after the file is read, beside whatever comes next
    # Saving copies the parts still unchanged from this file (store.origin).
    return scenario.replace(origin=Origin.of(scenario, before, after, version))


def save(
    scenario: Scenario,
    path: str | os.PathLike,
    *,
    check: bool = True,
    compact: bool = True,
    building_bundle: bool = False,
) -> FileStamp | None:
    """Write ``scenario`` to ``path`` atomically: a complete new file beside it, then a rename
    (see ``store.writer``). A failure raises ScenarioError and leaves the old file as it was.
    Returns the stamp of the file written.

    ``check=False`` skips validation (the caller guarantees a valid scenario, e.g. an editor's
    journaled state); ``compact=False`` skips compaction (quicker; the file is about 10 % larger,
    read as fast).
    """
    from .writer import save as write  # sqlite-utils is loaded only when a file is written

    return write(scenario, path, check=check, compact=compact, building_bundle=building_bundle)
