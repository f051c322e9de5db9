"""Which units a moment of the battle is about: the map names them before any other unit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import vocab
from .records import Event

EVENT_SHOWN = 12 * 3600.0  # an event without an end is current this long (as its marker on the map)
_ENCIRCLED = vocab.STATUSES.index("encircled")


class FeaturedUnits:
    """The units of the current events (from an event's time to its end, or 12 hours after it)
    and the encircled units, as a mask over the order of battle."""

    def __init__(self, events: Sequence[Event], index: Mapping[str, int], count: int) -> None:
        self.count = count
        named = [(e, [index[u.unit_id] for u in e.units if u.unit_id in index]) for e in events]
        named = sorted(((e, units) for e, units in named if units), key=lambda n: n[0].time)
        self._start = np.array([e.time for e, _u in named], dtype=float)
        self._end = np.array([e.end if e.end is not None else e.time + EVENT_SHOWN for e, _u in named], dtype=float)
        self._longest = float((self._end - self._start).max()) if len(named) else 0.0
        # the units of all events in one array, each event's a run of it (from _first): vectorised
        counts = np.array([len(units) for _e, units in named], dtype=np.int64)
        self._first = np.concatenate(([0], np.cumsum(counts)))
        self._units = np.array([i for _e, units in named for i in units], dtype=np.int64)

    def at(self, t: float, status: np.ndarray | None = None) -> np.ndarray:
        """The mask at time ``t``; ``status`` (codes per unit, as in the playback state) adds
        the units encircled now."""
        featured = np.zeros(self.count, bool)
        # only events begun within the longest duration before t can be current (sorted by start)
        lo, hi = np.searchsorted(self._start, (t - self._longest, t), side="right").tolist()
        lo = max(lo - 1, 0)
        current = self._end[lo:hi] >= t
        runs = np.diff(self._first[lo : hi + 1])
        featured[self._units[self._first[lo] : self._first[hi]][np.repeat(current, runs)]] = True
        if status is not None and len(status) == self.count:
            featured |= status == _ENCIRCLED
        return featured
