"""Annotations on their own, as GeoJSON: export to share, import into another copy of the battle.

The file is an RFC 7946 FeatureCollection (WGS84 lon/lat) that QGIS and other GIS tools open:
one Feature per annotation, its style and time span in ``properties`` (times as ISO 8601 with the
scenario's UTC offset). A circle is written as a Polygon approximating it, so that any tool draws
it, with its ``center`` and ``radius_km`` in the properties, so that it comes back as a circle.
A top-level foreign member ``"changsha_replay": {"format": 1, "scenario": title}`` marks the file.

Reading treats the file as hostile: a size cap before reading, the positions counted before
anything big is built, every property's type checked, every annotation validated with
``validation.annotation_problems``; any problem refuses the whole file (nothing partial), with a
one-line ``ScenarioError`` whose ``problems`` name the feature number and the property. A plain
GeoJSON from a GIS imports too: a Point becomes a note, a LineString a line, a Polygon an area
(Multi- geometries are split into one annotation per part), ``name`` or ``text`` gives the text,
and missing properties take the record's defaults.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import tempfile
from collections.abc import Container, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Context, Decimal, localcontext
from pathlib import Path

from ..model import vocab
from ..model.records import Annotation, ScenarioInfo
from ..model.shown import shown
from ..model.times import format_time
from ..model.validation import MAX_ANNOTATION_VERTICES, Problem, annotation_problems
from .atomic import fsync_directory, keep_mode
from .errors import ScenarioError

FORMAT = 1  # version of the "changsha_replay" member; a larger one was made by a newer version
MAX_FILE_BYTES = 20 * 1024 * 1024  # refused before reading
MAX_FEATURES = 10_000  # features in a file, and annotations made from them
MAX_TOTAL_POSITIONS = 200_000  # positions in the whole file (per annotation: MAX_ANNOTATION_VERTICES)
#: Arrays and objects in a file, bounded before parsing: an empty array costs 2 bytes in the file
#: and some 60 in memory, so 20 MB of "[]" would take half a gigabyte once parsed.
MAX_CONTAINERS = 2 * MAX_TOTAL_POSITIONS + 20 * MAX_FEATURES
MAX_PROBLEMS = 50  # problems kept in a ScenarioError; the message counts the rest
CIRCLE_VERTICES = 72  # vertices of the polygon a circle is exported as
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.(\d+))?)?(?:Z|[+-]\d{2}:\d{2})$")
_MAX_FRACTION_DIGITS = 40
# The start of an array of numbers: a position (or a center, a bbox). Counted in the raw text before
# parsing, only when the file holds many '[' at all, so that a million positions are refused before
# json builds a million lists.
_NUMBER_ARRAY_RE = re.compile(r"\[[ \t\n\r]*[-0-9]")
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_PART = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
_KIND_OF = {"Point": "note", "LineString": "line", "Polygon": "area"}  # a feature without a kind
# Record fields as the file names them (validation names the record's columns).
_PROPERTY_OF = {"text": "text_en", "start_time": "start", "end_time": "end"}


# --- writing -----------------------------------------------------------------------------------


def to_feature_collection(annotations: Iterable[Annotation], *, scenario_title: str, time_zone: timezone) -> dict:
    """A GeoJSON FeatureCollection of the annotations (geometries are shared, not copied)."""
    return {
        "type": "FeatureCollection",
        "changsha_replay": {"format": FORMAT, "scenario": scenario_title},
        "features": [_feature(a, time_zone) for a in annotations],
    }


def _feature(a: Annotation, tz: timezone) -> dict:
    properties = {
        "id": a.id,
        "kind": a.kind,
        "text_en": a.text,
        "text_zh": a.text_zh,
        "colour": a.colour,
        "width": a.width,
        "dash": a.dash,
        "fill_opacity": a.fill_opacity,
        "hatch": a.hatch,
        "arrowhead": a.arrowhead,
        "span": a.span,
        "start": None if a.start is None else _format_exact(a.start, tz),
        "end": None if a.end is None else _format_exact(a.end, tz),
        "unit_id": a.unit_id,
        "author": a.author,
        "created": _format_exact(a.created, tz),
    }
    geometry = a.geometry
    if a.kind == "circle":
        center = a.geometry["coordinates"]
        properties["radius_km"] = a.radius_km
        properties["center"] = center
        geometry = {"type": "Polygon", "coordinates": [circle_ring(center[0], center[1], a.radius_km)]}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def circle_ring(lon: float, lat: float, radius_km: float, vertices: int = CIRCLE_VERTICES) -> list[list[float]]:
    """A closed ring of ``vertices`` points at ``radius_km`` (great-circle distance) around (lon, lat)."""
    phi, lam = math.radians(lat), math.radians(lon)
    delta = radius_km / EARTH_RADIUS_KM
    ring = []
    for k in range(vertices):
        theta = 2 * math.pi * k / vertices
        phi2 = math.asin(
            max(-1.0, min(1.0, math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)))
        )
        lam2 = lam + math.atan2(
            math.sin(theta) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
        )
        lon2 = (math.degrees(lam2) + 540.0) % 360.0 - 180.0
        ring.append([round(lon2, 7), round(math.degrees(phi2), 7)])
    ring.append(list(ring[0]))
    return ring


def _format_exact(seconds: float, tz: timezone) -> str:
    """ISO 8601 text of a time that reads back as the very same float: whole seconds as usual, a
    fraction with the digits of the float's shortest repr (``format_time`` stops at microseconds)."""
    whole = math.floor(seconds)
    if whole == seconds:
        return format_time(whole, tz)
    text = format_time(whole, tz)
    with localcontext(Context(prec=100)):
        digits = format(Decimal(repr(seconds)) - whole, "f")[2:]  # "0.25" -> "25"
    if len(digits) <= _MAX_FRACTION_DIGITS and text[-6] in "+-":
        return text[:-6] + "." + digits + text[-6:]  # before the "+hh:mm" offset
    return format_time(seconds, tz)  # to the microsecond


