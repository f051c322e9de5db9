"""Opening a scenario file that may be corrupt, foreign or hostile.

The file is opened read-only with ``trusted_schema`` off, a cap on the size of any value and a
deadline for all its statements together (a progress handler), and its structure is checked before any
row is read: it must be a SQLite file of this format whose tables are plain tables.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.parse import quote

from ..model.validation import Problem
from .errors import ScenarioError
from .schema import (
    APPLICATION_ID,
    DDL_BY_VERSION,
    FORMAT_VERSION,
    MAX_ROWS,
    MAX_ROWS_DEFAULT,
    MAX_VALUE_BYTES,
    expected_columns,
)
from .sqlite_gate import using_sqlite

SQLITE_HEADER = b"SQLite format 3\x00"
MAX_FILE_BYTES = 4 * 1024**3
DEADLINE_SECONDS = 20.0  # budget of one connection (a whole load); no legitimate scenario comes near it


class _Deadline:
    """Progress handler that interrupts any statement once the deadline has passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds
        self.expired = False

    def __call__(self) -> int:
        if time.monotonic() > self.expires:
            self.expired = True
            return 1
        return 0


def read_header(path: Path) -> tuple[int, int]:
    """(user_version, application_id) from the 100-byte SQLite header; ScenarioError if not SQLite."""
    try:
        if not path.exists():
            raise ScenarioError(f"{path.name}: no such file")
        if not path.is_file():
            raise ScenarioError(f"{path.name}: not a file")
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise ScenarioError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise ScenarioError(f"{path.name}: the file is empty")
    if not header.startswith(SQLITE_HEADER):
        raise ScenarioError(f"{path.name}: not a scenario file (not an SQLite database)")
    if len(header) < 100:
        raise ScenarioError(f"{path.name}: the file is truncated (incomplete SQLite header)")
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"{path.name}: the file is too large ({size / 1024**3:.1f} GB)")
    user_version = int.from_bytes(header[60:64], "big")
    application_id = int.from_bytes(header[68:72], "big")
    return user_version, application_id


def check_version(path: Path, user_version: int, application_id: int) -> None:
    """ScenarioError unless the header says: a scenario of a format this version reads (any from
    schema.OLDEST_VERSION to FORMAT_VERSION: the reader gives an older file what it lacks)."""
    if application_id != APPLICATION_ID:
        raise ScenarioError(f"{path.name}: not a Changsha Replay scenario (a different kind of SQLite database)")
    if user_version > FORMAT_VERSION:
        raise ScenarioError(
            f"{path.name}: made by a newer version of Changsha Replay (scenario format {user_version}; "
            f"this version reads format {FORMAT_VERSION} and older) — please update the application"
        )
    if user_version < 1:
        raise ScenarioError(f"{path.name}: not a Changsha Replay scenario (no format version)")
    if user_version not in DDL_BY_VERSION:  # an old format no longer read
        raise ScenarioError(f"{path.name}: scenario format {user_version} is no longer read by this version")


@contextmanager
def open_untrusted(
    path: Path, deadline: float | None = None, check_every: int = 2000, gated: bool = True
) -> Iterator[sqlite3.Connection]:
    """A read-only connection to ``path`` with every safety on; errors become ScenarioError.

    Plain ``sqlite3``: every read is hand-written SQL under these guards, and sqlite-utils
    (which ``save`` uses) would add nothing to it but its import to every start of the app.

    The deadline is checked every ``check_every`` SQLite instructions (a Python call, which needs
    the GIL: a connection on a background thread should check rarely). ``gated=False``: the
    caller's use of SQLite is already inside another thread's ``using_sqlite()`` that waits for
    it (the verifier, inside its load), so it must not wait on a fork itself: a fork pending
    between the two would wait for the load, the load for the verifier, the verifier for it."""
    path = Path(path)
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    timer = _Deadline(DEADLINE_SECONDS if deadline is None else deadline)
    with using_sqlite() if gated else nullcontext():  # no fork meanwhile (store.sqlite_gate)
        conn = None
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=1.0)
            conn.set_progress_handler(timer, check_every)
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
            conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 1_000_000)
            conn.execute("PRAGMA trusted_schema = OFF")
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA cell_size_check = ON")
            conn.execute("PRAGMA mmap_size = 0")
            yield conn
        except ScenarioError:
            raise
        except sqlite3.OperationalError as exc:
            if timer.expired:
                raise ScenarioError(
                    f"{path.name}: reading took longer than {timer.seconds:.0f} s and was stopped"
                    " (a damaged or hostile file?)"
                ) from None
            raise ScenarioError(f"{path.name}: cannot be read ({_sqlite_message(exc)})") from None
        except sqlite3.DatabaseError as exc:
            raise ScenarioError(f"{path.name}: the file is damaged ({_sqlite_message(exc)})") from None
        except MemoryError:
            raise ScenarioError(f"{path.name}: the file holds more data than fits in memory") from None
        finally:
            if conn is not None:
                conn.close()


def _sqlite_message(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def check_structure(db: sqlite3.Connection) -> list[Problem]:
    """Problems with the file's structure: forbidden objects, missing tables/columns (those of the
    file's own format version), row counts."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version not in DDL_BY_VERSION:  # the header said otherwise a moment ago: changed under us
        return [Problem("", "", "", f"scenario format {version} cannot be read by this version")]
    problems: list[Problem] = []
    objects = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    expected = expected_columns(version)
    kinds = {}
    for kind, name, _table, sql in objects:
        kinds[name] = kind
        if kind == "trigger":
            problems.append(Problem(name, "", "", "the file contains a trigger; scenario files never do"))
        elif kind == "view" and name in expected:
            problems.append(Problem(name, "", "", "is a view, not a table"))
        elif kind == "table" and sql and sql.lstrip().upper().startswith("CREATE VIRTUAL"):
            problems.append(Problem(name, "", "", "is a virtual table; scenario tables are plain tables"))
    if problems:
        return problems
    for table, columns in expected.items():
        if kinds.get(table) != "table":
            problems.append(Problem(table, "", "", "table is missing"))
            continue
        info = db.execute(f"PRAGMA table_xinfo({table})").fetchall()
        present = {row[1]: row for row in info}
        for column in columns:
            if column not in present:
                problems.append(Problem(table, "", column, "column is missing"))
        for row in info:
            if row[6] not in (0,):  # hidden: 2/3 generated column, 1 virtual-table hidden column
                problems.append(Problem(table, "", row[1], "generated columns are not allowed"))
    if problems:
        return problems
    for table in expected:
        limit = MAX_ROWS.get(table, MAX_ROWS_DEFAULT)
        (count,) = db.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {limit + 1})").fetchone()
        if count > limit:
            problems.append(Problem(table, "", "", f"more than {limit:,} rows: not a plausible scenario"))
    return problems


def check_integrity(db: sqlite3.Connection, path: Path) -> None:
    """ScenarioError when SQLite's own consistency check fails."""
    rows = db.execute("PRAGMA quick_check(5)").fetchall()
    if rows != [("ok",)]:
        detail = "; ".join(str(r[0]) for r in rows[:3])
        raise ScenarioError(f"{path.name}: the file is damaged ({detail[:200]})")
