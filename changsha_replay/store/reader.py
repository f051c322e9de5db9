"""Reading the rows of an opened scenario file into the model.

Each table is read with one query whose values are first checked in SQL (types, lengths,
times); only when that check finds something wrong are the rows checked one by one in Python,
to name every culprit. A valid file so costs one pass in C and no per-value Python work.

A file of an older format version is read by the same queries: its tables are read through a
subquery that adds the columns it lacks, with the values ``schema.STAND_INS`` gives them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from ..model import vocab
from ..model.orbat import OrderOfBattle
from ..model.records import (
    Annotation,
    Citation,
    Credit,
    Event,
    EventUnit,
    Feature,
    Phase,
    Place,
    ScenarioInfo,
    Side,
    Source,
    Unit,
)
from ..model.scenario import Scenario
from ..model.timeline import EventLog, Phases
from ..model.times import TimeFormatError, parse_offset, parse_time
from ..model.tracks import UnitTracks
from ..model.validation import Problem
from .errors import ScenarioError
from .schema import DDL_BY_VERSION, OLDEST_VERSION, expected_columns, max_text, stand_ins

_HAS_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)
# Time, status, certainty and interpolation of a keyframe row arrive packed in one integer
# (Python's sqlite3 costs per value returned): (time + shift) << 8 | status << 3 | certainty << 1 | interpolate.
_TIME_SHIFT = 1 << 34  # makes times back to the year 1425 positive
_STATUS_BAD = 15
_CERTAINTY_BAD = 3


def parse_sql(column: str) -> str:
    """SQL for the epoch seconds of a valid ISO 8601 column."""
    return f"unixepoch({column})" if _HAS_UNIXEPOCH else f"CAST(strftime('%s', {column}) AS INTEGER)"


def epoch_sql(column: str) -> str:
    """SQL for the epoch seconds of an ISO 8601 column: NULL unless it is a time in whole seconds
    with a UTC offset."""
    parse = parse_sql(column)
    return (
        f"CASE WHEN typeof({column}) = 'text' AND instr({column}, '.') = 0"
        f" AND (substr({column}, -6, 1) IN ('+', '-') OR substr({column}, -1) = 'Z') THEN {parse} END"
    )


@dataclass(frozen=True)
class Col:
    """A column to read: ``kind`` is text, number, time or flag (0 or 1, read as a bool); ``null``
    allows NULL (read as None)."""

    name: str
    kind: str = "text"
    null: bool = False


def _t(name: str, null: bool = False) -> Col:
    return Col(name, "text", null)


def _n(name: str, null: bool = False) -> Col:
    return Col(name, "number", null)


def _time(name: str, null: bool = False) -> Col:
    return Col(name, "time", null)


def _flag(name: str) -> Col:
    return Col(name, "flag")


@dataclass(frozen=True)
class TableSpec:
    """How a table is read: the column naming a row in messages, the columns, the row order."""

    key: str
    cols: tuple[Col, ...]
    order: str = "rowid"


TABLES: dict[str, TableSpec] = {
    "scenario": TableSpec(
        "id",
        (
            _t("title_en"),
            _t("title_zh"),
            _t("description_en"),
            _t("description_zh"),
            _t("time_zone"),
            _time("start_time"),
            _time("end_time"),
            _n("west"),
            _n("south"),
            _n("east"),
            _n("north"),
            _t("author"),
            _t("based_on"),
        ),
        "id",
    ),
    "source": TableSpec("key", (_t("key"), _t("title"), _t("url"), _t("note"))),
    "credit": TableSpec("id", (_t("subject"), _t("holder"), _t("licence"), _t("url")), "id"),
    "side": TableSpec("id", (_t("id"), _t("name_en"), _t("name_zh"), _t("colour")), "sort_order, rowid"),
    "unit": TableSpec(
        "id",
        (
            _t("id"),
            _t("side_id"),
            _t("parent_id", True),
            _t("name_en"),
            _t("name_zh"),
            _t("echelon"),
            _t("branch"),
            _t("sidc"),
            _t("commander_en"),
            _t("commander_zh"),
            _t("narrative_name_en"),
            _t("narrative_name_zh"),
            _t("basis"),
            _t("note"),
        ),
        "sort_order, rowid",
    ),
    "unit_source": TableSpec("unit_id", (_t("unit_id"), _t("source_key"), _t("locator"))),
    "phase": TableSpec(
        "id",
        (
            _t("id"),
            _time("start_time"),
            _t("title_en"),
            _t("title_zh"),
            _t("summary_en"),
            _t("summary_zh"),
            _n("view_west", True),
            _n("view_south", True),
            _n("view_east", True),
            _n("view_north", True),
        ),
    ),
    "place": TableSpec(
        "id",
        (
            _t("id"),
            _t("name_en"),
            _t("name_zh"),
            _t("pinyin"),
            _n("lat"),
            _n("lon"),
            _t("kind"),
            _n("confidence_km"),
            _t("source_key"),
            _t("locator"),
            _t("note"),
            _flag("key_place"),
        ),
    ),
    "citation": TableSpec("id", (_n("id"), _t("source_key"), _t("locator"), _t("place_id", True)), "id"),
    "event": TableSpec(
        "id",
        (
            _t("id"),
            _time("t"),
            _t("kind"),
            _t("title_en"),
            _t("title_zh"),
            _t("text_en"),
            _t("text_zh"),
            _time("end_t", True),
            _n("lat", True),
            _n("lon", True),
            _t("place_id", True),
            _t("basis"),
            _t("other_version_en"),
            _t("other_version_zh"),
        ),
    ),
    "event_unit": TableSpec("event_id", (_t("event_id"), _t("unit_id"), _t("role"))),
    "event_source": TableSpec("event_id", (_t("event_id"), _t("source_key"), _t("locator"))),
    "feature": TableSpec(
        "id",
        (
            _t("id"),
            _t("kind"),
            _t("name_en"),
            _t("name_zh"),
            _t("geometry"),
            _n("schematic"),
            _time("start_time", True),
            _time("end_time", True),
            _t("source_key"),
            _t("locator"),
        ),
    ),
    "annotation": TableSpec(
        "id",
        (
            _t("id"),
            _t("kind"),
            _t("geometry"),
            _t("text"),
            _t("colour"),
            _time("start_time", True),
            _time("end_time", True),
            _t("author"),
            _time("created"),
            _t("text_zh"),
            _n("width"),
            _t("dash"),
            _n("fill_opacity"),
            _flag("hatch"),
            _t("arrowhead"),
            _t("span"),
            _t("unit_id", True),
            _n("radius_km", True),
        ),
    ),
}

_STATUS_CASE = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(vocab.STATUSES))
_CERTAINTY_CASE = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(vocab.CERTAINTIES))
# Every rule of a keyframe row, declared or not (store.declared's rules of this table are in it):
# a scan of a million rows is costly, so there is one.
_KEYFRAME_BAD = " OR ".join(
    [
        "typeof(unit_id) != 'text'",
        f"{epoch_sql('t')} IS NULL",
        "typeof(lat) NOT IN ('real', 'integer')",
        "typeof(lon) NOT IN ('real', 'integer')",
        "typeof(strength) NOT IN ('real', 'integer') OR NOT strength BETWEEN 0 AND 100",
        f"typeof(status) != 'text' OR status NOT IN ({', '.join(repr(v) for v in vocab.STATUSES)})",
        f"typeof(certainty) != 'text' OR certainty NOT IN ({', '.join(repr(v) for v in vocab.CERTAINTIES)})",
        "typeof(citation_id) != 'integer'",
        "typeof(interpolate) != 'integer' OR interpolate NOT IN (0, 1)",
    ]
)


def source_sql(table: str, version: int) -> str:
    """What to read ``table`` of a file of format ``version`` from: the table itself, or (an
    older version) a subquery adding the columns it lacks, with their stand-in values."""
    added = stand_ins(table, version)
    if not added:
        return table
    columns = ["rowid AS rowid", *expected_columns(version)[table], *(f"{sql} AS {c}" for c, sql in added.items())]
    return f"(SELECT {', '.join(columns)} FROM {table})"


def bad_value_sql(table: str, version: int | None = None, also: str = "") -> str:
    """SQL counting the rows of ``table`` with a value of the wrong type, length or form in a file
    of format ``version``, or for which the SQL condition ``also`` holds. Without a version,
    only the columns every version read has are checked (the reader checks the others itself:
    see ``Reader.read``)."""
    if table == "keyframe":
        return f"SELECT count(*) FROM keyframe WHERE {_KEYFRAME_BAD}"
    cols = TABLES[table].cols
    if version is None:
        cols = tuple(c for c in cols if c.name in expected_columns(OLDEST_VERSION)[table])
        source = table
    else:
        source = source_sql(table, version)
    where = " OR ".join(_bad_sql(table, c) for c in cols)
    return f"SELECT count(*) FROM {source} WHERE {where}" + (f" OR {also}" if also else "")


def _bad_sql(table: str, c: Col) -> str:
    if c.kind == "time":
        wrong = f"{epoch_sql(c.name)} IS NULL"
    elif c.kind == "number":
        wrong = f"typeof({c.name}) NOT IN ('integer', 'real')"
    elif c.kind == "flag":
        wrong = f"typeof({c.name}) != 'integer' OR {c.name} NOT IN (0, 1)"
    else:
        wrong = f"typeof({c.name}) != 'text' OR length({c.name}) > {max_text(c.name, table)}"
    return f"({c.name} IS NOT NULL AND ({wrong}))" if c.null else f"({c.name} IS NULL OR {wrong})"


def _checked_without_version(table: str, version: int) -> bool:
    """Whether ``bad_value_sql(table)`` (no version) checks every column ``table`` has in ``version``."""
    common = expected_columns(OLDEST_VERSION)[table]
    present = expected_columns(version)[table]
    return all(c.name in common or c.name not in present for c in TABLES[table].cols)


def file_version(db: sqlite3.Connection, path: Path) -> int:
    """The format version of the opened file (ScenarioError when it is not one this code reads)."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version not in DDL_BY_VERSION:
        raise ScenarioError(f"{path.name}: scenario format {version} cannot be read by this version")
    return version


