"""A new scenario from tables: CSV of sides, units, keyframes, events and places, GeoJSON of places
and map features (``changsha-replay new``).

CSV files are read with sqlite-utils' ``rows_from_file`` (UTF-8, a header row, a BOM allowed).
The columns are the interface, documented in the README; every value is checked here or by
``model.validation`` before anything is written, and the first problem is reported naming the
file, the row and the column (``TableError``).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from sqlite_utils.utils import Format, RowError, rows_from_file

from ..model import vocab
from ..model.orbat import OrderOfBattle
from ..model.records import Citation, Event, EventUnit, Feature, Phase, Place, ScenarioInfo, Side, Source, Unit
from ..model.scenario import Scenario
from ..model.shown import shown
from ..model.timeline import EventLog, Phases
from ..model.times import TimeFormatError, parse_offset, parse_time, parse_times
from ..model.tracks import UnitTracks
from .source import SourceError

MAX_GEOJSON_BYTES = 100 * 1024 * 1024
SIDES_CSV = ("id", "name_en", "name_zh", "colour")
UNITS_CSV = ("id", "parent_id", "side_id", "name_en", "name_zh", "echelon", "branch", "commander_en")
KEYFRAMES_CSV = ("unit_id", "time", "lat", "lon", "strength", "status", "certainty", "source")
EVENTS_CSV = ("id", "time", "kind", "title_en", "text_en", "lat", "lon", "units", "source")
PLACES_CSV = ("id", "name_en", "name_zh", "lat", "lon", "kind")
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")
IDENTITIES = {"friend": "3", "hostile": "6", "neutral": "4", "unknown": "1"}
# APP-6 (D) / 2525D land-unit entities of each branch (SIDC digits 11-16); air units are symbol set 01
_ENTITY = {
    "headquarters": "121100",
    "infantry": "121100",
    "cavalry": "121300",
    "artillery": "130300",
    "engineer": "140700",
    "transport": "163400",
}
_OFFSET_RE = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


class TableError(SourceError):
    """An input table cannot make a scenario: the message names file, row and column."""


def sidc(identity: str, echelon: str, branch: str) -> str:
    """The 20-digit APP-6 (D) symbol code of a unit of this standard identity, echelon and branch."""
    ident = IDENTITIES.get(identity, "1")
    if branch == "air":
        return f"100{ident}0100001101030000"  # a military fixed-wing aircraft
    hq = "2" if branch == "headquarters" else "0"
    return f"100{ident}100{hq}{vocab.ECHELONS.get(echelon, '00')}{_ENTITY.get(branch, '121100')}0000"


def rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows of a CSV file with ``required`` columns, numbered from 1 (``row_name(path, n)``
    names one in a message). A cell of a short row is None; csv refuses a cell longer than
    131,072 characters."""
    name = path.name
    try:
        fp = path.open("rb")
    except OSError as exc:
        raise TableError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    with fp:
        reader, _format = rows_from_file(fp, format=Format.CSV, encoding="utf-8")
        n = 0
        try:
            for n, row in enumerate(reader, 1):
                if n == 1:
                    missing = [c for c in required if c not in row]
                    if missing:
                        header = ", ".join(shown(k, 40) for k in row if k is not None)
                        raise TableError(f"{name}: no column {missing[0]!r} (the header has: {header})")
                yield n, row
        except UnicodeDecodeError:
            raise TableError(f"{name}: not UTF-8 text (a CSV file with a header row is expected)") from None
        except RowError:
            raise TableError(f"{name} row {n + 1}: more values than the header has columns") from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise TableError(
                    f"{name} row {n + 1}: a cell longer than {csv.field_size_limit():,} characters"
                ) from None
            raise TableError(f"{name} row {n + 1}: not readable as CSV ({exc})") from None
        if n == 0 and required:
            raise TableError(f"{name}: no rows (a CSV file with a header row is expected)")


def row_name(path: Path, n: int) -> str:
    """A row of a table, as messages name it: ``units.csv row 3``."""
    return f"{path.name} row {n}"


