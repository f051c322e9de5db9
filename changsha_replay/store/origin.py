"""Where a scenario's parts are on disk, so that saving copies what did not change.

A scenario read from a file carries an :class:`Origin`: the file, its stamp at reading, and the
parts (units, events, tracks …) as read. Edits make new scenarios that share every part they do
not touch, so a part that is still the very object read is still exactly what the file holds.
Saving copies such parts from the file table by table inside SQLite (no Python per row, and
the GIL released meanwhile) and writes only the parts that changed. The copy is used only while
the file is provably the one read (same stamp before and after copying, same format version,
same time zone); otherwise the whole scenario is written from memory, as before.

Every scenario derived from one reading shares its Origin; a completed save moves it to the
new file (:meth:`Origin.moved`), since the parts saved are now in that file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import FileStamp, stamp
from .errors import ScenarioError
from .schema import FORMAT_VERSION
from .untrusted import read_header

if TYPE_CHECKING:
    from ..model.scenario import Scenario

#: Parts worth copying (the large ones), with the tables that hold each.
COPIED_PARTS: dict[str, tuple[str, ...]] = {
    "units": ("unit", "unit_source"),
    "places": ("place",),
    "events": ("event", "event_unit", "event_source"),
    "features": ("feature",),
    "tracks": ("citation", "keyframe"),
}


@dataclass(frozen=True)
class Snapshot:
    """One file and the parts of a scenario that it holds exactly."""

    path: Path
    stamp: FileStamp
    parts: dict[str, object]
    time_zone: object
    version: int  # of the file's format: only a file of the current one is copied from

    def unchanged(self, scenario: Scenario) -> tuple[str, ...]:
        """The parts of ``scenario`` that are still the objects this file holds."""
        if scenario.info.time_zone != self.time_zone or self.version != FORMAT_VERSION:
            return ()  # copied times would carry the old offset; an older file has other columns
        same = {name for name in COPIED_PARTS if getattr(scenario, name) is self.parts.get(name)}
        if "tracks" in same and "units" not in same and not self._same_unit_ids(scenario):
            same.discard("tracks")  # in memory keyframes belong to units by position, in the file by id
        return tuple(name for name in COPIED_PARTS if name in same)

    def _same_unit_ids(self, scenario: Scenario) -> bool:
        """True when every unit keeps the id and position it had in the file (units edited in
        place, e.g. renamed: the file's keyframes still belong to the same units)."""
        read = self.parts.get("units")
        if read is None or len(read) != len(scenario.units):
            return False
        return all(a.id == b.id for a, b in zip(read, scenario.units, strict=True))

    def intact(self) -> bool:
        """True while the file is the one read (its stamp has not changed)."""
        return stamp(self.path) == self.stamp


class Origin:
    """The file that holds a scenario's parts (shared by every scenario edited from one reading)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    @classmethod
    def of(cls, scenario: Scenario, read_from: FileStamp | None, now: FileStamp | None, version: int) -> Origin:
        """The origin of ``scenario``, just read from a file of format ``version`` whose stamp was
        ``read_from`` before reading and is ``now`` (no snapshot when they differ or are None)."""
        origin = cls()
        snapshot = None
        if now is not None and now == read_from:
            snapshot = origin._snapshot_of(scenario, now, version)
        origin._snapshot = snapshot
        return origin

    @property
    def snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot

    def moved(self, scenario: Scenario, path: Path, expected: FileStamp | None = None) -> None:
        """``scenario`` is now exactly what ``path`` holds (after reading or saving it); with
        ``expected``, only if the file's stamp is still that."""
        found = stamp(Path(path))
        snapshot = None
        if found is not None and (expected is None or found == expected):
            try:
                version = read_header(Path(found.path))[0]
            except ScenarioError:
                version = -1
            snapshot = self._snapshot_of(scenario, found, version)
        with self._lock:
            self._snapshot = snapshot

    @staticmethod
    def _snapshot_of(scenario: Scenario, found: FileStamp, version: int) -> Snapshot:
        parts = {name: getattr(scenario, name) for name in COPIED_PARTS}
        return Snapshot(Path(found.path), found, parts, scenario.info.time_zone, version)

    def __repr__(self) -> str:  # never the parts: they may be huge
        snapshot = self.snapshot
        return f"Origin({snapshot.path if snapshot else None})"


def rows_from_memory(scenario: Scenario) -> int:
    """About how many rows saving ``scenario`` writes from memory (the rest is copied from the
    file it was read from, inside SQLite)."""
    origin = scenario.origin
    snapshot = origin.snapshot if isinstance(origin, Origin) else None
    copied = set(snapshot.unchanged(scenario)) if snapshot is not None and snapshot.intact() else set()
    sizes = {
        "units": len(scenario.units),
        "places": len(scenario.places),
        "events": len(scenario.events),
        "features": len(scenario.features),
        "tracks": len(scenario.tracks),
    }
    written = sum(size for part, size in sizes.items() if part not in copied)
    return written + len(scenario.annotations) + len(scenario.phases) + len(scenario.sides) + len(scenario.sources)
