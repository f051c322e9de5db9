"""Checks of a scenario's content: each problem names the table, row and column at fault."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import attrgetter

import numpy as np

from . import vocab
from .records import Citation, Phase
from .scenario import Scenario
from .shown import shown
from .times import format_time

_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_SIDC_RE = re.compile(r"^(\d{20}|[A-Za-z0-9*\-]{15})$")
_GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
MAX_PROBLEMS_PER_CHECK = 20  # a broken column yields a few examples and a count, not a flood
MAX_PROBLEMS = 100  # problems of a file reported in all, then a count of the rest


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario."""

    table: str
    row: str  # the row's id (or a description of it); "" for the table as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = self.table
        if self.row:
            where += f" {self.row}"
        if self.column:
            where += f" [{self.column}]"
        return shown(f"{where}: {self.message}")  # what a file holds is never printed raw


def validate(scenario: Scenario) -> list[Problem]:
    """Every problem found in the scenario's content (empty when it is valid)."""
    checks = (_texts, _info, _sides, _units, _phases, _tracks, _events, _places, _features, _annotations, _sources)
    problems: list[Problem] = []
    for check in checks:
        problems.extend(_capped(check(scenario)))
    return problems


def cap(problems: Iterable[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_CHECK problems per (table, column) and MAX_PROBLEMS in all, each
    cut followed by how many more there are (3,000 bad rows are a few lines, not 3,000)."""
    found = list(_capped(problems))
    if len(found) <= MAX_PROBLEMS:
        return found
    return [*found[:MAX_PROBLEMS], Problem("", "", "", f"… and {len(found) - MAX_PROBLEMS:,} more problems")]


def _capped(found: Iterable[Problem]) -> Iterator[Problem]:
    """At most MAX_PROBLEMS_PER_CHECK problems per (table, column), then a count of the rest."""
    seen: Counter[tuple[str, str]] = Counter()
    for problem in found:
        if problem.message.startswith("… and "):  # a count from an earlier cut: kept as it is
            yield problem
            continue
        key = (problem.table, problem.column)
        seen[key] += 1
        if seen[key] <= MAX_PROBLEMS_PER_CHECK:
            yield problem
    for (table, column), count in seen.items():
        if count > MAX_PROBLEMS_PER_CHECK:
            yield Problem(table, "", column, f"… and {count - MAX_PROBLEMS_PER_CHECK:,} more problems like these")


# -- what a text may hold -------------------------------------------------------------------
#: Fields of free text: tabs and line breaks allowed. Everywhere else (names, titles, ids,
#: vocabulary words, keys) no control character at all.
FREE_TEXT = frozenset(
    {"description_en", "description_zh", "summary_en", "summary_zh", "text_en", "text_zh", "note"}
    | {"other_version_en", "other_version_zh"}
)
_NOT_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NOT_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The text fields of each table's records that are checked here: ids and the texts people write.
#: Words of a vocabulary (kinds, echelons, roles …) and references to ids are checked against
#: their sets elsewhere, which no text with a control character belongs to; annotations have
#: their own checks.
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "scenario": ("title_en", "title_zh", "description_en", "description_zh", "author", "based_on"),
    "side": ("id", "name_en", "name_zh"),
    "unit": (
        "id",
        "name_en",
        "name_zh",
        "commander_en",
        "commander_zh",
        "narrative_name_en",
        "narrative_name_zh",
        "note",
    ),
    "phase": ("id", "title_en", "title_zh", "summary_en", "summary_zh"),
    "place": ("id", "name_en", "name_zh", "pinyin", "note"),
    "event": ("id", "title_en", "title_zh", "text_en", "text_zh", "other_version_en", "other_version_zh"),
    "feature": ("id", "name_en", "name_zh"),
    "source": ("key", "title", "url", "note"),
    "credit": ("subject", "holder", "licence", "url"),
    "citation": ("locator",),
}


def _texts(s: Scenario) -> Iterator[Problem]:
    """No NUL anywhere (it hides the rest of a text from SQL and from many programs); no control
    character, line break or bidirectional override (which turns a shown name around) in a
    name, a title or an id; in free text only tabs and line breaks.
    Each field of a table is one regular-expression pass over all its values joined."""
    citations = {c for u in s.units for c in u.sources} | {c for e in s.events for c in e.sources}
    citations |= set(s.tracks.citations) | {p.source for p in s.places} | {f.source for f in s.features}
    tables: dict[str, Sequence] = {
        "scenario": [s.info],
        "side": s.sides,
        "unit": s.units,
        "phase": s.phases,
        "place": s.places,
        "event": s.events,
        "feature": s.features,
        "source": s.sources,
        "credit": s.credits,
        "citation": sorted(citations),
    }
    for table, records in tables.items():
        if not len(records):
            continue
        for field in _TEXT_FIELDS[table]:
            bad = _NOT_IN_FREE_TEXT if field in FREE_TEXT else _NOT_IN_LINE
            values = map(attrgetter(field), records)
            try:
                joined = " ".join(values)
            except TypeError:  # not all text: the texts among them
                joined = " ".join(v for v in map(attrgetter(field), records) if type(v) is str)
            if not bad.search(joined):
                continue
            for record in records:
                value = getattr(record, field)
                if type(value) is str and (found := bad.search(value)):
                    char = found.group()
                    what = "a NUL character" if char == "\x00" else f"the control character {char!r}"
                    yield Problem(table, _record_name(table, record), field, f"contains {what}")


def _record_name(table: str, record) -> str:
    if table == "scenario":
        return ""
    name = getattr(record, "id", None) or getattr(record, "key", None) or getattr(record, "source_key", None)
    name = name or getattr(record, "unit_id", None) or getattr(record, "subject", "")
    return repr(name[:60]) if isinstance(name, str) else ""


def _bad_lat(value: float | None) -> bool:
    return value is None or not math.isfinite(value) or not -90.0 <= value <= 90.0


def _bad_lon(value: float | None) -> bool:
    return value is None or not math.isfinite(value) or not -180.0 <= value <= 180.0


def _cite(
    scenario: Scenario, table: str, row: str, column: str, citations: Iterable[Citation], required: bool = True
) -> Iterator[Problem]:
    citations = list(citations)
    if required and not citations:
        yield Problem(table, row, column, "cites no source")
    for citation in citations:
        if scenario.source(citation.source_key) is None:
            yield Problem(table, row, column, f"unknown source key {citation.source_key!r}")


def info_problems(s: Scenario) -> Iterator[Problem]:
    """Problems of the scenario's metadata alone (title, time span, map extent)."""
    return _info(s)


def _info(s: Scenario) -> Iterator[Problem]:
    info = s.info
    if not info.title_en.strip():
        yield Problem("scenario", "", "title_en", "is empty")
    if not (math.isfinite(info.start) and math.isfinite(info.end)) or info.end <= info.start:
        yield Problem("scenario", "", "end_time", "must be after start_time")
    west, south, east, north = info.extent
    if _bad_lon(west) or _bad_lon(east) or not west < east:
        yield Problem("scenario", "", "west/east", f"invalid map extent {west}–{east}")
    if _bad_lat(south) or _bad_lat(north) or not south < north:
        yield Problem("scenario", "", "south/north", f"invalid map extent {south}–{north}")


MIN_VIEW_DEG = 0.01  # a phase's view spans at least this much (about 1 km): the map's closest zoom


def _view(p: Phase, extent: tuple[float, float, float, float]) -> Iterator[Problem]:
    west, south, east, north = p.view or (0.0, 0.0, 0.0, 0.0)
    if _bad_lon(west) or _bad_lon(east) or not east - west >= MIN_VIEW_DEG:
        yield Problem("phase", repr(p.id), "view_west/view_east", f"invalid view {west}–{east}")
    elif _bad_lat(south) or _bad_lat(north) or not north - south >= MIN_VIEW_DEG:
        yield Problem("phase", repr(p.id), "view_south/view_north", f"invalid view {south}–{north}")
    elif east <= extent[0] or west >= extent[2] or north <= extent[1] or south >= extent[3]:
        yield Problem("phase", repr(p.id), "view_west", "the view lies outside the scenario's map extent")


def _sides(s: Scenario) -> Iterator[Problem]:
    for side_id, count in Counter(side.id for side in s.sides).items():
        if count > 1:
            yield Problem("side", repr(side_id), "id", f"appears {count} times")
    for side in s.sides:
        if not _COLOUR_RE.fullmatch(side.colour):
            yield Problem("side", repr(side.id), "colour", f"not a #rrggbb colour: {side.colour!r}")
    if not s.sides:
        yield Problem("side", "", "", "no sides")


def _units(s: Scenario) -> Iterator[Problem]:
    for unit_id, count in Counter(u.id for u in s.units).items():
        if count > 1:
            yield Problem("unit", repr(unit_id), "id", f"appears {count} times")
    for u in s.units:
        row = repr(u.id)
        if s.side(u.side_id) is None:
            yield Problem("unit", row, "side_id", f"unknown side {u.side_id!r}")
        if u.parent_id is not None:
            parent = s.units.get(u.parent_id)
            if parent is None:
                yield Problem("unit", row, "parent_id", f"unknown unit {u.parent_id!r}")
            elif parent.side_id != u.side_id:
                yield Problem("unit", row, "parent_id", f"parent {u.parent_id!r} is on another side")
        if u.echelon not in vocab.ECHELONS:
            yield Problem("unit", row, "echelon", f"unknown echelon {u.echelon!r}")
        if u.branch not in vocab.BRANCHES:
            yield Problem("unit", row, "branch", f"unknown branch {u.branch!r}")
        if u.basis not in vocab.BASES:
            yield Problem("unit", row, "basis", f"unknown basis {u.basis!r}")
        if not _SIDC_RE.fullmatch(u.sidc):  # (match would let a final line break through)
            yield Problem("unit", row, "sidc", f"not a 20-digit APP-6 / 2525 symbol code: {u.sidc!r}")
        if not u.name_en.strip():
            yield Problem("unit", row, "name_en", "is empty")
        yield from _cite(s, "unit_source", row, "source_key", u.sources, required=False)
    for cycle in s.units.find_cycles():
        yield Problem("unit", repr(cycle[0]), "parent_id", "parent cycle: " + " → ".join(cycle + cycle[:1]))


def _phases(s: Scenario) -> Iterator[Problem]:
    phases, info = s.phases, s.info
    if not len(phases):
        yield Problem("phase", "", "", "no phases")
        return
    if phases[0].start > info.start:
        yield Problem("phase", repr(phases[0].id), "start_time", "gap: the first phase starts after the scenario start")
    if phases[0].start < info.start:
        yield Problem("phase", repr(phases[0].id), "start_time", "starts before the scenario start")
    for a, b in pairwise(phases):
        if b.start == a.start:
            yield Problem("phase", repr(b.id), "start_time", f"overlaps phase {a.id!r}: both start at the same time")
    for p in phases:
        if p.start != round(p.start):
            yield Problem("phase", repr(p.id), "start_time", "times are kept to the second")
        if p.start >= info.end:
            yield Problem("phase", repr(p.id), "start_time", "starts at or after the scenario end")
        if not p.title_en.strip():
            yield Problem("phase", repr(p.id), "title_en", "is empty")
        if p.view is not None:
            yield from _view(p, info.extent)
    for phase_id, count in Counter(p.id for p in phases).items():
        if count > 1:
            yield Problem("phase", repr(phase_id), "id", f"appears {count} times")


def _tracks(s: Scenario) -> Iterator[Problem]:
    tr = s.tracks
    if not len(tr):
        return
    units = s.units
    unit_of = tr.unit_indices()

    def row(i: int) -> str:
        return f"(unit_id={units[int(unit_of[i])].id!r}, t={format_time(float(tr.time[i]), s.info.time_zone)})"

    bad = ~np.isfinite(tr.lat) | (tr.lat < -90) | (tr.lat > 90)
    for i in np.flatnonzero(bad)[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "lat", f"latitude out of range or not a number: {tr.lat[i]}")
    bad = ~np.isfinite(tr.lon) | (tr.lon < -180) | (tr.lon > 180)
    for i in np.flatnonzero(bad)[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "lon", f"longitude out of range or not a number: {tr.lon[i]}")
    bad = ~np.isfinite(tr.strength) | (tr.strength < 0) | (tr.strength > 100)
    for i in np.flatnonzero(bad)[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "strength", f"must be 0–100 %: {tr.strength[i]}")
    bad = (tr.status < 0) | (tr.status >= len(vocab.STATUSES))
    for i in np.flatnonzero(bad)[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "status", "unknown status")
    bad = (tr.certainty < 0) | (tr.certainty >= len(vocab.CERTAINTIES))
    for i in np.flatnonzero(bad)[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "certainty", "unknown certainty")
    for i in np.flatnonzero(tr.citation < 0)[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "citation_id", "cites no source")
    for i in np.flatnonzero(tr.time != np.round(tr.time))[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "t", "times are kept to the second")
    same_unit = unit_of[1:] == unit_of[:-1]
    for i in np.flatnonzero(same_unit & (tr.time[1:] <= tr.time[:-1]))[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i + 1), "t", "out of order: two keyframes of the unit at the same instant")
    outside = (tr.time < s.info.start) | (tr.time > s.info.end)
    for i in np.flatnonzero(outside)[: MAX_PROBLEMS_PER_CHECK + 1]:
        yield Problem("keyframe", row(i), "t", "outside the scenario's time span")
    for k, citation in enumerate(tr.citations):
        if s.source(citation.source_key) is None:
            first = int(np.argmax(tr.citation == k)) if np.any(tr.citation == k) else -1
            if first >= 0:
                yield Problem("citation", row(first), "source_key", f"unknown source key {citation.source_key!r}")
    for k, place_id in enumerate(tr.places):
        if s.place(place_id) is None and np.any(tr.place == k):
            yield Problem("citation", row(int(np.argmax(tr.place == k))), "place_id", f"unknown place {place_id!r}")


def _events(s: Scenario) -> Iterator[Problem]:
    # Written for speed: a scenario may hold 100,000 events.
    info = s.info
    kinds, bases, roles = set(vocab.EVENT_KINDS), set(vocab.BASES), set(vocab.ROLES)
    units = set(s.units.ids)
    places = {p.id for p in s.places}
    sources = {src.key for src in s.sources}
    for event_id, count in Counter(e.id for e in s.events).items():
        if count > 1:
            yield Problem("event", repr(event_id), "id", f"appears {count} times")
    for e in s.events:
        if not info.start <= e.time <= info.end:
            yield Problem("event", repr(e.id), "t", "outside the scenario's time span")
        elif e.time != round(e.time) or (e.end is not None and e.end != round(e.end)):
            yield Problem("event", repr(e.id), "t", "times are kept to the second")
        if e.end is not None and not e.time <= e.end <= info.end:
            yield Problem("event", repr(e.id), "end_t", "must lie between the event's time and the scenario end")
        if e.kind not in kinds:
            yield Problem("event", repr(e.id), "kind", f"unknown kind {e.kind!r}")
        if e.basis not in bases:
            yield Problem("event", repr(e.id), "basis", f"unknown basis {e.basis!r}")
        elif e.basis == "conflict" and not e.other_version_en.strip():
            yield Problem("event", repr(e.id), "other_version_en", "a conflict must give the other version's text")
        if (e.lat is None) != (e.lon is None):
            yield Problem("event", repr(e.id), "lat/lon", "give both or neither")
        elif e.lat is not None and (_bad_lat(e.lat) or _bad_lon(e.lon)):
            yield Problem("event", repr(e.id), "lat/lon", f"coordinates out of range or not numbers: {e.lat}, {e.lon}")
        if e.place_id is not None and e.place_id not in places:
            yield Problem("event", repr(e.id), "place_id", f"unknown place {e.place_id!r}")
        if not e.title_en.strip():
            yield Problem("event", repr(e.id), "title_en", "is empty")
        for link in e.units:
            if link.unit_id not in units:
                yield Problem("event_unit", f"(event_id={e.id!r}, unit_id={link.unit_id!r})", "unit_id", "unknown unit")
            if link.role not in roles:
                yield Problem(
                    "event_unit",
                    f"(event_id={e.id!r}, unit_id={link.unit_id!r})",
                    "role",
                    f"unknown role {link.role!r}",
                )
        if not e.sources:
            yield Problem("event_source", f"(event_id={e.id!r})", "source_key", "cites no source")
        for citation in e.sources:
            if citation.source_key not in sources:
                yield Problem(
                    "event_source", f"(event_id={e.id!r})", "source_key", f"unknown source key {citation.source_key!r}"
                )


def _places(s: Scenario) -> Iterator[Problem]:
    for place_id, count in Counter(p.id for p in s.places).items():
        if count > 1:
            yield Problem("place", repr(place_id), "id", f"appears {count} times")
    for p in s.places:
        if _bad_lat(p.lat) or _bad_lon(p.lon):
            yield Problem("place", repr(p.id), "lat/lon", f"coordinates out of range or not numbers: {p.lat}, {p.lon}")
        if p.kind not in vocab.PLACE_KINDS:
            yield Problem("place", repr(p.id), "kind", f"unknown kind {p.kind!r}")
        if not (math.isfinite(p.confidence_km) and p.confidence_km >= 0):
            yield Problem("place", repr(p.id), "confidence_km", "must be a distance ≥ 0")
        yield from _cite(s, "place", repr(p.id), "source_key", [p.source])


def _positions_problem(positions: list) -> str | None:
    """Why a list of positions is not [lon, lat] pairs in range (None when it is): one plain loop,
    no call per position or number (a river may have thousands)."""
    for value in positions:
        if not isinstance(value, list) or len(value) < 2:
            return "a position must be [lon, lat]"
        for c in value:
            kind = type(c)
            if kind is not float and kind is not int and (kind is bool or not isinstance(c, (int, float))):
                return "a position must be [lon, lat]"
        lon, lat = value[0], value[1]
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # also False for NaN
            return f"position out of range: {value}"
    return None


def geometry_problem(geometry: object) -> str | None:
    """Why a value is not a GeoJSON geometry in WGS84 degrees (None when it is one)."""
    if (
        not isinstance(geometry, dict)
        or not isinstance(geometry.get("type"), str)
        or geometry["type"] not in _GEOMETRY_TYPES
    ):
        return "not a GeoJSON geometry (Point, LineString, Polygon or Multi-)"
    depth = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}[
        geometry["type"]
    ]

    def walk(value: object, level: int) -> str | None:
        if level == 0:
            return _positions_problem([value])
        if not isinstance(value, list) or not value:
            return "empty or malformed coordinates"
        if level == 1:
            return _positions_problem(value)
        for item in value:
            found = walk(item, level - 1)
            if found:
                return found
        return None

    return walk(geometry.get("coordinates"), depth)


