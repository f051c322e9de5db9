"""Read a scenario source folder into a model Scenario."""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..model import vocab
from ..model.orbat import OrderOfBattle
from ..model.records import (
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


class SourceError(Exception):
    """The source folder cannot be built; the message names file and entry."""


def _toml(folder: Path, name: str) -> dict:
    path = folder / name
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SourceError(f"{path}: missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path}: {exc}") from None


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise SourceError(f"{path}: missing") from None


def _time(value: str, where: str) -> float:
    try:
        return parse_time(value)
    except TimeFormatError as exc:
        raise SourceError(f"{where}: {exc}") from None


def _opt_time(value: str | None, where: str) -> float | None:
    return _time(value, where) if value else None


def _citations(entries: Iterable[dict], where: str) -> tuple[Citation, ...]:
    try:
        return tuple(Citation(e["key"], e.get("locator", "")) for e in entries)
    except (KeyError, TypeError):
        raise SourceError(f"{where}: each source needs a key") from None


def _field(entry: dict, key: str, where: str):
    try:
        return entry[key]
    except KeyError:
        raise SourceError(f"{where}: missing {key!r}") from None


def read_source(folder: str | Path) -> Scenario:
    """The scenario described by a source folder (not yet validated: call model.validate).

    Any malformed entry gives a SourceError naming it; never another exception."""
    folder = Path(folder)
    try:
        return _read(folder)
    except SourceError:
        raise
    except (KeyError, ValueError, TypeError, OSError) as exc:  # a missing key, a bad number or time, an unreadable file
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise SourceError(f"{folder}: {what}") from None


def _read(folder: Path) -> Scenario:
    meta = _toml(folder, "scenario.toml")
    sc = _field(meta, "scenario", "scenario.toml")
    info = ScenarioInfo(
        sc["title_en"],
        sc.get("title_zh", ""),
        sc.get("description_en", ""),
        sc.get("description_zh", ""),
        parse_offset(sc["time_zone"]),
        _time(sc["start"], "scenario.start"),
        _time(sc["end"], "scenario.end"),
        tuple(float(v) for v in sc["extent"]),  # type: ignore[arg-type]
    )
    credits = tuple(Credit(c["subject"], c["holder"], c["licence"], c.get("url", "")) for c in meta.get("credit", []))
    sources = tuple(Source(s["key"], s["title"], s.get("url", ""), s.get("note", "")) for s in meta.get("source", []))
    sides = tuple(Side(s["id"], s["name_en"], s.get("name_zh", ""), s["colour"]) for s in meta.get("side", []))
    units = OrderOfBattle(_units(_toml(folder, "units.toml").get("unit", [])))
    places = _places(_csv(folder, "places.csv"))
    phases = _phases(_toml(folder, "phases.toml").get("phase", []), info.end)
    events = _events(_toml(folder, "events.toml").get("event", []), {p.id: p for p in places})
    features = _features(folder, _toml(folder, "features.toml").get("feature", []))
    tracks = _tracks(_csv(folder, "keyframes.csv"), units, {p.id: p for p in places})
    return Scenario(
        info=info,
        sides=sides,
        units=units,
        phases=phases,
        events=events,
        tracks=tracks,
        places=places,
        features=features,
        sources=sources,
        credits=credits,
    )


def _units(entries: list[dict]) -> list[Unit]:
    out = []
    for e in entries:
        where = f"units.toml unit {e.get('id')!r}"
        out.append(
            Unit(
                _field(e, "id", where),
                _field(e, "side", where),
                e.get("parent") or None,
                _field(e, "name_en", where),
                e.get("name_zh", ""),
                _field(e, "echelon", where),
                _field(e, "branch", where),
                _field(e, "sidc", where),
                e.get("commander_en", ""),
                e.get("commander_zh", ""),
                e.get("narrative_name_en", ""),
                e.get("narrative_name_zh", ""),
                e.get("basis", "historical"),
                e.get("note", ""),
                _citations(e.get("sources", []), where),
            )
        )
    return out


def _yes(value: str, where: str) -> bool:
    """A CSV flag: "1"/"yes"/"true" or "0"/"no"/"false"/"" (not given)."""
    text = (value or "").strip().lower()
    if text in ("1", "yes", "true"):
        return True
    if text in ("", "0", "no", "false"):
        return False
    raise SourceError(f"{where}: {value!r} is not 1 or 0")


def _places(rows: list[dict[str, str]]) -> tuple[Place, ...]:
    out = []
    for n, r in enumerate(rows, 2):
        where = f"places.csv line {n}"
        try:
            out.append(
                Place(
                    r["id"],
                    r["name_en"],
                    r.get("name_zh", ""),
                    r.get("pinyin", ""),
                    float(r["lat"]),
                    float(r["lon"]),
                    r["kind"],
                    float(r["confidence_km"]),
                    Citation(r["source_key"], r.get("locator", "")),
                    r.get("note", ""),
                    _yes(r.get("key_place", ""), f"{where}: key_place"),
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise SourceError(f"{where}: {exc}") from None
    return tuple(out)


def _phases(entries: list[dict], end: float) -> Phases:
    rows = sorted(
        ((_time(_field(p, "start", "phases.toml"), f"phase {p.get('id')!r}"), p) for p in entries), key=lambda x: x[0]
    )
    ends = [start for start, _ in rows[1:]] + [end]
    return Phases(
        Phase(
            p["id"],
            start,
            stop,
            p["title_en"],
            p.get("title_zh", ""),
            p.get("summary_en", ""),
            p.get("summary_zh", ""),
            _view(p.get("view"), f"phases.toml phase {p.get('id')!r}: view"),
        )
        for (start, p), stop in zip(rows, ends)
    )


def _view(value: object, where: str) -> tuple[float, float, float, float] | None:
    """A phase's view from TOML: [west, south, east, north] in degrees, or not given."""
    if value is None:
        return None
    if not (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise SourceError(f"{where}: {value!r} is not [west, south, east, north]")
    west, south, east, north = (float(v) for v in value)
    return west, south, east, north


def _events(entries: list[dict], places: dict[str, Place]) -> EventLog:
    out = []
    for e in entries:
        where = f"events.toml event {e.get('id')!r}"
        place_id = e.get("place") or None
        lat, lon = e.get("lat"), e.get("lon")
        if lat is None and place_id in places:
            lat, lon = places[place_id].lat, places[place_id].lon
        units = tuple(EventUnit(_field(u, "unit", where), _field(u, "role", where)) for u in e.get("units", []))
        out.append(
            Event(
                _field(e, "id", where),
                _time(_field(e, "time", where), where),
                _field(e, "kind", where),
                _field(e, "title_en", where),
                e.get("title_zh", ""),
                e.get("text_en", ""),
                e.get("text_zh", ""),
                _opt_time(e.get("end"), where),
                None if lat is None else float(lat),
                None if lon is None else float(lon),
                place_id,
                e.get("basis", "historical"),
                e.get("other_version_en", ""),
                e.get("other_version_zh", ""),
                units,
                _citations(e.get("sources", []), where),
            )
        )
    return EventLog(out)


def _features(folder: Path, entries: list[dict]) -> tuple[Feature, ...]:
    out = []
    cache: dict[str, dict] = {}
    for e in entries:
        where = f"features.toml feature {e.get('id')!r}"
        if "geometry" in e:
            geometry = e["geometry"]
        else:
            name = _field(e, "geojson", where)
            if name not in cache:
                try:
                    cache[name] = json.loads((folder / name).read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise SourceError(f"{where}: {name}: {exc}") from None
            geometry = _merge(
                [
                    f["geometry"]
                    for f in cache[name].get("features", [])
                    if all(f.get("properties", {}).get(k) == v for k, v in e.get("select", {}).items())
                ],
                where,
            )
        out.append(
            Feature(
                _field(e, "id", where),
                _field(e, "kind", where),
                e.get("name_en", ""),
                e.get("name_zh", ""),
                geometry,
                bool(e.get("schematic", False)),
                _opt_time(e.get("start"), where),
                _opt_time(e.get("end"), where),
                Citation(_field(e, "source_key", where), e.get("locator", "")),
            )
        )
    return tuple(out)


def _merge(geometries: list[dict], where: str) -> dict:
    """One geometry from several: a single one as is, lines into a MultiLineString, polygons into a MultiPolygon."""
    if not geometries:
        raise SourceError(f"{where}: the selection matches no feature")
    if len(geometries) == 1:
        return geometries[0]
    types = {g["type"] for g in geometries}
    if types <= {"LineString", "MultiLineString"}:
        lines = [c for g in geometries for c in ([g["coordinates"]] if g["type"] == "LineString" else g["coordinates"])]
        return {"type": "MultiLineString", "coordinates": lines}
    if types <= {"Polygon", "MultiPolygon"}:
        polys = [c for g in geometries for c in ([g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"])]
        return {"type": "MultiPolygon", "coordinates": polys}
    raise SourceError(f"{where}: cannot merge geometries of types {sorted(types)}")


def _tracks(rows: list[dict[str, str]], units: OrderOfBattle, places: dict[str, Place]) -> UnitTracks:
    n = len(rows)
    unit_index = np.empty(n, np.int64)
    time, lat, lon, strength = (np.empty(n) for _ in range(4))
    status, certainty = np.empty(n, np.int8), np.empty(n, np.int8)
    interpolate = np.empty(n, bool)
    citation, place = np.empty(n, np.int32), np.empty(n, np.int32)
    citations: dict[Citation, int] = {}
    place_ids: dict[str, int] = {}
    for i, r in enumerate(rows):
        where = f"keyframes.csv line {i + 2}"
        try:
            unit_index[i] = units.index_of(r["unit"])
        except KeyError:
            raise SourceError(f"{where}: unknown unit {r.get('unit')!r}") from None
        time[i] = _time(r["time"], where)
        place_id = r.get("place") or ""
        if r.get("lat"):
            lat[i], lon[i] = float(r["lat"]), float(r["lon"])
        elif place_id in places:
            lat[i], lon[i] = places[place_id].lat, places[place_id].lon
        else:
            raise SourceError(f"{where}: no coordinates and no known place ({place_id!r})")
        strength[i] = float(r["strength"])
        try:
            status[i] = vocab.STATUSES.index(r["status"])
            certainty[i] = vocab.CERTAINTIES.index(r["certainty"])
        except ValueError as exc:
            raise SourceError(f"{where}: {exc}") from None
        interpolate[i] = r.get("interpolate", "1").strip() != "0"
        citation[i] = citations.setdefault(Citation(r["source_key"], r.get("locator", "")), len(citations))
        place[i] = place_ids.setdefault(place_id, len(place_ids)) if place_id else -1
    return UnitTracks(
        len(units),
        unit_index,
        time,
        lat,
        lon,
        strength,
        status,
        interpolate,
        certainty,
        citation,
        place,
        tuple(citations),
        tuple(place_ids),
    )
