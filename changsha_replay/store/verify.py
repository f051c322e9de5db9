"""Checks that run beside the reading, on their own connection and thread.

SQLite runs a whole ``count(*)`` or ``quick_check`` statement without holding Python's GIL, so
these checks cost almost no time on a second core while the main thread turns rows into
Python objects.
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import declared
from .errors import ScenarioError
from .reader import TABLES, bad_value_sql, file_version
from .untrusted import check_integrity, open_untrusted

# The deadline check is a Python call, so it must take the GIL from the thread that is reading:
# every 2,000 instructions, that tug of war made the whole load 1–1.5 s slower. A million
# instructions are a few milliseconds of SQLite's time.
_CHECK_EVERY = 1_000_000


class Verifier:
    """Integrity check and search for bad values, in a background thread: ``bad_tables`` have a
    value the reader must look at one by one; ``declared_bad`` break a rule the format declares
    (store.declared: a type, NOT NULL, a key), and the file is refused naming them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bad_tables: set[str] = set()
        self.declared_bad: set[str] = set()
        self._error: ScenarioError | None = None
        self._thread = threading.Thread(target=self._run, name="scenario-verifier", daemon=True)

    def start(self) -> Verifier:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            # inside its load's hold of the fork gate, which waits for this thread (see open_untrusted)
            with open_untrusted(self.path, check_every=_CHECK_EVERY, gated=False) as db:
                check_integrity(db, self.path)
                version = file_version(db, self.path)
                for table in (*TABLES, "keyframe"):
                    # one scan per table for both kinds of rule (the keyframes' include the declared)
                    also = "" if table == "keyframe" else declared.bad_rows_where(table, version)
                    (count,) = db.execute(bad_value_sql(table, also=also)).fetchone()
                    if count:
                        self.bad_tables.add(table)
                        if db.execute(declared.bad_rows_sql(table, version)).fetchone()[0]:
                            self.declared_bad.add(table)
                    if declared.shared_keys(db, table, version):
                        self.declared_bad.add(table)
        except ScenarioError as exc:
            self._error = exc
        except Exception as exc:
            self._error = ScenarioError(f"{self.path.name}: cannot be read ({type(exc).__name__}: {exc})")

    def join(self) -> None:
        self._thread.join()

    def result(self) -> set[str]:
        """Tables with bad values; raises the ScenarioError the checks ended with, if any."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.bad_tables