def _cells(path: Path, required: Sequence[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """The rows of a small table with each cell stripped (None, for a short row's, is "")."""
    for n, row in rows(path, required):
        yield row_name(path, n), {k: (v or "").strip() for k, v in row.items() if k is not None}


def _number(row: dict[str, str], key: str, where: str, *, optional: bool = False) -> float | None:
    text = row.get(key, "")
    if not text and optional:
        return None
    try:
        value = float(text)
    except ValueError:
        raise TableError(f"{where}, column {key!r}: not a number: {shown(text, 40)!r}") from None
    if not math.isfinite(value):
        raise TableError(f"{where}, column {key!r}: {shown(text, 40)!r} is not a finite number")
    return value


def _one_of(row: dict[str, str], key: str, where: str, allowed: Sequence[str], default: str | None = None) -> str:
    value = row.get(key, "") or (default or "")
    if value not in allowed:
        raise TableError(f"{where}, column {key!r}: {shown(value, 40)!r} is not one of {', '.join(allowed)}")
    return value


def _needed(row: dict[str, str], key: str, where: str) -> str:
    if not row.get(key):
        raise TableError(f"{where}, column {key!r}: empty")
    return row[key]


class _Sources:
    """Free citation texts made into the scenario's sources (S1, S2, …), and each input file as
    the source of rows that give none."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.sources: list[Source] = []

    def of(self, text: str, file: Path) -> Citation:
        title = text or f"{file.name} (imported; the row names no source)"
        key = self.keys.get(title)
        if key is None:
            key = self.keys[title] = f"S{len(self.keys) + 1}"
            url = text if text.startswith(("http://", "https://")) and " " not in text else ""
            self.sources.append(Source(key, title, url))
        return Citation(key)


class _Times:
    """ISO 8601 times with their offsets, each distinct text parsed once."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.offset: str | None = None

    def __call__(self, row: dict[str, str], key: str, where: str, *, optional: bool = False) -> float | None:
        text = row.get(key, "")
        if not text and optional:
            return None
        return self._parse(text, f"{where}, column {key!r}")

    def parse(self, text: str, path: Path, n: int, key: str) -> float:
        """The time in row ``n`` of a table."""
        value = self.seen.get(text)
        return value if value is not None else self._parse(text, f"{row_name(path, n)}, column {key!r}")

    def _parse(self, text: str, place: str) -> float:
        value = self.seen.get(text)
        if value is None:
            try:
                value = self.seen[text] = parse_time(text)
            except TimeFormatError:
                raise TableError(
                    f"{place}: not an ISO 8601 time with its offset, e.g. 1942-01-05T06:30+08:00: {shown(text, 40)!r}"
                ) from None
            if self.offset is None:
                found = _OFFSET_RE.search(text)
                self.offset = found.group(1) if found else None
        return value


def new_scenario(
    title: str,
    units: Path,
    keyframes: Path,
    *,
    sides: Path | None = None,
    events: Path | None = None,
    places: Path | None = None,
    features: Sequence[tuple[Path, str | None]] = (),
) -> Scenario:
    """The scenario these tables describe (not yet validated: ``model.validation.validate``).

    ``features`` are GeoJSON files, each with the kind of its features when they carry none."""
    sources = _Sources()
    times = _Times()
    unit_rows = list(_cells(units, UNITS_CSV))
    side_list = _sides(sides, unit_rows)
    identity = {s.id: ident for s, ident in side_list}
    order = OrderOfBattle(_unit(r, where, identity, sources, units) for where, r in unit_rows)
    place_list = _places(places, sources) if places is not None else ()
    tracks = _tracks(keyframes, order, times, sources)
    event_log = EventLog(_events(events, times, sources) if events is not None else ())
    feature_list = tuple(f for path, kind in features for f in _features(path, kind, sources))
    instants = [float(tracks.time.min()), float(tracks.time.max())] if len(tracks) else []
    instants += [float(event_log.times.min()), float(event_log.times.max())] if len(event_log) else []
    if not instants:
        raise TableError(f"{keyframes.name}: no keyframes")
    start, end = min(instants), max(instants)
    if end <= start:
        end = start + 3600.0  # a single instant: an hour to play
    info = ScenarioInfo(
        title,
        "",
        f"Made with changsha-replay new from {', '.join(p.name for p in (units, keyframes) if p)}.",
        "",
        parse_offset(times.offset or "Z"),
        start,
        end,
        _extent(tracks, event_log, place_list, feature_list),
    )
    phase = Phase("p1", start, end, "The whole scenario", "整个想定")
    return Scenario(
        info=info,
        sides=tuple(s for s, _ident in side_list),
        units=order,
        phases=Phases([phase]),
        events=event_log,
        tracks=tracks,
        places=place_list,
        features=feature_list,
        sources=tuple(sources.sources),
    )


def _sides(path: Path | None, unit_rows: list[tuple[str, dict[str, str]]]) -> list[tuple[Side, str]]:
    if path is None:  # the sides the units name, in order of appearance: the first friendly
        ids = list(dict.fromkeys(_needed(r, "side_id", where) for where, r in unit_rows))
        return [
            (Side(i, i, "", PALETTE[n % len(PALETTE)]), "friend" if n == 0 else "hostile") for n, i in enumerate(ids)
        ]
    out = []
    for n, (where, r) in enumerate(_cells(path, SIDES_CSV)):
        colour = r["colour"] or PALETTE[n % len(PALETTE)]
        ident = _one_of(r, "identity", where, tuple(IDENTITIES), "friend" if n == 0 else "hostile")
        out.append((Side(_needed(r, "id", where), _needed(r, "name_en", where), r["name_zh"], colour), ident))
    return out


def _unit(r: dict[str, str], where: str, identity: dict[str, str], sources: _Sources, file: Path) -> Unit:
    side = _needed(r, "side_id", where)
    if side not in identity:
        raise TableError(f"{where}, column 'side_id': no side {shown(side, 40)!r}")
    echelon = _one_of(r, "echelon", where, tuple(vocab.ECHELONS))
    branch = _one_of(r, "branch", where, vocab.BRANCHES)
    return Unit(
        _needed(r, "id", where),
        side,
        r["parent_id"] or None,
        _needed(r, "name_en", where),
        r["name_zh"],
        echelon,
        branch,
        r.get("sidc") or sidc(identity[side], echelon, branch),
        r["commander_en"],
        r.get("commander_zh", ""),
        r.get("narrative_name_en", ""),
        r.get("narrative_name_zh", ""),
        _one_of(r, "basis", where, vocab.BASES, "historical"),
        r.get("note", ""),
        (sources.of(r.get("source", ""), file),),
    )


def _tracks(path: Path, order: OrderOfBattle, times: _Times, sources: _Sources) -> UnitTracks:
    """Keyframes, read column by column: each column is converted in one numpy pass, and only a
    column that fails is walked row by row to name the culprit."""
    columns: dict[str, list[str]] = {k: [] for k in KEYFRAMES_CSV}
    holds: list[str] = []  # the optional interpolate column
    for _n, r in rows(path, KEYFRAMES_CSV):
        for key, cells in columns.items():
            cells.append(r[key] or "")
        holds.append(r.get("interpolate") or "1")
    count = len(columns["unit_id"])
    index = {u.id: i for i, u in enumerate(order)}
    unit_index = np.array([index.get(u.strip(), -1) for u in columns["unit_id"]], np.int64)
    for n in np.flatnonzero(unit_index < 0)[:1].tolist():
        unit = shown(columns["unit_id"][n], 40)
        raise TableError(f"{row_name(path, n + 1)}, column 'unit_id': no unit {unit!r} in the units")
    time = parse_times(columns["time"])  # all at once; one by one only to name a bad one
    if time is None:
        time = np.array([times.parse(t.strip(), path, n, "time") for n, t in enumerate(columns["time"], 1)], float)
    elif count:
        times.parse(columns["time"][0], path, 1, "time")  # the offset of the first is the scenario's
    lat, lon, strength = (_numbers(columns[k], path, k) for k in ("lat", "lon", "strength"))
    status = _codes(columns["status"], path, "status", vocab.STATUSES, None)
    certainty = _codes(columns["certainty"], path, "certainty", vocab.CERTAINTIES, "estimated")
    interpolate = np.array([v.strip() != "0" for v in holds], bool)
    citations: dict[Citation, int] = {}
    by_text: dict[str, int] = {}
    citation = np.empty(count, np.int32)
    for n, text in enumerate(columns["source"]):
        k = by_text.get(text)
        if k is None:
            k = by_text[text] = citations.setdefault(sources.of(text.strip(), path), len(citations))
        citation[n] = k
    return UnitTracks(
        len(order),
        unit_index,
        time,
        lat,
        lon,
        strength,
        status,
        interpolate,
        certainty,
        citation,
        np.full(count, -1, np.int32),
        tuple(citations),
        (),
    )


def _numbers(cells: list[str], path: Path, key: str) -> np.ndarray:
    """A column of finite numbers, converted in one pass."""
    try:
        values = np.array(cells, dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
    except ValueError:
        bad = np.array([n for n, v in enumerate(cells) if not _is_number(v)], np.int64)
    for n in bad[:1].tolist():
        raise TableError(f"{row_name(path, n + 1)}, column {key!r}: not a finite number: {shown(cells[n], 40)!r}")
    return values


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _codes(cells: list[str], path: Path, key: str, allowed: Sequence[str], default: str | None) -> np.ndarray:
    """A column of vocabulary words as their codes (vocab's order); an empty cell is ``default``."""
    codes = {word: i for i, word in enumerate(allowed)}
    if default is not None:
        codes[""] = codes[default]
    out = np.array([codes.get(c.strip(), -1) for c in cells], np.int8)
    for n in np.flatnonzero(out < 0)[:1].tolist():
        raise TableError(
            f"{row_name(path, n + 1)}, column {key!r}: {shown(cells[n], 40)!r} is not one of {', '.join(allowed)}"
        )
    return out


def _events(path: Path, times: _Times, sources: _Sources) -> Iterator[Event]:
    for where, r in _cells(path, EVENTS_CSV):
        lat, lon = _number(r, "lat", where, optional=True), _number(r, "lon", where, optional=True)
        if (lat is None) != (lon is None):
            raise TableError(f"{where}, columns 'lat' and 'lon': give both or neither")
        units = tuple(EventUnit(u.strip(), "subject") for u in r["units"].split(";") if u.strip())
        yield Event(
            _needed(r, "id", where),
            times(r, "time", where),  # type: ignore[arg-type]
            _one_of(r, "kind", where, vocab.EVENT_KINDS),
            _needed(r, "title_en", where),
            r.get("title_zh", ""),
            r["text_en"],
            r.get("text_zh", ""),
            times(r, "end", where, optional=True),
            lat,
            lon,
            r.get("place") or None,
            _one_of(r, "basis", where, vocab.BASES, "historical"),
            units=units,
            sources=(sources.of(r["source"], path),),
        )


def _places(path: Path, sources: _Sources) -> tuple[Place, ...]:
    if path.suffix.lower() in (".geojson", ".json"):
        found = []
        for where, props, geometry in _geojson_features(path):
            if geometry.get("type") != "Point":
                raise TableError(f"{where}: a place is a Point, not a {shown(geometry.get('type'), 20)}")
            point = geometry.get("coordinates")
            if not (isinstance(point, list) and len(point) in (2, 3) and all(_is_real(v) for v in point)):
                raise TableError(f"{where}: a place's coordinates must be [lon, lat] in degrees")
            lon, lat = point[:2]
            row = {k: str(v).strip() for k, v in props.items() if isinstance(v, str | int | float)}
            row.setdefault("name_en", row.get("name", ""))
            row.update(lat=str(lat), lon=str(lon))
            found.append(_place(row, where, sources, path))
        return tuple(found)
    return tuple(_place(r, where, sources, path) for where, r in _cells(path, PLACES_CSV))


def _place(r: dict[str, str], where: str, sources: _Sources, file: Path) -> Place:
    key = r.get("key_place", "").lower()
    if key not in ("", "0", "1", "yes", "no", "true", "false"):
        raise TableError(f"{where}, column 'key_place': {shown(key, 20)!r} is not 1 or 0")
    confidence = _number(r, "confidence_km", where, optional=True)
    return Place(
        _needed(r, "id", where),
        _needed(r, "name_en", where),
        r.get("name_zh", ""),
        r.get("pinyin", ""),
        _number(r, "lat", where),  # type: ignore[arg-type]
        _number(r, "lon", where),  # type: ignore[arg-type]
        _one_of(r, "kind", where, vocab.PLACE_KINDS, "town"),
        1.0 if confidence is None else confidence,
        sources.of(r.get("source", ""), file),
        r.get("note", ""),
        key in ("1", "yes", "true"),
    )


def _features(path: Path, kind: str | None, sources: _Sources) -> Iterator[Feature]:
    for n, (where, props, geometry) in enumerate(_geojson_features(path), 1):
        value = props.get("kind", kind)
        if value not in vocab.FEATURE_KINDS:
            raise TableError(
                f"{where}, property 'kind': {shown(value, 40)!r} is not one of {', '.join(vocab.FEATURE_KINDS)} "
                f"(or give the file's kind: --features {path.name}:river)"
            )
        name = props.get("name_en", props.get("name", ""))
        yield Feature(
            str(props.get("id") or f"{path.stem}-{n}"),
            value,
            name if isinstance(name, str) else "",
            props.get("name_zh", "") if isinstance(props.get("name_zh"), str) else "",
            geometry,
            bool(props.get("schematic", False)),
            None,
            None,
            sources.of(str(props.get("source", "")), path),
        )


def _geojson_features(path: Path) -> Iterator[tuple[str, dict, dict]]:
    """(place for messages, properties, geometry) of each feature of a GeoJSON file."""
    try:
        size = path.stat().st_size
        if size > MAX_GEOJSON_BYTES:
            raise TableError(f"{path.name}: {size / 1e6:.0f} MB, more than {MAX_GEOJSON_BYTES / 1e6:.0f} MB of GeoJSON")
        data = json.loads(path.read_bytes(), parse_constant=_no_constant)
    except OSError as exc:
        raise TableError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        raise TableError(f"{path.name}: not GeoJSON ({str(exc)[:120]})") from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise TableError(f"{path.name}: not a GeoJSON FeatureCollection")
    for n, feature in enumerate(data["features"], 1):
        where = f"{path.name} feature {n}"
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            raise TableError(f"{where}: no geometry")
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        if "id" not in props and isinstance(feature.get("id"), str | int):
            props = {**props, "id": feature["id"]}
        yield where, props, feature["geometry"]


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number GeoJSON allows")


def _extent(
    tracks: UnitTracks, events: EventLog, places: Sequence[Place], features: Sequence[Feature]
) -> tuple[float, float, float, float]:
    """West, south, east, north around every position given, with a margin of a tenth."""
    lats = [tracks.lat, np.array([p.lat for p in places], float)]
    lons = [tracks.lon, np.array([p.lon for p in places], float)]
    located = [e for e in events if e.lat is not None]
    lats.append(np.array([e.lat for e in located], float))
    lons.append(np.array([e.lon for e in located], float))
    for f in features:
        points = np.array(list(_positions(f.geometry.get("coordinates"))), float).reshape(-1, 2)
        lons.append(points[:, 0])
        lats.append(points[:, 1])
    lat, lon = np.concatenate(lats), np.concatenate(lons)
    lat, lon = lat[np.isfinite(lat)], lon[np.isfinite(lon)]
    south, north, west, east = lat.min(), lat.max(), lon.min(), lon.max()
    pad_lat = max((north - south) * 0.1, 0.05)
    pad_lon = max((east - west) * 0.1, 0.05)
    return (
        float(max(west - pad_lon, -180.0)),
        float(max(south - pad_lat, -90.0)),
        float(min(east + pad_lon, 180.0)),
        float(min(north + pad_lat, 90.0)),
    )


def _positions(coordinates: object) -> Iterator[tuple[float, float]]:
    """The [lon, lat] pairs of nested GeoJSON coordinates (what is no pair is left to validation)."""
    if isinstance(coordinates, list) and len(coordinates) >= 2 and all(_is_real(v) for v in coordinates[:2]):
        try:
            yield float(coordinates[0]), float(coordinates[1])
        except OverflowError:  # a whole number too large for a float: validation names it
            return
    elif isinstance(coordinates, list):
        for part in coordinates:
            yield from _positions(part)


def _is_real(value: object) -> bool:
    """A JSON number (not a true/false)."""
    return isinstance(value, int | float) and not isinstance(value, bool)
