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

#: Kind of a user annotation.
ANNOTATION_KINDS: tuple[str, ...] = ("note", "arrow", "area", "label")

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
