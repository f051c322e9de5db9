"""Reading the rows of an opened scenario file into the model.

Each table is read with one query whose values are first checked in SQL (types, lengths,
times); only when that check finds something wrong are the rows checked one by one in Python,
to name every culprit. A valid file so costs one pass in C and no per-value Python work.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlite_utils import Database

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
from .schema import max_text

_HAS_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)
# The numeric part of a keyframe row arrives packed in one integer (far fewer Python objects):
# time (s, shifted positive) << 21 | strength (0.01 %) << 7 | status << 3 | certainty << 1 | interpolate
_TIME_SHIFT = 1 << 34
_STRENGTH_UNITS = 100
_STRENGTH_BAD = (1 << 14) - 1
_STATUS_BAD = 15
_CERTAINTY_BAD = 3


def epoch_sql(column: str) -> str:
    """SQL for the epoch seconds of an ISO 8601 column: NULL unless it is a time with a UTC offset."""
    parse = f"unixepoch({column})" if _HAS_UNIXEPOCH else f"CAST(strftime('%s', {column}) AS INTEGER)"
    return (
        f"CASE WHEN typeof({column}) = 'text' AND (substr({column}, -6, 1) IN ('+', '-') "
        f"OR substr({column}, -1) = 'Z') THEN {parse} END"
    )


@dataclass(frozen=True)
class Col:
    """A column to read: ``kind`` is text, number or time; ``null`` allows NULL (read as None)."""

    name: str
    kind: str = "text"
    null: bool = False


def _t(name: str, null: bool = False) -> Col:
    return Col(name, "text", null)


def _n(name: str, null: bool = False) -> Col:
    return Col(name, "number", null)


def _time(name: str, null: bool = False) -> Col:
    return Col(name, "time", null)


class Reader:
    """Reads one opened file; collects problems instead of stopping at the first."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self.problems: list[Problem] = []

    def _problem(self, table: str, row: str, column: str, message: str) -> None:
        self.problems.append(Problem(table, row, column, message))

    # -- checked fetching ----------------------------------------------------------------
    def fetch(self, table: str, key: str, cols: Sequence[Col], order: str = "rowid") -> list[tuple]:
        """Rows of ``table`` (``cols`` in order; times as epoch seconds); bad values are reported
        against the row named by the ``key`` column and replaced by a neutral value."""
        bad = " OR ".join(self._bad_sql(c) for c in cols)
        (count,) = self.db.execute(f"SELECT count(*) FROM {table} WHERE {bad}").fetchone()
        if count == 0:
            select = ", ".join(epoch_sql(c.name) if c.kind == "time" else c.name for c in cols)
            return self.db.execute(f"SELECT {select} FROM {table} ORDER BY {order}").fetchall()
        raw = self.db.execute(f"SELECT {key}, {', '.join(c.name for c in cols)} FROM {table} ORDER BY {order}")
        return [tuple(self._value(table, f"{str(r[0])[:60]!r}", c, v) for c, v in zip(cols, r[1:])) for r in raw]

    @staticmethod
    def _bad_sql(c: Col) -> str:
        if c.kind == "time":
            wrong = f"{epoch_sql(c.name)} IS NULL"
        elif c.kind == "number":
            wrong = f"typeof({c.name}) NOT IN ('integer', 'real')"
        else:
            wrong = f"typeof({c.name}) != 'text' OR length({c.name}) > {max_text(c.name)}"
        return f"({c.name} IS NOT NULL AND ({wrong}))" if c.null else f"({c.name} IS NULL OR {wrong})"

    def _value(self, table: str, row: str, c: Col, value: object) -> object:
        if value is None:
            if c.null:
                return None
            self._problem(table, row, c.name, "is missing")
            return {"text": "", "number": float("nan"), "time": float("nan")}[c.kind]
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
        if not isinstance(value, str):
            self._problem(table, row, c.name, f"must be text, not {type(value).__name__}")
            return str(value)[:200]
        if len(value) > max_text(c.name):
            self._problem(
                table, row, c.name, f"absurdly long ({len(value):,} characters; at most {max_text(c.name):,})"
            )
            return value[:200]
        return value

    # -- tables --------------------------------------------------------------------------
    def read(self) -> Scenario:
        info = self._info()
        units = self._units()
        places = self._places()
        return Scenario(
            info=info,
            sides=self._sides(),
            units=units,
            phases=self._phases(info.end),
            events=self._events(),
            tracks=self._tracks(units),
            places=places,
            features=self._features(),
            annotations=self._annotations(),
            sources=tuple(
                Source._make(r) for r in self.fetch("source", "key", [_t("key"), _t("title"), _t("url"), _t("note")])
            ),
            credits=tuple(
                Credit._make(r)
                for r in self.fetch("credit", "id", [_t("subject"), _t("holder"), _t("licence"), _t("url")], "id")
            ),
        )

    def _info(self) -> ScenarioInfo:
        cols = [
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
        ]
        rows = self.fetch("scenario", "id", cols, "id")
        if len(rows) != 1:
            self._problem("scenario", "", "", f"must have exactly one row, has {len(rows)}")
        if not rows:
            return ScenarioInfo("", "", "", "", parse_offset("Z"), float("nan"), float("nan"), (0.0, 0.0, 0.0, 0.0))
        *texts, tz, start, end, west, south, east, north = rows[0]
        try:
            offset = parse_offset(tz)
        except TimeFormatError:
            self._problem("scenario", "", "time_zone", f"not a UTC offset like +08:00: {tz[:40]!r}")
            offset = parse_offset("Z")
        return ScenarioInfo(*texts, offset, start, end, (west, south, east, north))

    def _sides(self) -> tuple[Side, ...]:
        cols = [_t("id"), _t("name_en"), _t("name_zh"), _t("colour")]
        return tuple(Side._make(r) for r in self.fetch("side", "id", cols, "sort_order, rowid"))

    def _citations(self, table: str, owner: str) -> dict[str, list[Citation]]:
        found: dict[str, list[Citation]] = defaultdict(list)
        for who, key, locator in self.fetch(table, owner, [_t(owner), _t("source_key"), _t("locator")]):
            found[who].append(Citation(key, locator))
        return found

    def _units(self) -> OrderOfBattle:
        citations = self._citations("unit_source", "unit_id")
        cols = [
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
        ]
        units = [Unit(*r, tuple(citations.get(r[0], ()))) for r in self.fetch("unit", "id", cols, "sort_order, rowid")]
        orbat = OrderOfBattle(units)
        for owner in citations.keys() - set(orbat.ids):
            self._problem("unit_source", f"(unit_id={owner!r})", "unit_id", "unknown unit")
        return orbat

    def _phases(self, end: float) -> Phases:
        cols = [_t("id"), _time("start_time"), _t("title_en"), _t("title_zh"), _t("summary_en"), _t("summary_zh")]
        rows = sorted(self.fetch("phase", "id", cols), key=lambda r: (r[1], r[0]))
        ends = [r[1] for r in rows[1:]] + [end]
        return Phases(Phase(pid, start, stop, *rest) for (pid, start, *rest), stop in zip(rows, ends))

    def _places(self) -> tuple[Place, ...]:
        cols = [
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
        ]
        return tuple(Place(*r[:8], Citation(r[8], r[9]), r[10]) for r in self.fetch("place", "id", cols))

    def _events(self) -> EventLog:
        links: dict[str, list[EventUnit]] = defaultdict(list)
        for eid, uid, role in self.fetch("event_unit", "event_id", [_t("event_id"), _t("unit_id"), _t("role")]):
            links[eid].append(EventUnit(uid, role))
        citations = self._citations("event_source", "event_id")
        cols = [
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
        ]
        empty = ()
        events = [
            Event(*r, tuple(links.get(r[0], empty)), tuple(citations.get(r[0], empty)))
            for r in self.fetch("event", "id", cols)
        ]
        known = {e.id for e in events}
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
        cols = [
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
        ]
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
            for fid, kind, n_en, n_zh, geometry, schematic, start, end, key, locator in self.fetch(
                "feature", "id", cols
            )
        )

    def _annotations(self) -> tuple[Annotation, ...]:
        cols = [
            _t("id"),
            _t("kind"),
            _t("geometry"),
            _t("text"),
            _t("colour"),
            _time("start_time", True),
            _time("end_time", True),
            _t("author"),
            _time("created"),
        ]
        return tuple(
            Annotation(aid, kind, self._geometry("annotation", repr(aid), geometry), *rest)
            for aid, kind, geometry, *rest in self.fetch("annotation", "id", cols)
        )

    # -- keyframes -----------------------------------------------------------------------
    def _tracks(self, units: OrderOfBattle) -> UnitTracks:
        """Keyframes as columns: one packed integer, lat, lon and citation id per row."""
        table = "keyframe"
        runs = []
        for uid, count in self.db.execute("SELECT unit_id, count(*) FROM keyframe GROUP BY unit_id ORDER BY unit_id"):
            if uid not in units:
                self._problem(table, f"(unit_id={str(uid)[:60]!r})", "unit_id", f"unknown unit ({count} keyframes)")
            runs.append((units.index_of(uid) if uid in units else -1, count))
        total = sum(c for _, c in runs)
        number = "CASE WHEN typeof({0}) IN ('real', 'integer') THEN {0} END"
        status = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(vocab.STATUSES))
        certainty = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(vocab.CERTAINTIES))
        packed = (
            f"({epoch_sql('t')} + {_TIME_SHIFT}) * 2097152"
            f" + IFNULL(CASE WHEN {number.format('strength')} BETWEEN 0 AND 100"
            f" THEN CAST(round(strength * {_STRENGTH_UNITS}) AS INTEGER) END, {_STRENGTH_BAD}) * 128"
            f" + IFNULL(CASE status {status} END, {_STATUS_BAD}) * 8"
            f" + IFNULL(CASE certainty {certainty} END, {_CERTAINTY_BAD}) * 2"
            f" + (interpolate IS NOT 0)"
        )
        sql = (
            f"SELECT IFNULL({packed}, -1), IFNULL({number.format('lat')}, 1e999), "
            f"IFNULL({number.format('lon')}, 1e999), IFNULL({number.format('citation_id')}, -1) "
            "FROM keyframe ORDER BY unit_id, t"
        )
        dtype = np.dtype([("packed", np.int64), ("lat", np.float64), ("lon", np.float64), ("citation", np.int64)])
        cols = np.fromiter(self.db.execute(sql), dtype=dtype, count=total)
        unit_index = np.repeat(np.array([u for u, _ in runs], np.int64), np.array([c for _, c in runs], np.int64))
        p = cols["packed"]
        bad_time = p < 0
        if bad_time.any():
            self._report_keyframes(f"{epoch_sql('t')} IS NULL", "t", "not an ISO 8601 time with a UTC offset")
        strength = (p >> 7) & _STRENGTH_BAD
        status_code = ((p >> 3) & 15).astype(np.int8)
        status_code[status_code == _STATUS_BAD] = -1
        certainty_code = ((p >> 1) & 3).astype(np.int8)
        if (certainty_code == _CERTAINTY_BAD).any():
            self._report_keyframes(
                f"IFNULL(certainty NOT IN ({', '.join(repr(c) for c in vocab.CERTAINTIES)}), 1)",
                "certainty",
                "unknown certainty",
            )
        citation, place, citations, places = self._keyframe_citations(cols["citation"])
        keep = (unit_index >= 0) & ~bad_time
        return UnitTracks(
            len(units),
            unit_index[keep],
            ((p >> 21) - _TIME_SHIFT)[keep].astype(np.float64),
            cols["lat"][keep],
            cols["lon"][keep],
            np.where(strength == _STRENGTH_BAD, np.nan, strength / _STRENGTH_UNITS)[keep],
            status_code[keep],
            (p & 1).astype(bool)[keep],
            certainty_code[keep],
            citation[keep],
            place[keep],
            citations,
            places,
        )

    def _keyframe_citations(
        self, ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[Citation, ...], tuple[str, ...]]:
        """Map keyframe citation ids to (citation index, place index) and their tables."""
        rows = self.fetch("citation", "id", [_n("id"), _t("source_key"), _t("locator"), _t("place_id", True)], "id")
        table_ids = np.array([r[0] for r in rows], dtype=np.int64)
        unique: dict[Citation, int] = {}
        citation_by_row = np.array([unique.setdefault(Citation(r[1], r[2]), len(unique)) for r in rows], np.int32)
        place_names = sorted({r[3] for r in rows if r[3] is not None})
        place_of = {name: i for i, name in enumerate(place_names)}
        place_by_row = np.array([place_of[r[3]] if r[3] is not None else -1 for r in rows], dtype=np.int32)
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
