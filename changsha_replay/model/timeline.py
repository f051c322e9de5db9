"""Phases and events on the time axis: the lookups the clock and the views need."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from .records import Event, Phase


class Phases(Sequence[Phase]):
    """Contiguous phases ordered by start."""

    __slots__ = ("_phases", "starts")

    def __init__(self, phases: Iterable[Phase]) -> None:
        self._phases = tuple(sorted(phases, key=lambda p: (p.start, p.id)))
        self.starts = np.array([p.start for p in self._phases], dtype=np.float64)
        self.starts.setflags(write=False)

    def __len__(self) -> int:
        return len(self._phases)

    def __getitem__(self, i):  # type: ignore[override]
        return self._phases[i]

    def __iter__(self) -> Iterator[Phase]:
        return iter(self._phases)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phases) and self._phases == other._phases

    def __hash__(self) -> int:
        return hash(self._phases)

    def index_at(self, t: float) -> int:
        """Index of the phase in force at ``t`` (the first phase before it starts; -1 if none)."""
        if not self._phases:
            return -1
        return max(int(np.searchsorted(self.starts, t, side="right")) - 1, 0)

    def at(self, t: float) -> Phase | None:
        i = self.index_at(t)
        return None if i < 0 else self._phases[i]


class EventLog(Sequence[Event]):
    """Events ordered by time (then id), with range and unit queries."""

    __slots__ = ("_by_id", "_events", "times")

    def __init__(self, events: Iterable[Event]) -> None:
        self._events = tuple(events)
        self.times = np.fromiter((e.time for e in self._events), dtype=np.float64, count=len(self._events))
        if not _in_order(self._events, self.times):
            self._events = tuple(sorted(self._events, key=lambda e: (e.time, e.id)))
            self.times = np.fromiter((e.time for e in self._events), dtype=np.float64, count=len(self._events))
        self.times.setflags(write=False)
        self._by_id: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, i):  # type: ignore[override]
        return self._events[i]

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventLog) and self._events == other._events

    def __hash__(self) -> int:
        return hash(self._events)

    def index_of(self, event_id: str) -> int:
        if self._by_id is None:
            self._by_id = {e.id: i for i, e in enumerate(self._events)}
        return self._by_id[event_id]

    def crossed(self, a: float, b: float) -> range:
        """Indices of events passed when time moves from ``a`` to ``b``: a < time <= b (or b < time <= a)."""
        lo, hi = (a, b) if a <= b else (b, a)
        return range(
            int(np.searchsorted(self.times, lo, side="right")), int(np.searchsorted(self.times, hi, side="right"))
        )

    def until(self, t: float) -> range:
        """Indices of events that have happened by ``t`` (time <= t)."""
        return range(int(np.searchsorted(self.times, t, side="right")))

    def next_after(self, t: float) -> int | None:
        i = int(np.searchsorted(self.times, t, side="right"))
        return i if i < len(self._events) else None

    def step(self, t: float, focus: int | None, direction: int) -> int | None:
        """The event one step after (``direction`` > 0) or before the one in focus at ``t``, one
        by one also through events of the same time; None past either end. Without a focus (or
        one not at ``t``), the step starts from the time: after it, the next event's; before it,
        the last event at or before it (that event itself when the time lies past it)."""
        n = len(self._events)
        focused = focus is not None and 0 <= focus < n and self.times[focus] == t
        current = focus if focused else len(self.until(t)) - 1
        if direction > 0:
            j = current + 1
        elif not focused and current >= 0 and self.times[current] < t:
            j = current  # the time lies past the last event: back to that event
        else:
            j = current - 1
        return j if 0 <= j < n else None

    def last_before(self, t: float) -> int | None:
        i = int(np.searchsorted(self.times, t, side="left")) - 1
        return i if i >= 0 else None

    def involving(self, unit_ids: Iterable[str], within: Iterable[int] | None = None) -> list[int]:
        """Indices of events (optionally among ``within``) in which any of the units takes part."""
        wanted = set(unit_ids)
        indices = range(len(self._events)) if within is None else within
        return [i for i in indices if any(link.unit_id in wanted for link in self._events[i].units)]


def _in_order(events: tuple[Event, ...], times: np.ndarray) -> bool:
    """True when events are already ordered by (time, id): a vectorised check, ids compared only at ties."""
    if len(times) < 2:
        return True
    step = times[1:] - times[:-1]
    if not bool(np.all(step >= 0)):  # also False for NaN
        return False
    return all(events[i].id < events[i + 1].id for i in np.flatnonzero(step == 0).tolist())
