"""Immutable records of a scenario: the rows of the file as plain, hashable Python values.

Times are seconds since the epoch (UTC); coordinates are WGS84 degrees. Records refer to each
other by id, never by object, so a record can be replaced (an edit, ``record._replace(...)``)
without touching others. Records are NamedTuples: a file can hold 100,000 events, and a
NamedTuple is built about five times faster than a frozen dataclass.
"""

from __future__ import annotations

from datetime import timezone
from typing import NamedTuple


class Citation(NamedTuple):
    """Where a fact comes from: a source key and a place in that source."""

    source_key: str
    locator: str = ""


class Source(NamedTuple):
    """A cited work or data set."""

    key: str
    title: str
    url: str = ""
    note: str = ""


class Credit(NamedTuple):
    """Credit and licence for part of the data, shown to users."""

    subject: str
    holder: str
    licence: str
    url: str = ""


class ScenarioInfo(NamedTuple):
    """Scenario-wide metadata."""

    title_en: str
    title_zh: str
    description_en: str
    description_zh: str
    time_zone: timezone
    start: float
    end: float
    extent: tuple[float, float, float, float]  # west, south, east, north
    author: str = ""  # who made this scenario (or this copy of one)
    based_on: str = ""  # the title of the scenario this one was saved from ("" for an original)


class Side(NamedTuple):
    """A belligerent."""

    id: str
    name_en: str
    name_zh: str
    colour: str  # "#rrggbb"


class Unit(NamedTuple):
    """A node of the order of battle."""

    id: str
    side_id: str
    parent_id: str | None
    name_en: str
    name_zh: str
    echelon: str
    branch: str
    sidc: str
    commander_en: str = ""
    commander_zh: str = ""
    narrative_name_en: str = ""
    narrative_name_zh: str = ""
    basis: str = "historical"
    note: str = ""
    sources: tuple[Citation, ...] = ()


class Phase(NamedTuple):
    """A named span of the battle; phases are contiguous, so ``end`` is the next start."""

    id: str
    start: float
    end: float
    title_en: str
    title_zh: str
    summary_en: str = ""
    summary_zh: str = ""
    view: tuple[float, float, float, float] | None = None  # west, south, east, north: what the map frames


class EventUnit(NamedTuple):
    """A unit taking part in an event, and its role."""

    unit_id: str
    role: str


class Event(NamedTuple):
    """Something that happened (or is told to have happened) at a time."""

    id: str
    time: float
    kind: str
    title_en: str
    title_zh: str = ""
    text_en: str = ""
    text_zh: str = ""
    end: float | None = None
    lat: float | None = None
    lon: float | None = None
    place_id: str | None = None
    basis: str = "historical"
    other_version_en: str = ""
    other_version_zh: str = ""
    units: tuple[EventUnit, ...] = ()
    sources: tuple[Citation, ...] = ()


class Place(NamedTuple):
    """A gazetteer entry."""

    id: str
    name_en: str
    name_zh: str
    pinyin: str
    lat: float
    lon: float
    kind: str
    confidence_km: float
    source: Citation
    note: str = ""
    key_place: bool = False  # one of the scenario's key places: always named on the map


class Feature(NamedTuple):
    """A map feature (river, lake, front line, area…) as a GeoJSON geometry."""

    id: str
    kind: str
    name_en: str
    name_zh: str
    geometry: dict
    schematic: bool = False
    start: float | None = None
    end: float | None = None
    source: Citation = Citation("")


class Annotation(NamedTuple):
    """A user's mark on the map (note, label, arrow, line, freehand line, area, rectangle or circle),
    shown during a time span.

    ``geometry`` is GeoJSON in WGS84 degrees: a Point for notes, labels and circles (the centre;
    ``radius_km`` gives the size), a LineString for arrows, lines and freehand lines, a Polygon for
    areas and rectangles (see ``vocab.ANNOTATION_GEOMETRY``). ``start``/``end`` bound the span
    (None: open); ``span`` says how the author chose it, for the editor. A note or label with a
    ``unit_id`` is drawn at that unit's position while the unit has one.
    """

    id: str
    kind: str
    geometry: dict
    text: str = ""  # English text
    colour: str = "#000000"
    start: float | None = None
    end: float | None = None
    author: str = ""
    created: float = 0.0
    text_zh: str = ""
    width: float = 2.0  # line width in screen pixels
    dash: str = "solid"
    fill_opacity: float = 0.2
    hatch: bool = False
    arrowhead: str = "end"
    span: str = "phase"
    unit_id: str | None = None
    radius_km: float | None = None
