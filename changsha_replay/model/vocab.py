"""Controlled vocabularies of the scenario format.

Each tuple is the complete list of values a column may take; the order of a tuple is the
numeric code used in memory (for example in the keyframe status array).
"""

from __future__ import annotations

#: Unit status at a keyframe.
STATUSES: tuple[str, ...] = (
    "reserve",
    "moving",
    "defending",
    "attacking",
    "blocking",
    "pursuing",
    "retreating",
    "encircled",
    "destroyed",
)

#: Kind of an event.
EVENT_KINDS: tuple[str, ...] = (
    "planning",
    "order",
    "movement",
    "engagement",
    "river_crossing",
    "bridge_destroyed",
    "air_strike",
    "bombardment",
    "weather",
    "encirclement",
    "breakout",
    "intelligence",
    "casualties",
    "narrative",
)

#: Where a fact comes from: the seed narrative, the historical record, both agreeing, or a
#: conflict between them (the event then carries the other version's text).
BASES: tuple[str, ...] = ("seed", "historical", "both", "conflict")

#: Part a unit plays in an event.
ROLES: tuple[str, ...] = (
    "commanding",
    "ordered",
    "attacking",
    "defending",
    "blocking",
    "pursuing",
    "retreating",
    "supporting",
    "subject",
)

#: Echelon of a unit, largest first, with its APP-6(D) echelon code (SIDC digits 9-10).
ECHELONS: dict[str, str] = {
    "war_zone": "25",
    "army_group": "24",
    "army": "23",
    "corps": "22",
    "division": "21",
    "brigade": "18",
    "regiment": "17",
    "battalion": "16",
    "company": "15",
    "squadron": "16",
}

#: Branch (kind of troops) of a unit.
BRANCHES: tuple[str, ...] = (
    "headquarters",
    "infantry",
    "cavalry",
    "artillery",
    "engineer",
    "transport",
    "air",
)

#: How sure a keyframe's position is: stated by a source, inferred from a source's wording,
#: or estimated by the scenario author to make the movement continuous.
CERTAINTIES: tuple[str, ...] = ("documented", "inferred", "estimated")

#: Kind of a map feature.
FEATURE_KINDS: tuple[str, ...] = ("river", "lake", "road", "railway", "front_line", "area", "encirclement", "axis")

#: Kind of a user annotation, and the GeoJSON geometry type each one has.
ANNOTATION_GEOMETRY: dict[str, str] = {
    "note": "Point",
    "label": "Point",
    "arrow": "LineString",
    "line": "LineString",
    "freehand": "LineString",
    "area": "Polygon",
    "rectangle": "Polygon",
    "circle": "Point",
}
ANNOTATION_KINDS: tuple[str, ...] = tuple(ANNOTATION_GEOMETRY)

#: Line pattern of an annotation.
DASHES: tuple[str, ...] = ("solid", "dash", "dot")

#: Arrowheads of an arrow (other kinds ignore it).
ARROWHEADS: tuple[str, ...] = ("end", "both", "none")

#: How the time span of an annotation was chosen: always shown, the phase it was drawn in, from
#: its start on, a range, or from an event until the next one. ``start`` and ``end`` hold the times.
ANNOTATION_SPANS: tuple[str, ...] = ("always", "phase", "from", "range", "event")

#: Kind of a gazetteer place.
PLACE_KINDS: tuple[str, ...] = (
    "city",
    "town",
    "crossing",
    "river",
    "lake",
    "mountain",
    "temple",
    "region",
)