def _features(s: Scenario) -> Iterator[Problem]:
    for f in s.features:
        row = repr(f.id)
        if f.kind not in vocab.FEATURE_KINDS:
            yield Problem("feature", row, "kind", f"unknown kind {f.kind!r}")
        found = geometry_problem(f.geometry)
        if found:
            yield Problem("feature", row, "geometry", found)
        if f.start is not None and f.end is not None and f.end < f.start:
            yield Problem("feature", row, "end_t", "ends before it starts")
        yield from _cite(s, "feature", row, "source_key", [f.source])


MAX_ANNOTATION_TEXT = 2_000  # characters of an annotation's text, per language
MAX_ANNOTATION_VERTICES = 10_000  # positions of one annotation's geometry
MAX_ANNOTATION_ID = 200
MAX_RADIUS_KM = 2_000.0
EXTENT_MARGIN_DEG = 5.0  # an annotation may lie this far outside the scenario's map extent
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # control characters (C0, C1), except tab and newline
_ANY_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _annotations(s: Scenario) -> Iterator[Problem]:
    for annotation_id, count in Counter(a.id for a in s.annotations).items():
        if count > 1:
            yield Problem("annotation", repr(annotation_id), "id", f"appears {count} times")
    units = s.units
    for a in s.annotations:
        yield from annotation_problems(a, s.info, units)


