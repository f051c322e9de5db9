"""The scenario: every record of one scenario file, in memory, immutable."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

from .orbat import OrderOfBattle
from .records import Annotation, Credit, Feature, Place, ScenarioInfo, Side, Source
from .timeline import EventLog, Phases
from .tracks import UnitStates, UnitTracks


@dataclass(frozen=True, eq=False)
class Scenario:
    """One scenario. Edits make a new Scenario with :meth:`replace`; nothing is mutated."""

    info: ScenarioInfo
    sides: tuple[Side, ...]
    units: OrderOfBattle
    phases: Phases
    events: EventLog
    tracks: UnitTracks
    places: tuple[Place, ...] = ()
    features: tuple[Feature, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    sources: tuple[Source, ...] = ()
    credits: tuple[Credit, ...] = ()
    #: Where the parts were read from (``store.origin.Origin``), so that saving copies what is
    #: unchanged; not content (ignored by :meth:`same_content`), carried along by :meth:`replace`.
    origin: object | None = dataclasses.field(default=None, repr=False)

    def replace(self, **changes) -> Scenario:
        """A copy with some fields replaced (the basis of undoable edits)."""
        return dataclasses.replace(self, **changes)

    def state_at(self, t: float) -> UnitStates:
        """State of every unit at ``t`` (rows in order-of-battle order)."""
        return self.tracks.state_at(t)

    @cached_property
    def _sides_by_id(self) -> dict[str, Side]:
        return {s.id: s for s in self.sides}

    @cached_property
    def _places_by_id(self) -> dict[str, Place]:
        return {p.id: p for p in self.places}

    @cached_property
    def _sources_by_key(self) -> dict[str, Source]:
        return {s.key: s for s in self.sources}

    def side(self, side_id: str) -> Side | None:
        return self._sides_by_id.get(side_id)

    def place(self, place_id: str) -> Place | None:
        return self._places_by_id.get(place_id)

    def source(self, key: str) -> Source | None:
        return self._sources_by_key.get(key)

    def same_content(self, other: Scenario) -> bool:
        """True when both hold exactly the same data."""
        return (
            self.info == other.info
            and self.sides == other.sides
            and self.units == other.units
            and self.phases == other.phases
            and self.events == other.events
            and self.places == other.places
            and self.features == other.features
            and self.annotations == other.annotations
            and self.sources == other.sources
            and self.credits == other.credits
            and self.tracks.equals(other.tracks)
        )
