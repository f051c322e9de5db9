"""What an edit changed: the parts of the scenario replaced and the ids touched."""

from __future__ import annotations

from typing import NamedTuple

#: The fields of ``Scenario`` an edit can replace.
PARTS: frozenset[str] = frozenset(
    ("info", "sides", "units", "phases", "events", "tracks", "places", "features", "annotations", "sources", "credits")
)


class Change(NamedTuple):
    """The change-set of one edit (or of a batch of them, joined with ``|``).

    ``parts`` names the Scenario fields that are new objects; ``units``, ``events`` and
    ``annotations`` the ids touched (added, replaced or removed); ``structure`` is True when unit
    indices changed (a unit added, removed or moved in the tree). Views refresh only what it names.
    """

    parts: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()
    annotations: frozenset[str] = frozenset()
    structure: bool = False

    def __or__(self, other: object) -> Change:
        if not isinstance(other, Change):
            return NotImplemented
        return Change(
            self.parts | other.parts,
            self.units | other.units,
            self.events | other.events,
            self.annotations | other.annotations,
            self.structure or other.structure,
        )

    @property
    def empty(self) -> bool:
        return not self.parts

    @staticmethod
    def between(old: object, new: object) -> frozenset[str]:
        """The parts of two scenarios that are different objects (structural sharing makes an
        unchanged part the very same object): a check that an edit reports all it changed."""
        return frozenset(p for p in PARTS if getattr(old, p) is not getattr(new, p))


EVERYTHING = Change(parts=PARTS, structure=True)
