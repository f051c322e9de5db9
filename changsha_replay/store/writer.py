"""Writing a scenario: a complete new file beside the target, then an atomic replace.

Every INSERT names its columns; each table has its own small row function, and many rows go in
per statement (Python's sqlite3 costs per statement run and per value bound). Keyframes, the
bulk of a large scenario, take a faster path:

- they are inserted in primary-key order (unit id, then time), so the WITHOUT ROWID b-tree only
  ever grows at its end;
- their times are formatted all at once with numpy (each day and each second of a day once) and
  handed over as one blob per statement, cut apart in SQL; strength, status, certainty,
  interpolation and citation arrive packed in one integer per row and are unpacked in SQL, so a
  row binds four values, not nine.

Keyframes this path cannot write exactly (a time before the year 1000, a UTC offset with seconds,
a negative strength …) are written row by row; the file is the same either way. Compaction
(``compact=True``, as VACUUM did) fills a scratch database and copies it table by table into the
new file, validation running meanwhile on this thread.

A scenario read from a file carries its origin (``store.origin``): the large parts still
unchanged since (units, places, events, features, keyframes) are copied from that file inside
SQLite, one statement per table, and only the rest is written from memory.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import timezone
from functools import cache
from itertools import chain, islice
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from ..model import vocab
from ..model.scenario import Scenario
from ..model.times import format_offset, format_time
from ..model.tracks import UnitTracks
from ..model.validation import validate
from ..resources import is_bundled
from .atomic import fsync_directory, keep_mode, unchanged_note
from .cache import FileStamp, stamp
from .errors import ScenarioError
from .origin import COPIED_PARTS, Origin, Snapshot
from .schema import APPLICATION_ID, DDL, FORMAT_VERSION, expected_columns
from .sqlite_gate import using_sqlite


def save(
    scenario: Scenario,
    path: str | os.PathLike,
    *,
    check: bool = True,
    compact: bool = True,
    building_bundle: bool = False,
) -> FileStamp | None:
    """Write ``scenario`` to ``path``; the old file stays intact until the new one is complete.
    Returns the stamp of the file written (None if it cannot be stamped).

    The new file is written beside the target (``.name.XXXX.tmp``), fsynced and renamed over
    it (keeping the target's permissions), then the folder is fsynced. ``check=False`` skips
    ``validate`` (for a caller that knows the scenario is valid, such as an editor whose every
    edit was checked); ``compact=False`` skips compaction (quicker; the file is about 10 %
    larger, read as fast). Refuses to write a scenario that does not validate, and over a
    bundled scenario unless the scenario builder is making it. Every failure is a ScenarioError
    that says what happened; the temporary file is removed and the previous file left as it was.
    """
    with using_sqlite():  # no fork meanwhile (store.sqlite_gate)
        return _save(scenario, Path(path), check, compact, building_bundle)


def _save(scenario: Scenario, target: Path, check: bool, compact: bool, building_bundle: bool) -> FileStamp | None:
    if is_bundled(target) and not building_bundle:
        raise ScenarioError(f"{target.name}: the bundled scenarios are read-only; save a copy elsewhere")
    problems: list | None = None

    def invalid() -> list:
        """The scenario's problems (found once; none when unchecked)."""
        nonlocal problems
        if problems is None:
            problems = validate(scenario) if check else []
        return problems

    def refuse() -> ScenarioError:
        found = invalid()
        return ScenarioError(f"cannot save: the scenario has {len(found)} problems (first: {found[0]})", found)

    directory = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise (refuse() if invalid() else ScenarioError(_failure(target, exc))) from None
    os.close(fd)
    tmp = Path(tmp_name)
    saved, written = False, None
    try:
        # Validation runs while the file is compacted (on another thread): it costs no time then.
        if write_file(scenario, tmp, compact=compact, alongside=invalid) or invalid():
            raise refuse()
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        keep_mode(target, tmp)
        written = stamp(tmp)  # what the file will be: the Origin moves only to exactly that
        os.replace(tmp, target)
        saved = True
    except (OSError, sqlite3.Error, ValueError, TypeError, OverflowError, IndexError) as exc:
        # Values that validation refuses can fail the writing too: then say what is wrong with them.
        raise (refuse() if invalid() else ScenarioError(_failure(target, exc))) from None
    finally:
        with contextlib.suppress(OSError):  # never hide the error being raised
            tmp.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the new file is in place; this only makes the rename durable
        fsync_directory(directory)
    if saved and written is not None:
        written = written._replace(path=str(target.resolve()))
        if isinstance(scenario.origin, Origin):  # the next save copies from the new file, if it is still it
            scenario.origin.moved(scenario, target, written)
    return written if saved else None


# -- error messages --------------------------------------------------------------------------
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_DENIED = (errno.EACCES, errno.EPERM)


def _failure(target: Path, exc: BaseException) -> str:
    """One line for the user: what went wrong, and that the previous file (if any) is untouched."""
    folder = target.parent
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EROFS:
            what = f"cannot write to {folder}: it is read-only"
        elif exc.errno in _DENIED:
            what = f"cannot write to {folder}: permission denied ({reason})"
        elif exc.errno in _FULL:
            what = f"the disk is full ({reason})"
        elif exc.errno == errno.ENOTDIR:
            what = f"cannot write to {folder}: it is not a folder"
        elif exc.errno == errno.ENOENT and not folder.exists():
            what = f"cannot write to {folder}: the folder does not exist"
        elif exc.errno == errno.EISDIR:
            what = "a folder of that name is in the way"
        else:
            what = f"saving failed ({reason})"
    elif isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", -1) & 0xFF
        if code == sqlite3.SQLITE_FULL:
            what = f"the disk is full ({exc})"
        elif code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
            what = f"cannot write to {folder} ({exc})"
        else:
            what = f"saving failed ({exc})"
    else:  # a value no check foresaw (only when check=False lets it through)
        what = f"a value cannot be written ({type(exc).__name__}: {str(exc)[:160]})"
    return f"{target.name}: {what}; {unchanged_note(target)}"


# -- the file --------------------------------------------------------------------------------
def write_file(
    scenario: Scenario,
    path: Path,
    *,
    compact: bool = True,
    fast: bool = True,
    alongside: Callable[[], object] | None = None,
) -> object:
    """Write the tables of ``scenario`` into the new, empty file ``path`` (no checks, not atomic).

    ``compact=True``: the tables are filled in a scratch database (SQLite's own temporary file,
    deleted when closed and already unlinked while open, so a killed process leaves nothing) and
    then copied into ``path`` table by table, as VACUUM does: every table contiguous, every page
    full. Filled in key order, a b-tree's pages are only about 7/8 full and the text-key indexes
    lie between their tables' pages (a file about 10 % larger). ``compact=False`` fills ``path``
    directly. (Not ``VACUUM INTO``: it keeps a rollback journal beside its output, which a
    killed process would leave behind.)

    ``alongside`` runs on this thread while the copy is written on another (the copy releases
    the GIL), or, without ``compact``, before writing; its result is returned, and a true result
    means the file is not wanted: the copy is stopped or the writing skipped.
    ``fast=False`` writes keyframes row by row (the plain path: slower, same content).

    Parts of ``scenario`` unchanged since it was read from a file that is still as it was are
    copied from that file (``store.origin``); when the keyframes are, the file is filled
    directly, since the copied tables are in full pages already.
    """
    plan = _copy_plan(scenario)
    if plan is not None and "tracks" in plan[1]:
        compact = False  # the bulk is copied in full pages already: no scratch database
    if not compact:
        verdict = alongside() if alongside is not None else None
        if not verdict:
            _fill_file(path, scenario, fast, plan)
        return verdict
    conn = _open("", check_same_thread=False, uri=True)  # "": a private temporary database
    try:
        try:
            _fill(conn, scenario, fast, plan)
        except _SourceChanged:  # start again, everything from memory
            conn.close()
            conn = _open("", check_same_thread=False, uri=True)
            _fill(conn, scenario, fast, None)
        return _copy_alongside(conn, path, alongside)
    finally:
        conn.close()


def _fill_file(path: Path, scenario: Scenario, fast: bool, plan: _Plan | None) -> None:
    for attempt in (plan, None) if plan is not None else (None,):
        conn = _open(path, uri=True)
        try:
            _fill(conn, scenario, fast, attempt)
            return
        except _SourceChanged:
            pass
        finally:
            conn.close()
        path.write_bytes(b"")  # start again on an empty file


def _open(path: str | Path, **options) -> sqlite3.Connection:
    conn = sqlite3.connect(path, **options)
    conn.execute("PRAGMA journal_mode = OFF")  # a fresh file: nothing to roll back to
    conn.execute("PRAGMA synchronous = OFF")  # fsync happens once, before the replace
    conn.execute("PRAGMA cache_size = -65536")  # 64 MB: a large scratch database stays in memory
    return conn


def _create(conn: sqlite3.Connection) -> None:
    """Identify the empty database as a scenario of this format and create its tables."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
    Database(conn, recursive_triggers=False, execute_plugins=False).executescript(DDL)


def _fill(conn: sqlite3.Connection, scenario: Scenario, fast: bool, plan: _Plan | None = None) -> None:
    """Create the tables and fill them: from the source file where ``plan`` says a part is
    unchanged there, else from ``scenario``. _SourceChanged when the source changed meanwhile."""
    _create(conn)
    copied = _attach_source(conn, plan) if plan is not None else set()
    try:
        with conn:
            for table, make_rows in _TABLES:
                if table in copied:
                    _copy_table(conn, table)
                else:
                    columns, rows = make_rows(scenario)
                    insert(conn, table, columns, rows)
            if "keyframe" in copied:
                _copy_table(conn, "citation")
                _copy_table(conn, "keyframe")
            else:
                citation_ids, citation_rows = _keyframe_citations(scenario.tracks)
                insert(conn, "citation", _CITATION_COLUMNS, citation_rows)
                if not (fast and _insert_keyframes_fast(conn, scenario, citation_ids)):
                    insert(conn, "keyframe", KEYFRAME_COLUMNS, keyframe_rows(scenario, citation_ids))
    except sqlite3.Error:
        if not copied:
            raise
        raise _SourceChanged from None  # what the source holds does not copy: everything from memory
    finally:
        if copied:
            with contextlib.suppress(sqlite3.Error):  # never hide the error being raised
                conn.execute("DETACH DATABASE source")
    if copied and not plan[0].intact():
        raise _SourceChanged


# -- copying unchanged parts from the file they were read from (see store.origin) -------------
_Plan = tuple[Snapshot, tuple[str, ...]]


class _SourceChanged(Exception):
    """The file being copied from changed while it was read, or what it holds does not copy (a
    key its schema did not enforce …): write everything from memory."""


def _copy_plan(scenario: Scenario) -> _Plan | None:
    """The file holding some of ``scenario``'s parts unchanged, and those parts; None if none."""
    origin = scenario.origin
    snapshot = origin.snapshot if isinstance(origin, Origin) else None
    parts = snapshot.unchanged(scenario) if snapshot is not None else ()
    return (snapshot, parts) if parts else None


def _attach_source(conn: sqlite3.Connection, plan: _Plan) -> set[str]:
    """Attach the source file read-only as ``source``; the tables to copy from it (none, and
    nothing attached, when it is not the file read or not of this format)."""
    snapshot, parts = plan
    if not snapshot.intact():
        return set()
    try:
        conn.execute("ATTACH DATABASE ? AS source", (snapshot.path.as_uri() + "?mode=ro",))
    except sqlite3.Error:
        return set()
    try:
        version = conn.execute("PRAGMA source.user_version").fetchone()[0]
        application = conn.execute("PRAGMA source.application_id").fetchone()[0]
    except sqlite3.Error:
        version = application = None
    if version != FORMAT_VERSION or application != APPLICATION_ID:
        conn.execute("DETACH DATABASE source")
        return set()
    return {table for part in parts for table in COPIED_PARTS[part]}


def _copy_table(conn: sqlite3.Connection, table: str) -> None:
    """Copy ``table`` from the attached source, in its key order (one statement: no Python per row).

    When the source declares the columns in our order, ``SELECT *`` lets SQLite move whole
    records into full pages if the two tables are declared alike (its transfer optimisation,
    as VACUUM does); otherwise, or with any other difference, it inserts row by row, with the
    same result."""
    expected = expected_columns()[table]
    declared = tuple(row[1] for row in conn.execute(f"PRAGMA source.table_info({table})"))
    if declared == expected:
        conn.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")
    else:
        columns = ", ".join(expected)
        conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM source.{table}")


def _copy_alongside(conn: sqlite3.Connection, path: Path, alongside: Callable[[], object] | None) -> object:
    """Copy the scratch database into ``path`` on a helper thread while ``alongside`` runs here."""
    failed: list[BaseException] = []

    def copy() -> None:
        try:
            _copy(conn, path)
        except BaseException as exc:
            failed.append(exc)

    helper = threading.Thread(target=copy, name="scenario-compact", daemon=True)
    helper.start()
    try:
        verdict = alongside() if alongside is not None else None
    except BaseException:
        conn.interrupt()  # the file is not wanted
        helper.join()
        raise
    if verdict:
        conn.interrupt()
    helper.join()
    if failed and not verdict:
        raise failed[0]
    return verdict


def _copy(conn: sqlite3.Connection, path: Path) -> None:
    """Copy every table of ``conn``'s database into the new file ``path`` (the same DDL on both
    sides, so SQLite copies each b-tree in order into full pages, without a journal)."""
    out = _open(path)
    try:
        _create(out)
    finally:
        out.close()
    conn.execute("ATTACH DATABASE ? AS copy", (str(path),))
    try:
        conn.execute("PRAGMA copy.journal_mode = OFF")
        conn.execute("PRAGMA copy.synchronous = OFF")
        with conn:
            for table in expected_columns():
                # Identical tables: this form (no column list) is what lets SQLite move whole
                # records, as VACUUM does; a column list would insert row by row.
                conn.execute(f"INSERT INTO copy.{table} SELECT * FROM main.{table}")
    finally:
        with contextlib.suppress(sqlite3.Error):  # never hide the error being raised
            conn.execute("DETACH DATABASE copy")


_BATCH_VALUES = 2000  # values bound per multi-row INSERT


def insert(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """INSERT ``rows`` (tuples in the order of ``columns``), many rows per statement."""
    width = len(columns)
    per = max(1, _BATCH_VALUES // width)
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    row = "(" + ", ".join("?" * width) + ")"
    full = head + ", ".join([row] * per)
    rows = iter(rows)
    while True:
        batch = list(islice(rows, per))
        if len(batch) == per:
            conn.execute(full, list(chain.from_iterable(batch)))
        else:
            if batch:
                conn.execute(head + ", ".join([row] * len(batch)), list(chain.from_iterable(batch)))
            return


# -- rows of each table ----------------------------------------------------------------------
Rows = tuple[Sequence[str], Iterable[tuple]]


def _scenario_rows(s: Scenario) -> Rows:
    info = s.info
    tz = info.time_zone
    west, south, east, north = info.extent
    row = {
        "id": 1,
        "title_en": info.title_en,
        "title_zh": info.title_zh,
        "description_en": info.description_en,
        "description_zh": info.description_zh,
        "time_zone": format_offset(tz),
        "start_time": _iso(info.start, tz),
        "end_time": _iso(info.end, tz),
        "west": west,
        "south": south,
        "east": east,
        "north": north,
        "author": info.author,
        "based_on": info.based_on,
    }
    return tuple(row), [tuple(row.values())]


def _source_rows(s: Scenario) -> Rows:
    return ("key", "title", "url", "note"), ((x.key, x.title, x.url, x.note) for x in s.sources)


def _credit_rows(s: Scenario) -> Rows:
    columns = ("id", "subject", "holder", "licence", "url")
    return columns, ((i, c.subject, c.holder, c.licence, c.url) for i, c in enumerate(s.credits, 1))


def _side_rows(s: Scenario) -> Rows:
    columns = ("id", "sort_order", "name_en", "name_zh", "colour")
    return columns, ((x.id, i, x.name_en, x.name_zh, x.colour) for i, x in enumerate(s.sides))


_UNIT_FIELDS = (
    "side_id",
    "parent_id",
    "name_en",
    "name_zh",
    "narrative_name_en",
    "narrative_name_zh",
    "echelon",
    "branch",
    "sidc",
    "commander_en",
    "commander_zh",
    "basis",
    "note",
)


def _unit_rows(s: Scenario) -> Rows:
    fields = [[getattr(u, f) for u in s.units] for f in _UNIT_FIELDS]
    ids = [u.id for u in s.units]
    return ("id", "sort_order", *_UNIT_FIELDS), zip(ids, range(len(ids)), *fields)


def _unit_source_rows(s: Scenario) -> Rows:
    columns = ("unit_id", "source_key", "locator")
    return columns, ((u.id, c.source_key, c.locator) for u in s.units for c in u.sources)


def _phase_rows(s: Scenario) -> Rows:
    columns = (
        "id",
        "start_time",
        "title_en",
        "title_zh",
        "summary_en",
        "summary_zh",
        "view_west",
        "view_south",
        "view_east",
        "view_north",
    )
    starts = iso_texts([p.start for p in s.phases], s.info.time_zone)
    return columns, (
        (p.id, start, p.title_en, p.title_zh, p.summary_en, p.summary_zh, *(p.view or (None,) * 4))
        for p, start in zip(s.phases, starts)
    )


def _place_rows(s: Scenario) -> Rows:
    columns = (
        "id",
        "name_en",
        "name_zh",
        "pinyin",
        "lat",
        "lon",
        "kind",
        "confidence_km",
        "source_key",
        "locator",
        "note",
        "key_place",
    )
    return columns, (
        (
            p.id,
            p.name_en,
            p.name_zh,
            p.pinyin,
            p.lat,
            p.lon,
            p.kind,
            p.confidence_km,
            p.source.source_key,
            p.source.locator,
            p.note,
            int(p.key_place),
        )
        for p in s.places
    )


def _event_rows(s: Scenario) -> Rows:
    columns = (
        "id",
        "t",
        "end_t",
        "kind",
        "title_en",
        "title_zh",
        "text_en",
        "text_zh",
        "lat",
        "lon",
        "place_id",
        "basis",
        "other_version_en",
        "other_version_zh",
    )
    tz = s.info.time_zone
    times = iso_texts([e.time for e in s.events], tz)
    ends = iso_texts([e.end for e in s.events], tz)
    return columns, (
        (
            e.id,
            t,
            end,
            e.kind,
            e.title_en,
            e.title_zh,
            e.text_en,
            e.text_zh,
            e.lat,
            e.lon,
            e.place_id,
            e.basis,
            e.other_version_en,
            e.other_version_zh,
        )
        for e, t, end in zip(s.events, times, ends)
    )


def _event_unit_rows(s: Scenario) -> Rows:
    return ("event_id", "unit_id", "role"), ((e.id, x.unit_id, x.role) for e in s.events for x in e.units)


def _event_source_rows(s: Scenario) -> Rows:
    columns = ("event_id", "source_key", "locator")
    return columns, ((e.id, c.source_key, c.locator) for e in s.events for c in e.sources)


def _feature_rows(s: Scenario) -> Rows:
    columns = (
        "id",
        "kind",
        "name_en",
        "name_zh",
        "geometry",
        "schematic",
        "start_time",
        "end_time",
        "source_key",
        "locator",
    )
    tz = s.info.time_zone
    return columns, (
        (
            f.id,
            f.kind,
            f.name_en,
            f.name_zh,
            _json(f.geometry),
            int(f.schematic),
            _iso(f.start, tz),
            _iso(f.end, tz),
            f.source.source_key,
            f.source.locator,
        )
        for f in s.features
    )


def _annotation_rows(s: Scenario) -> Rows:
    columns = (
        "id",
        "kind",
        "geometry",
        "text",
        "colour",
        "start_time",
        "end_time",
        "author",
        "created",
        "text_zh",
        "width",
        "dash",
        "fill_opacity",
        "hatch",
        "arrowhead",
        "span",
        "unit_id",
        "radius_km",
    )
    tz = s.info.time_zone
    return columns, (
        (
            a.id,
            a.kind,
            _json(a.geometry),
            a.text,
            a.colour,
            _iso(a.start, tz),
            _iso(a.end, tz),
            a.author,
            _iso(a.created, tz),
            a.text_zh,
            a.width,
            a.dash,
            a.fill_opacity,
            int(a.hatch),
            a.arrowhead,
            a.span,
            a.unit_id,
            a.radius_km,
        )
        for a in s.annotations
    )


#: Every table but citation and keyframe (written from the tracks), in the order written.
_TABLES: tuple[tuple[str, Callable[[Scenario], Rows]], ...] = (
    ("scenario", _scenario_rows),
    ("source", _source_rows),
    ("credit", _credit_rows),
    ("side", _side_rows),
    ("unit", _unit_rows),
    ("unit_source", _unit_source_rows),
    ("phase", _phase_rows),
    ("place", _place_rows),
    ("event", _event_rows),
    ("event_unit", _event_unit_rows),
    ("event_source", _event_source_rows),
    ("feature", _feature_rows),
    ("annotation", _annotation_rows),
)

_CITATION_COLUMNS = ("id", "source_key", "locator", "place_id")
KEYFRAME_COLUMNS = ("unit_id", "t", "lat", "lon", "strength", "status", "interpolate", "certainty", "citation_id")


def _json(geometry: dict) -> str:
    return json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))


def _keyframe_citations(tr: UnitTracks) -> tuple[np.ndarray, list[tuple]]:
    """Citation id of every keyframe, and the rows of the citation table (id, source, locator, place)."""
    pair = tr.citation.astype(np.int64) * (len(tr.places) + 1) + (tr.place.astype(np.int64) + 1)
    pairs, ids = np.unique(pair, return_inverse=True)
    rows = []
    for i, value in enumerate(pairs.tolist(), 1):
        citation = tr.citations[value // (len(tr.places) + 1)]
        place = value % (len(tr.places) + 1) - 1
        rows.append((i, citation.source_key, citation.locator, tr.places[place] if place >= 0 else None))
    return ids.reshape(-1) + 1, rows


# -- times -----------------------------------------------------------------------------------
def _iso(t: float | None, tz: timezone) -> str | None:
    return None if t is None else format_time(round(t), tz)


_ISO_WIDTH = 25  # 1942-01-04T18:00:00+08:00
_MIN_DAY = -354_285  # 1000-01-01, days since 1970-01-01
_MAX_DAY = 2_932_896  # 9999-12-31


def iso_texts(times: Sequence[float | None], tz: timezone) -> list[str | None]:
    """``_iso`` of every time (None stays None), formatted together."""
    known = [t for t in times if t is not None]
    seconds = np.round(np.asarray(known, dtype=np.float64))
    packed = iso_bytes(seconds, tz)
    if packed is None:
        return [_iso(t, tz) for t in times]
    text = packed.tobytes().decode("ascii")
    found = [text[i : i + _ISO_WIDTH] for i in range(0, len(text), _ISO_WIDTH)]
    if len(found) == len(times):
        return found
    texts = iter(found)
    return [None if t is None else next(texts) for t in times]


def iso_bytes(seconds: np.ndarray, tz: timezone) -> np.ndarray | None:
    """ISO 8601 text of whole ``seconds`` since the epoch in ``tz``, as one ASCII record of 25
    bytes per time (exactly ``format_time``'s text); None when that text would not be 25
    characters (a year outside 1000–9999, an offset with seconds) or a time is not finite.

    Each day's date is formatted once and each second of the day once (a table shared by all
    saves), and every time is two gathers from those."""
    offset = tz.utcoffset(None).total_seconds()
    if offset % 60 or not np.all(np.isfinite(seconds)):
        return None
    local = seconds.astype(np.int64) + int(offset)
    days, second_of_day = np.divmod(local, 86400)
    out = np.empty(len(local), [("date", "V11"), ("clock", "V14")])
    if not len(local):
        return out
    first, last = int(days.min()), int(days.max())
    if first < _MIN_DAY or last > _MAX_DAY:
        return None
    if last - first < _DENSE_DAYS:  # a table of every day from the first to the last
        table_days, day_index = np.arange(first, last + 1), days - first
    else:
        table_days, day_index = np.unique(days, return_inverse=True)
    dates = np.datetime_as_string(table_days.astype("datetime64[D]"), unit="D").tolist()
    out["date"] = np.frombuffer("".join(d + "T" for d in dates).encode("ascii"), "V11")[day_index.reshape(-1)]
    out["clock"] = _clock_table(format_offset(tz))[second_of_day]
    return out


_DENSE_DAYS = 100_000


@cache
def _clock_table(offset: str) -> np.ndarray:
    """Clock and offset text ("HH:MM:SS+08:00") of every second of a day: 86400 ASCII records of 14 bytes."""
    second = np.arange(86400)
    hours, rest = np.divmod(second, 3600)
    minutes, seconds = np.divmod(rest, 60)
    table = np.empty((86400, 14), np.uint8)
    table[:] = np.frombuffer(f"00:00:00{offset}".encode("ascii"), np.uint8)
    for column, value in ((0, hours), (3, minutes), (6, seconds)):
        table[:, column] += (value // 10).astype(np.uint8)
        table[:, column + 1] += (value % 10).astype(np.uint8)
    records = table.view("V14").reshape(-1)
    records.setflags(write=False)
    return records


# -- keyframes -------------------------------------------------------------------------------
def keyframe_rows(s: Scenario, citation_ids: np.ndarray) -> Iterable[tuple]:
    """The keyframe rows one by one (the plain path)."""
    tr = s.tracks
    tz = s.info.time_zone
    unit_ids = np.array([u.id for u in s.units] or [""], dtype=object)
    return zip(
        unit_ids[tr.unit_indices()].tolist(),
        [format_time(t, tz) for t in np.round(tr.time).tolist()],
        tr.lat.tolist(),
        tr.lon.tolist(),
        np.round(tr.strength, 2).tolist(),
        [vocab.STATUSES[i] for i in tr.status.tolist()],
        tr.interpolate.astype(np.int64).tolist(),
        [vocab.CERTAINTIES[i] for i in tr.certainty.tolist()],
        citation_ids.tolist(),
    )


_KEYFRAME_ROWS = 250  # rows per INSERT of the fast path (4 values each, and one blob of times)
_STRENGTH_BITS = 24
_CITATION_LIMIT = 1 << 30


def _insert_keyframes_fast(conn: sqlite3.Connection, s: Scenario, citation_ids: np.ndarray) -> bool:
    """Insert every keyframe in key order, many per statement; False (nothing written) when a
    value cannot take this path."""
    tr = s.tracks
    n = len(tr)
    if n == 0:
        return True
    strength = np.rint(tr.strength * 100)  # np.round(x, 2) is exactly rint(x * 100) / 100
    if not (
        np.all(np.isfinite(strength))
        and strength.min() >= 0
        and strength.max() < 1 << _STRENGTH_BITS
        and 0 <= tr.status.min() <= tr.status.max() < min(len(vocab.STATUSES), 16)
        and 0 <= tr.certainty.min() <= tr.certainty.max() < min(len(vocab.CERTAINTIES), 4)
        and int(citation_ids.max()) < _CITATION_LIMIT
    ):
        return False
    # Key order: units by id (Python orders str by code point, as SQLite's BINARY collation
    # orders UTF-8), each unit's keyframes by time (the tracks' order; the text times sort alike).
    ids = [u.id for u in s.units]
    by_id = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
    counts = np.diff(tr.offsets)[by_id]
    starts = tr.offsets[:-1][by_id]
    order = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(n)
    times = iso_bytes(np.round(tr.time)[order], s.info.time_zone)
    if times is None:
        return False
    packed = (
        (citation_ids[order].astype(np.int64) << 32)
        | (strength[order].astype(np.int64) << 8)
        | (tr.status[order].astype(np.int64) << 3)
        | (tr.certainty[order].astype(np.int64) << 1)
        | tr.interpolate[order].astype(np.int64)
    )
    unit_ids = np.array(ids, dtype=object)[np.repeat(by_id, counts)].tolist()
    lat, lon, packed = tr.lat[order].tolist(), tr.lon[order].tolist(), packed.tolist()
    blob = times.tobytes()
    per = min(_KEYFRAME_ROWS, (conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1) // 4)
    for first in range(0, n, per):
        last = min(first + per, n)
        conn.execute(
            _keyframe_statement(last - first),
            [
                blob[first * _ISO_WIDTH : last * _ISO_WIDTH],
                *unit_ids[first:last],
                *lat[first:last],
                *lon[first:last],
                *packed[first:last],
            ],
        )
    return True


@cache
def _keyframe_statement(rows: int) -> str:
    """INSERT of ``rows`` keyframes: ?1 is a blob of their times (25 bytes each), then come the
    unit ids, latitudes, longitudes and packed integers, each ``rows`` long."""
    status = " ".join(f"WHEN {i} THEN {_quote(name)}" for i, name in enumerate(vocab.STATUSES))
    certainty = " ".join(f"WHEN {i} THEN {_quote(name)}" for i, name in enumerate(vocab.CERTAINTIES))
    values = ", ".join(
        f"(?{2 + i}, ?{2 + rows + i}, ?{2 + 2 * rows + i}, ?{2 + 3 * rows + i}, {1 + i * _ISO_WIDTH})"
        for i in range(rows)
    )
    return (
        f"INSERT INTO keyframe ({', '.join(KEYFRAME_COLUMNS)}) "
        f"SELECT u, CAST(substr(?1, k, {_ISO_WIDTH}) AS TEXT), la, lo,"
        f" ((p >> 8) & {(1 << _STRENGTH_BITS) - 1}) / 100.0,"
        f" CASE (p >> 3) & 15 {status} END, p & 1, CASE (p >> 1) & 3 {certainty} END, p >> 32"
        f" FROM (SELECT column1 AS u, column2 AS la, column3 AS lo, column4 AS p, column5 AS k FROM (VALUES {values}))"
    )


def _quote(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