def annotation_problems(a, info, units) -> Iterator[Problem]:
    """Problems of one annotation (``info``: the scenario's, for the map extent; ``units``: for the
    attachment). Every column the format declares is checked, used by the app or not."""
    row = repr(a.id)[:80]
    if not isinstance(a.id, str) or not a.id.strip() or len(a.id) > MAX_ANNOTATION_ID or _ANY_CONTROL_RE.search(a.id):
        yield Problem("annotation", row, "id", "must be a short text without control characters")
    expected = vocab.ANNOTATION_GEOMETRY.get(a.kind)
    if expected is None:
        yield Problem("annotation", row, "kind", f"unknown kind {a.kind!r}")
    found = geometry_problem(a.geometry)
    if found:
        yield Problem("annotation", row, "geometry", found)
    elif expected is not None and a.geometry.get("type") != expected:
        yield Problem("annotation", row, "geometry", f"a {a.kind} must be a {expected}, not a {a.geometry['type']}")
    else:
        yield from _annotation_shape(a, info, row)
    for column, text in (("text", a.text), ("text_zh", a.text_zh), ("author", a.author)):
        if not isinstance(text, str):
            yield Problem("annotation", row, column, "must be text")
        elif len(text) > MAX_ANNOTATION_TEXT:
            limit = MAX_ANNOTATION_TEXT
            yield Problem("annotation", row, column, f"too long ({len(text):,} characters; at most {limit:,})")
        elif _CONTROL_RE.search(text):
            yield Problem("annotation", row, column, "contains control characters")
    if not isinstance(a.colour, str) or not _COLOUR_RE.fullmatch(a.colour):
        yield Problem("annotation", row, "colour", f"not a #rrggbb colour: {str(a.colour)[:20]!r}")
    for column, value in (("start_time", a.start), ("end_time", a.end)):
        if value is not None and not (_is_number(value) and math.isfinite(value) and value == round(value)):
            yield Problem("annotation", row, column, "must be a time in whole seconds")
    if _is_number(a.start) and _is_number(a.end) and a.end < a.start:
        yield Problem("annotation", row, "end_time", "ends before it starts")
    if not (_is_number(a.created) and math.isfinite(a.created)):
        yield Problem("annotation", row, "created", "must be a time")
    if not (_is_number(a.width) and 0.5 <= a.width <= 20):
        yield Problem("annotation", row, "width", "must be 0.5–20 pixels")
    if a.dash not in vocab.DASHES:
        yield Problem("annotation", row, "dash", f"unknown pattern {str(a.dash)[:20]!r}")
    if not (_is_number(a.fill_opacity) and 0 <= a.fill_opacity <= 1):
        yield Problem("annotation", row, "fill_opacity", "must be 0–1")
    if not isinstance(a.hatch, bool):
        yield Problem("annotation", row, "hatch", "must be 0 or 1")
    if a.arrowhead not in vocab.ARROWHEADS:
        yield Problem("annotation", row, "arrowhead", f"unknown arrowhead {str(a.arrowhead)[:20]!r}")
    if a.span not in vocab.ANNOTATION_SPANS:
        yield Problem("annotation", row, "span", f"unknown span {str(a.span)[:20]!r}")
    if a.unit_id is not None:
        if a.kind not in ("note", "label"):
            yield Problem("annotation", row, "unit_id", "only notes and labels can be attached to a unit")
        elif a.unit_id not in units:
            yield Problem("annotation", row, "unit_id", f"unknown unit {str(a.unit_id)[:60]!r}")
    if a.kind == "circle":
        if not (_is_number(a.radius_km) and 0 < a.radius_km <= MAX_RADIUS_KM):
            yield Problem("annotation", row, "radius_km", f"a circle needs a radius of 0–{MAX_RADIUS_KM:,.0f} km")
    elif a.radius_km is not None:
        yield Problem("annotation", row, "radius_km", "only circles have a radius")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _annotation_shape(a, info, row: str) -> Iterator[Problem]:
    """Vertex count, minimum size and the map extent of a well-formed annotation geometry."""
    coordinates = a.geometry["coordinates"]
    kind = a.geometry["type"]
    positions = [coordinates] if kind == "Point" else coordinates if kind == "LineString" else coordinates[0]
    if kind == "Polygon" and len(coordinates) != 1:
        yield Problem("annotation", row, "geometry", "an area has one outline and no holes")
    if sum(1 if kind == "Point" else len(c) for c in ([coordinates] if kind != "Polygon" else coordinates)) > (
        MAX_ANNOTATION_VERTICES
    ):
        yield Problem("annotation", row, "geometry", f"more than {MAX_ANNOTATION_VERTICES:,} positions")
        return
    if kind == "LineString" and len(positions) < 2:
        yield Problem("annotation", row, "geometry", "a line needs at least two positions")
    if kind == "Polygon" and (len(positions) < 4 or positions[0] != positions[-1]):
        yield Problem("annotation", row, "geometry", "an area needs at least three corners and a closed outline")
    west, south, east, north = info.extent
    m = EXTENT_MARGIN_DEG
    for lon, lat, *_ in positions:
        if not (west - m <= lon <= east + m and south - m <= lat <= north + m):
            yield Problem("annotation", row, "geometry", f"lies far outside the scenario's map ({lon}, {lat})")
            return


def _sources(s: Scenario) -> Iterator[Problem]:
    for key, count in Counter(src.key for src in s.sources).items():
        if count > 1:
            yield Problem("source", repr(key), "key", f"appears {count} times")