def _parse_time(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 time with an offset (any number of fraction digits,
    read exactly: the float nearest the time written)."""
    match = _TIME_RE.match(text)
    if not match:
        raise ValueError("not an ISO 8601 time with a UTC offset")
    digits = match.group(1)
    if digits is not None:
        if len(digits) > _MAX_FRACTION_DIGITS:
            raise ValueError("too many digits")
        text = text.replace("." + digits, "", 1)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    seconds = (moment - _EPOCH) // timedelta(seconds=1)
    if not digits:
        return float(seconds)
    with localcontext(Context(prec=100)):
        return float(Decimal(seconds) + Decimal("0." + digits))


def write_annotations(
    annotations: Iterable[Annotation], path: str | os.PathLike, *, scenario_title: str, time_zone: timezone
) -> None:
    """Write the annotations to ``path`` as GeoJSON (UTF-8); the old file stays intact until the new
    one is complete (a temporary file beside it, fsynced, then ``os.replace``)."""
    target = Path(path)
    name = _show(target.name, 80)
    try:
        collection = to_feature_collection(annotations, scenario_title=scenario_title, time_zone=time_zone)
        head = {k: v for k, v in collection.items() if k != "features"}
        lines = [json.dumps(f, ensure_ascii=False, allow_nan=False) for f in collection["features"]]
        text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    except (ValueError, TypeError) as exc:  # NaN or a value JSON cannot hold: not a valid annotation
        raise ScenarioError(f"{name}: cannot export the annotations ({str(exc)[:120]})") from None
    data = text.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{name}: the annotations make {len(data) / 1e6:.0f} MB of GeoJSON, more than can be imported again "
            f"({MAX_FILE_BYTES // (1024 * 1024)} MB)"
        )
    directory = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ScenarioError(f"{name}: cannot write to {_show(str(directory), 120)} ({exc.strerror or exc})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        keep_mode(target, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise ScenarioError(
            f"{name}: exporting failed ({exc.strerror or exc}); the previous file is unchanged"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the file is in place; this only makes the rename durable
        fsync_directory(directory)


# --- reading -----------------------------------------------------------------------------------


class _Constant(ValueError):
    """NaN, Infinity or -Infinity in the file (not JSON; Python's json accepts them by default)."""


def _refuse_constant(name: str) -> float:
    raise _Constant(name)


def read_annotations(
    path: str | os.PathLike,
    *,
    info: ScenarioInfo,
    unit_ids: Container[str],
    taken_ids: Container[str],
    author: str = "",
    now: float,
) -> list[Annotation]:
    """The annotations of a GeoJSON file, checked for the scenario (``info``: its map extent;
    ``unit_ids``: the units a note may be attached to; an unknown unit is dropped, the note kept).

    Ids are kept unless in ``taken_ids`` (or repeated in the file): then ``"<id>-2"``, ``"<id>-3"``…;
    a feature without an id gets ``"ann-<n>"``. ``author`` and ``now`` stand in for a missing
    author and creation time. Raises ``ScenarioError`` for anything wrong; returns all or nothing.
    """
    file = Path(path)
    name = _show(file.name, 80)
    data = _read_bytes(file, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{name}: not UTF-8 text (undecodable byte at offset {exc.start:,})") from None
    if text.count("[") > 2 * MAX_TOTAL_POSITIONS + 5 * MAX_FEATURES:
        arrays = sum(1 for _ in _NUMBER_ARRAY_RE.finditer(text))
        if arrays > MAX_TOTAL_POSITIONS + 2 * MAX_FEATURES + 1:  # a center and a bbox per feature, a bbox
            raise ScenarioError(
                f"{name}: too many positions (about {arrays:,}; at most {MAX_TOTAL_POSITIONS:,} in a file)"
            )
    if text.count("[") + text.count("{") > MAX_CONTAINERS:
        bare = _STRING_RE.sub('""', text)  # brackets in texts are no containers
        containers = bare.count("[") + bare.count("{")
        del bare
        if containers > MAX_CONTAINERS:
            raise ScenarioError(
                f"{name}: too many arrays and objects (about {containers:,}; at most {MAX_CONTAINERS:,} in a file)"
            )
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except _Constant as exc:
        raise ScenarioError(f"{name}: not valid JSON ({exc} is not a number JSON allows)") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ScenarioError(f"{name}: not usable JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise ScenarioError(f"{name}: not usable JSON ({_show(str(exc), 100)})") from None
    return _Importer(name, info, unit_ids, taken_ids, author, now).run(document)


def _read_bytes(file: Path, name: str) -> bytes:
    limit = MAX_FILE_BYTES
    too_large = f"{name}: too large for annotations (%s; at most {limit // (1024 * 1024)} MB)"
    try:
        st = file.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError(f"{name}: not a file")
        if st.st_size > limit:
            raise ScenarioError(too_large % f"{st.st_size / (1024 * 1024):,.0f} MB")
        with file.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ScenarioError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:  # grew since the check
        raise ScenarioError(too_large % "more")
    return data


class _Importer:
    def __init__(self, name: str, info: ScenarioInfo, unit_ids, taken_ids, author: str, now: float) -> None:
        self.name = name
        self.info = info
        self.unit_ids = unit_ids
        self.taken_ids = taken_ids
        self.author = author
        self.now = now
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.used: set[str] = set()
        self.suffix: dict[str, int] = {}  # the last "-k" tried per id
        self.fresh = 0

    def fail(self, message: str) -> ScenarioError:
        return ScenarioError(f"{self.name}: {message}")

    def problem(self, row: str, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem("feature", row, column, message))

    def run(self, document: object) -> list[Annotation]:
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise self.fail("not a GeoJSON FeatureCollection")
        marker = document.get("changsha_replay")
        if isinstance(marker, dict):
            version = marker.get("format")
            if _is_number(version) and version > FORMAT:
                raise self.fail(
                    "made by a newer version of Changsha Replay (annotation format "
                    f"{_show(str(version), 20)}; this version reads {FORMAT})"
                )
        features = document.get("features")
        if not isinstance(features, list):
            raise self.fail("not a GeoJSON FeatureCollection (no list of features)")
        if len(features) > MAX_FEATURES:
            raise self.fail(f"too many features ({len(features):,}; at most {MAX_FEATURES:,})")
        # Count first, build after: a huge geometry is refused before anything is made of it.
        total = 0
        for feature in features:
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            if isinstance(geometry, dict) and geometry.get("type") in _DEPTH:
                total += _count_positions(geometry["type"], geometry.get("coordinates"))
                if total > MAX_TOTAL_POSITIONS:
                    raise self.fail(f"too many positions (more than {MAX_TOTAL_POSITIONS:,} in a file)")
        annotations: list[Annotation] = []
        for number, feature in enumerate(features, 1):
            annotations.extend(self.feature(number, feature))
            if len(annotations) > MAX_FEATURES:
                raise self.fail(f"too many annotations ({len(annotations):,}; at most {MAX_FEATURES:,})")
        if self.problem_count:
            first = self.problems[0]
            more = f" (and {self.problem_count - 1:,} more)" if self.problem_count > 1 else ""
            raise ScenarioError(f"{self.name}: cannot import the annotations: {first}{more}", self.problems)
        return annotations

    def feature(self, number: int, feature: object) -> Iterator[Annotation]:
        row = f"#{number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            self.problem(row, "", "not a GeoJSON Feature")
            return
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        elif not isinstance(properties, dict):
            self.problem(row, "properties", f"must be an object, not {_type_name(properties)}")
            return
        file_id = properties.get("id", feature.get("id"))  # ours, else a Feature's own id
        if isinstance(file_id, str) or type(file_id) is int:
            row = f"#{number} ({_show(str(file_id), 40, quote=True)})"
        problems_before = self.problem_count
        values = self.properties(row, properties)
        geometries = self.geometries(row, feature.get("geometry"), values, properties)
        if self.problem_count > problems_before:
            return
        unit_id = values.get("unit_id")
        if unit_id is not None and unit_id not in self.unit_ids:
            values["unit_id"] = None  # a unit of another version of the scenario: keep the note, unattached
        for part, geometry in enumerate(geometries):
            annotation = Annotation(id=self.new_id(file_id, part == 0), geometry=geometry, **values)
            found = list(annotation_problems(annotation, self.info, self.unit_ids))
            for p in found:
                column = _PROPERTY_OF.get(p.column, p.column)
                if column == "geometry" and annotation.kind == "circle":
                    column = "center"
                self.problem(row if len(geometries) == 1 else f"{row} part {part + 1}", column, p.message)
            if not found:
                yield annotation

    def properties(self, row: str, properties: dict) -> dict:
        """The record fields given by the properties (type-checked; missing ones left out)."""
        values: dict = {}

        def take(key: str, field: str, check, what: str) -> None:
            value = properties.get(key)
            if value is None:
                return
            if not check(value):
                self.problem(row, key, f"must be {what}, not {_type_name(value)}")
                return
            values[field] = value

        take("kind", "kind", _is_str, "text")
        for key in ("name", "text"):  # a GIS's columns, used when text (ours, text_en, wins)
            if isinstance(properties.get(key), str):
                values["text"] = properties[key]
        take("text_en", "text", _is_str, "text")
        take("text_zh", "text_zh", _is_str, "text")
        take("colour", "colour", _is_str, "text")
        take("width", "width", _is_number, "a number")
        take("dash", "dash", _is_str, "text")
        take("fill_opacity", "fill_opacity", _is_number, "a number")
        take("hatch", "hatch", lambda v: isinstance(v, bool) or (type(v) is int and v in (0, 1)), "true or false")
        take("arrowhead", "arrowhead", _is_str, "text")
        take("span", "span", _is_str, "text")
        take("unit_id", "unit_id", _is_str, "text")
        take("author", "author", _is_str, "text")
        take("radius_km", "radius_km", _is_number, "a number")
        for key in ("start", "end", "created"):
            take(key, key, _is_str, "an ISO 8601 time such as 1942-01-04T08:00:00+08:00")
            if key in values:
                try:
                    values[key] = _parse_time(values[key])
                except (ValueError, OverflowError):
                    self.problem(
                        row, key, f"not an ISO 8601 time with a UTC offset: {_show(values.pop(key), 40, True)}"
                    )
        file_id = properties.get("id")
        if file_id is not None and not _is_str(file_id) and type(file_id) is not int:
            self.problem(row, "id", f"must be text, not {_type_name(file_id)}")
        if "hatch" in values:
            values["hatch"] = bool(values["hatch"])
        if "kind" in values and values["kind"] not in vocab.ANNOTATION_GEOMETRY:
            self.problem(row, "kind", f"unknown kind {_show(values.pop('kind'), 40, True)}")
        values.setdefault("author", self.author)
        values.setdefault("created", self.now)
        if "span" not in values and "start" not in values and "end" not in values:
            values["span"] = "always"  # a plain GeoJSON: no time span, shown all the time
        return values

    def geometries(self, row: str, geometry: object, values: dict, properties: dict) -> list[dict]:
        """The geometry of each annotation the feature makes (sets the kind when the file has none)."""
        if geometry is None:
            self.problem(row, "geometry", "the feature has no geometry")
            return []
        if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
            self.problem(row, "geometry", "not a GeoJSON geometry")
            return []
        gtype = geometry["type"]
        if gtype not in _DEPTH:
            self.problem(
                row, "geometry", f"a {_show(gtype, 30, True)} cannot be imported (Point, LineString, Polygon or Multi-)"
            )
            return []
        coordinates = geometry.get("coordinates")
        kind = values.get("kind")
        if kind is None and "kind" in properties and properties["kind"] is not None:
            return []  # an unknown or mistyped kind, already reported
        if kind == "circle":
            if gtype == "Point":
                return [{"type": "Point", "coordinates": coordinates}]
            if gtype != "Polygon":
                self.problem(row, "geometry", f"a circle must be a Polygon (or a Point), not a {gtype}")
                return []
            center = properties.get("center")
            if not (isinstance(center, list) and len(center) >= 2 and all(_is_number(c) for c in center)):
                self.problem(row, "center", "a circle needs its center as [lon, lat]")
                return []
            return [{"type": "Point", "coordinates": center}]
        single = _PART.get(gtype, gtype)
        if kind is None:
            kind = values["kind"] = _KIND_OF[single]
        expected = vocab.ANNOTATION_GEOMETRY[kind]
        if single != expected:
            self.problem(row, "geometry", f"a {kind} must be a {expected}, not a {gtype}")
            return []
        count = _count_positions(gtype, coordinates)
        if gtype == single:
            if count > MAX_ANNOTATION_VERTICES:
                self.problem(row, "geometry", f"more than {MAX_ANNOTATION_VERTICES:,} positions")
                return []
            return [{"type": gtype, "coordinates": coordinates}]
        if not isinstance(coordinates, list) or not coordinates:
            self.problem(row, "geometry", "empty or malformed coordinates")
            return []
        return [{"type": single, "coordinates": part} for part in coordinates]

    def new_id(self, file_id: object, first: bool) -> str:
        """The file's id when free, else ``<id>-2``, ``<id>-3``…; ``ann-<n>`` for a feature without one.
        The later parts of a split Multi- geometry get ``<id>-2``… too."""
        base = str(file_id) if type(file_id) is int else file_id
        if isinstance(base, str) and base.strip():
            candidate = base if first else None
            k = self.suffix.get(base, 1)  # where the search for a free "<id>-k" last stopped: linear, not quadratic
            while candidate is None or candidate in self.taken_ids or candidate in self.used:
                k += 1
                candidate = f"{base}-{k}"
            self.suffix[base] = k
        else:
            candidate = None
            while candidate is None or candidate in self.taken_ids or candidate in self.used:
                self.fresh += 1
                candidate = f"ann-{self.fresh}"
        self.used.add(candidate)
        return candidate


def _count_positions(gtype: str, coordinates: object) -> int:
    """Positions of a geometry, counted without looking at each one (malformed parts count 0)."""
    depth = _DEPTH[gtype]
    if depth == 0:
        return 1
    items = [coordinates]
    for _ in range(depth - 1):
        items = [sub for item in items if isinstance(item, list) for sub in item]
    return sum(len(item) for item in items if isinstance(item, list))


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _show(text: str, limit: int, quote: bool = False) -> str:
    """File content fit for a one-line message: truncated, control characters escaped."""
    if quote:
        return repr(text[:limit]) + ("…" if len(text) > limit else "")
    return shown(text, limit + 1 if len(text) > limit else None)