class Reader:
    """Reads one opened file; collects problems instead of stopping at the first."""

    def __init__(self, db: sqlite3.Connection, path: Path, careful: frozenset[str] = frozenset()) -> None:
        """``careful`` names the tables whose values must be checked one by one ("*": all); the
        others are read as they are, which is right for any table without bad values."""
        self.db = db
        self.path = path
        self.careful = careful
        self.problems: list[Problem] = []
        self.version = file_version(db, path)

    def _problem(self, table: str, row: str, column: str, message: str) -> None:
        self.problems.append(Problem(table, row, column, message))

    def is_careful(self, table: str) -> bool:
        return "*" in self.careful or table in self.careful

    def fetch(self, table: str) -> Iterable[tuple]:
        """Rows of ``table`` (its spec's columns, times as epoch seconds). Read carefully, a bad
        value is reported against the row named by the key column and replaced by a neutral one."""
        spec = TABLES[table]
        source = source_sql(table, self.version)
        if not self.is_careful(table):
            select = ", ".join(parse_sql(c.name) if c.kind == "time" else c.name for c in spec.cols)
            return self.db.execute(f"SELECT {select} FROM {source} ORDER BY {spec.order}")
        raw = self.db.execute(
            f"SELECT {spec.key}, {', '.join(c.name for c in spec.cols)} FROM {source} ORDER BY {spec.order}"
        )
        return [tuple(self._value(table, f"{str(r[0])[:60]!r}", c, v) for c, v in zip(spec.cols, r[1:])) for r in raw]

    def _value(self, table: str, row: str, c: Col, value: object) -> object:
        if value is None:
            if c.null:
                return None
            self._problem(table, row, c.name, "is missing")
            return {"text": "", "number": float("nan"), "time": float("nan"), "flag": False}[c.kind]
        if c.kind == "time":
            try:
                return parse_time(value)  # type: ignore[arg-type]
            except TimeFormatError:
                self._problem(table, row, c.name, f"not an ISO 8601 time with a UTC offset: {str(value)[:40]!r}")
                return float("nan")
        if c.kind == "number":
            if isinstance(value, (int, float)):
                return value
            self._problem(table, row, c.name, f"must be a number, not {str(value)[:40]!r}")
            return float("nan")
        if c.kind == "flag":
            if type(value) is int and value in (0, 1):
                return bool(value)
            self._problem(table, row, c.name, f"must be 0 or 1, not {str(value)[:40]!r}")
            return False
        if not isinstance(value, str):
            self._problem(table, row, c.name, f"must be text, not {type(value).__name__}")
            return str(value)[:200]
        longest = max_text(c.name, table)
        if len(value) > longest:
            self._problem(table, row, c.name, f"absurdly long ({len(value):,} characters; at most {longest:,})")
            return value[:200]
        return value

    # -- tables --------------------------------------------------------------------------
    def read(self) -> Scenario:
        for table in TABLES:  # columns the checks beside the reading do not know of: checked here
            if not self.is_careful(table) and not _checked_without_version(table, self.version):
                (bad,) = self.db.execute(bad_value_sql(table, self.version)).fetchone()
                if bad:
                    self.careful = self.careful | {table}
        info = self._info()
        units = self._units()
        return Scenario(
            info=info,
            sides=tuple(Side._make(r) for r in self.fetch("side")),
            units=units,
            phases=self._phases(info.end),
            events=self._events(),
            tracks=self._tracks(units),
            places=tuple(Place(*r[:8], Citation(r[8], r[9]), r[10], r[11]) for r in self.fetch("place")),
            features=self._features(),
            annotations=self._annotations(),
            sources=tuple(Source._make(r) for r in self.fetch("source")),
            credits=tuple(Credit._make(r) for r in self.fetch("credit")),
        )

    def _info(self) -> ScenarioInfo:
        rows = list(self.fetch("scenario"))
        if len(rows) != 1:
            self._problem("scenario", "", "", f"must have exactly one row, has {len(rows)}")
        if not rows:
            return ScenarioInfo("", "", "", "", parse_offset("Z"), float("nan"), float("nan"), (0.0, 0.0, 0.0, 0.0))
        v = dict(zip((c.name for c in TABLES["scenario"].cols), rows[0]))
        try:
            offset = parse_offset(v["time_zone"])
        except TimeFormatError:
            self._problem("scenario", "", "time_zone", f"not a UTC offset like +08:00: {v['time_zone'][:40]!r}")
            offset = parse_offset("Z")
        return ScenarioInfo(
            title_en=v["title_en"],
            title_zh=v["title_zh"],
            description_en=v["description_en"],
            description_zh=v["description_zh"],
            time_zone=offset,
            start=v["start_time"],
            end=v["end_time"],
            extent=(v["west"], v["south"], v["east"], v["north"]),
            author=v["author"],
            based_on=v["based_on"],
        )

    def _citations(self, table: str) -> dict[str, list[Citation]]:
        found: dict[str, list[Citation]] = defaultdict(list)
        shared: dict[tuple[str, str], Citation] = {}  # one object per distinct citation
        for who, key, locator in self.fetch(table):
            pair = (key, locator)
            citation = shared.get(pair)
            if citation is None:
                citation = shared[pair] = Citation(key, locator)
            found[who].append(citation)
        return found

    def _units(self) -> OrderOfBattle:
        citations = self._citations("unit_source")
        orbat = OrderOfBattle([Unit(*r, tuple(citations.get(r[0], ()))) for r in self.fetch("unit")])
        for owner in citations.keys() - set(orbat.ids):
            self._problem("unit_source", f"(unit_id={owner!r})", "unit_id", "unknown unit")
        return orbat

    def _phases(self, end: float) -> Phases:
        rows = sorted(self.fetch("phase"), key=lambda r: (r[1], r[0]))
        ends = [r[1] for r in rows[1:]] + [end]
        return Phases(Phase(*r[:2], stop, *r[2:6], self._view(r[0], r[6:10])) for r, stop in zip(rows, ends))

    def _view(self, phase_id: str, bounds: tuple) -> tuple[float, float, float, float] | None:
        """A phase's view: all four bounds, or none (a problem when only some are given)."""
        given = sum(b is not None for b in bounds)
        if given == 0:
            return None
        if given < 4:
            self._problem("phase", repr(phase_id), "view_west", "a view needs all four bounds, or none")
            return None
        return bounds

    def _events(self) -> EventLog:
        # Built column by column with C-level loops (zip, map): a scenario may hold 100,000
        # events. Values that repeat (unit links, citations, kinds, bases) are shared, not copied.
        # One table of shared tuples per kind: an EventUnit and a Citation with the same two
        # strings are equal tuples, and must not stand in for each other.
        unit_groups: dict[tuple, tuple] = {}
        source_groups: dict[tuple, tuple] = {}
        links: dict[str, list[EventUnit]] = defaultdict(list)
        link_of: dict[tuple[str, str], EventUnit] = {}
        for eid, uid, role in self.fetch("event_unit"):
            link = link_of.get((uid, role))
            if link is None:
                link = link_of[(uid, role)] = EventUnit(uid, role)
            links[eid].append(link)
        citations = self._citations("event_source")
        units_of = {eid: unit_groups.setdefault(t, t) for eid, found in links.items() if (t := tuple(found))}
        sources_of = {eid: source_groups.setdefault(t, t) for eid, found in citations.items() if (t := tuple(found))}
        columns = [list(c) for c in zip(*self.fetch("event"))] or [[] for _ in TABLES["event"].cols]
        words: dict[str, str] = {}
        word = words.setdefault
        for i in (2, 11):  # kind, basis
            columns[i] = list(map(word, columns[i], columns[i]))
        columns[10] = [place and word(place, place) for place in columns[10]]
        ids = columns[0]
        empty = ()
        events = list(
            map(
                Event._make,
                zip(*columns, map(units_of.get, ids, repeat(empty)), map(sources_of.get, ids, repeat(empty))),
            )
        )
        if links or citations:
            known = set(ids)
            for table, found in (("event_unit", links), ("event_source", citations)):
                for owner in found.keys() - known:
                    self._problem(table, f"(event_id={owner!r})", "event_id", "unknown event")
        return EventLog(events)

    def _geometry(self, table: str, row: str, text: str) -> dict:
        try:
            geometry = json.loads(text)
        except (ValueError, RecursionError):
            self._problem(table, row, "geometry", "not valid JSON")
            return {}
        return geometry if isinstance(geometry, dict) else {}

    def _features(self) -> tuple[Feature, ...]:
        return tuple(
            Feature(
                fid,
                kind,
                n_en,
                n_zh,
                self._geometry("feature", repr(fid), geometry),
                bool(schematic),
                start,
                end,
                Citation(key, locator),
            )
            for fid, kind, n_en, n_zh, geometry, schematic, start, end, key, locator in self.fetch("feature")
        )

    def _annotations(self) -> tuple[Annotation, ...]:
        names = [c.name for c in TABLES["annotation"].cols]
        found = []
        for row in self.fetch("annotation"):
            v = dict(zip(names, row))
            found.append(
                Annotation(
                    id=v["id"],
                    kind=v["kind"],
                    geometry=self._geometry("annotation", repr(v["id"]), v["geometry"]),
                    text=v["text"],
                    colour=v["colour"],
                    start=v["start_time"],
                    end=v["end_time"],
                    author=v["author"],
                    created=v["created"],
                    text_zh=v["text_zh"],
                    width=v["width"],
                    dash=v["dash"],
                    fill_opacity=v["fill_opacity"],
                    hatch=bool(v["hatch"]),
                    arrowhead=v["arrowhead"],
                    span=v["span"],
                    unit_id=v["unit_id"],
                    radius_km=v["radius_km"],
                )
            )
        return tuple(found)

    # -- keyframes -----------------------------------------------------------------------
    def _tracks(self, units: OrderOfBattle) -> UnitTracks:
        """Keyframes as columns: per row one packed integer (time, status, certainty, interpolate),
        strength, lat, lon and citation id; rows come grouped by unit and ordered by time."""
        table = "keyframe"
        runs = []
        for uid, count in self.db.execute("SELECT unit_id, count(*) FROM keyframe GROUP BY unit_id ORDER BY unit_id"):
            if uid not in units:
                self._problem(table, f"(unit_id={str(uid)[:60]!r})", "unit_id", f"unknown unit ({count} keyframes)")
            runs.append((units.index_of(uid) if uid in units else -1, count))
        total = sum(c for _, c in runs)
        careful = self.is_careful(table)
        if careful:  # every value guarded: a bad one becomes a marker, reported below
            number = "CASE WHEN typeof({0}) IN ('real', 'integer') THEN {0} END"
            packed = (
                f"IFNULL(({epoch_sql('t')} + {_TIME_SHIFT}) * 256 + IFNULL(CASE status {_STATUS_CASE} END, "
                f"{_STATUS_BAD}) * 8 + IFNULL(CASE certainty {_CERTAINTY_CASE} END, {_CERTAINTY_BAD}) * 2"
                " + (interpolate IS NOT 0), -1)"
            )
            strength = f"IFNULL(CASE WHEN {number.format('strength')} BETWEEN 0 AND 100 THEN strength END, 1e999)"
            lat, lon = (f"IFNULL({number.format(c)}, 1e999)" for c in ("lat", "lon"))
            citation = f"IFNULL({number.format('citation_id')}, -1)"
        else:
            packed = (
                f"({parse_sql('t')} + {_TIME_SHIFT}) * 256 + (CASE status {_STATUS_CASE} END) * 8"
                f" + (CASE certainty {_CERTAINTY_CASE} END) * 2 + interpolate"
            )
            strength, lat, lon, citation = "strength", "lat", "lon", "citation_id"
        sql = f"SELECT {packed}, {strength}, {lat}, {lon}, {citation} FROM keyframe ORDER BY unit_id, t"
        dtype = np.dtype(
            [
                ("packed", np.int64),
                ("strength", np.float64),
                ("lat", np.float64),
                ("lon", np.float64),
                ("citation", np.int64),
            ]
        )
        cols = np.fromiter(self.db.execute(sql), dtype=dtype, count=total)
        run_units = np.array([u for u, _ in runs], np.int64)
        run_counts = np.array([c for _, c in runs], np.int64)
        order = _group_order(run_units, run_counts)  # runs come in unit-id order; put them in unit-index order
        unit_index = np.repeat(run_units, run_counts)[order]
        keep = unit_index >= 0
        p = cols["packed"][order]
        if careful:
            keep &= p >= 0
            self._report_keyframes(f"{epoch_sql('t')} IS NULL", "t", "not an ISO 8601 time with a UTC offset")
            self._report_keyframes(
                f"certainty NOT IN ({', '.join(repr(c) for c in vocab.CERTAINTIES)})", "certainty", "unknown certainty"
            )
            self._report_keyframes("interpolate NOT IN (0, 1)", "interpolate", "must be 0 or 1")
        time = ((p >> 8) - _TIME_SHIFT).astype(np.float64)
        status = ((p >> 3) & 15).astype(np.int8)
        status[status == _STATUS_BAD] = -1
        certainty = ((p >> 1) & 3).astype(np.int8)
        interpolate = (p & 1).astype(bool)
        del p
        strength = cols["strength"][order]
        strength[np.isinf(strength)] = np.nan
        lat, lon, citation_ids = cols["lat"][order], cols["lon"][order], cols["citation"][order]
        del cols, order  # keep the peak memory down: the packed rows are no longer needed
        citation, place, citations, places = self._keyframe_citations(citation_ids)
        columns = [unit_index, time, lat, lon, strength, status, interpolate, certainty, citation, place]
        if not keep.all():
            columns = [c[keep] for c in columns]
        return UnitTracks(len(units), *columns[:2], *columns[2:], citations, places)

    def _keyframe_citations(
        self, ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[Citation, ...], tuple[str, ...]]:
        """Map keyframe citation ids to (citation index, place index) and their tables."""
        rows = list(self.fetch("citation"))
        table_ids = np.array([r[0] for r in rows], dtype=np.int64)
        unique: dict[Citation, int] = {}
        citation_by_row = np.array([unique.setdefault(Citation(r[1], r[2]), len(unique)) for r in rows], np.int32)
        place_names = sorted({r[3] for r in rows if r[3] is not None})
        place_of = {name: i for i, name in enumerate(place_names)}
        place_by_row = np.array([place_of[r[3]] if r[3] is not None else -1 for r in rows], dtype=np.int32)
        order = np.argsort(table_ids, kind="stable")
        table_ids, citation_by_row, place_by_row = table_ids[order], citation_by_row[order], place_by_row[order]
        pos = np.clip(np.searchsorted(table_ids, ids), 0, max(len(table_ids) - 1, 0))
        found = (table_ids[pos] == ids) if len(table_ids) else np.zeros(len(ids), bool)
        if not found.all():
            self._report_keyframes("citation_id NOT IN (SELECT id FROM citation)", "citation_id", "unknown citation")
        citation = np.where(found, citation_by_row[pos] if len(rows) else -1, -1).astype(np.int32)
        place = np.where(found, place_by_row[pos] if len(rows) else -1, -1).astype(np.int32)
        return citation, place, tuple(unique), tuple(place_names)

    def _report_keyframes(self, condition: str, column: str, message: str) -> None:
        for uid, value in self.db.execute(f"SELECT unit_id, t FROM keyframe WHERE {condition} LIMIT 20"):
            self._problem("keyframe", f"(unit_id={str(uid)[:60]!r}, t={str(value)[:40]!r})", column, message)


def _group_order(run_keys: np.ndarray, run_counts: np.ndarray) -> np.ndarray:
    """Row permutation that puts contiguous runs in order of their key, keeping each run's rows."""
    starts = np.concatenate(([0], np.cumsum(run_counts)[:-1]))
    by_key = np.argsort(run_keys, kind="stable")
    lengths = run_counts[by_key]
    firsts = np.repeat(starts[by_key] - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return firsts + np.arange(int(lengths.sum()))
