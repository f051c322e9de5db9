"""The playback clock: battle time driven by wall time, pure Python (Qt only ticks it)."""

from __future__ import annotations

from dataclasses import dataclass

from .timeline import EventLog, Phases

DEFAULT_RATE = 3600.0  # one battle hour per wall second


@dataclass(frozen=True, slots=True)
class Transition:
    """What one clock operation did."""

    previous: float
    time: float
    phase_before: int
    phase_after: int
    events: range  # indices into the event log crossed between previous and time
    wrapped: bool = False  # the loop range sent time back to its start
    stopped: bool = False  # play reached the end (or the start, backwards) and paused

    @property
    def direction(self) -> int:
        return (self.time > self.previous) - (self.time < self.previous)

    @property
    def phase_changed(self) -> bool:
        return self.phase_before != self.phase_after


class PlaybackClock:
    """Current battle time, play/pause, rate, seeking and stepping.

    ``rate`` is battle seconds per wall second (negative plays backwards). The state a view
    shows is a function of :attr:`time` alone, so seeking to t gives exactly what playing to
    t gives.
    """

    def __init__(self, start: float, end: float, phases: Phases, events: EventLog) -> None:
        if not end >= start:
            raise ValueError("clock end before start")
        self.start = float(start)
        self.end = float(end)
        self.phases = phases
        self.events = events
        self._time = self.start
        self.rate = DEFAULT_RATE
        self.playing = False
        self._loop: tuple[float, float] | None = None

    # -- state ---------------------------------------------------------------------------
    @property
    def time(self) -> float:
        return self._time

    @property
    def phase_index(self) -> int:
        return self.phases.index_at(self._time)

    @property
    def loop(self) -> tuple[float, float] | None:
        return self._loop

    def set_loop(self, a: float | None, b: float | None = None) -> None:
        """Loop play between a and b (clamped to the scenario); ``None`` clears the loop."""
        if a is None or b is None:
            self._loop = None
            return
        lo, hi = sorted((self._clamp(a), self._clamp(b)))
        self._loop = (lo, hi) if hi > lo else None

    def set_timeline(self, start: float, end: float, phases: Phases, events: EventLog) -> None:
        """Another span, phases or events (an edit): time, rate, loop and play state are kept,
        clamped into the new span."""
        if not end >= start:
            raise ValueError("clock end before start")
        self.start, self.end = float(start), float(end)
        self.phases, self.events = phases, events
        self._time = self._clamp(self._time)
        if self._loop is not None:
            self.set_loop(*self._loop)

    def set_rate(self, rate: float) -> None:
        self.rate = float(rate)

    def play(self) -> None:
        """Start playing; at the end (start, backwards) play starts over."""
        lo, hi = self._bounds()
        if self.rate >= 0 and self._time >= hi:
            self._time = lo
        elif self.rate < 0 and self._time <= lo:
            self._time = hi
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> bool:
        """Play if paused, pause if playing; returns whether it now plays."""
        if self.playing:
            self.pause()
        else:
            self.play()
        return self.playing

    # -- moving time ---------------------------------------------------------------------
    def advance(self, wall_dt: float) -> Transition:
        """Move time on by ``rate * wall_dt`` if playing; stops (or loops) at the bounds."""
        if not self.playing or wall_dt <= 0 or self.rate == 0:
            return self._move(self._time)
        lo, hi = self._bounds()
        target = self._time + self.rate * wall_dt
        if self.rate > 0 and target >= hi:
            if self._loop is not None:
                crossed = self._move(hi)
                self._time = lo
                return Transition(
                    crossed.previous, lo, crossed.phase_before, self.phase_index, crossed.events, wrapped=True
                )
            self.playing = False
            return self._move(hi, stopped=True)
        if self.rate < 0 and target <= lo:
            if self._loop is not None:
                crossed = self._move(lo)
                self._time = hi
                return Transition(
                    crossed.previous, hi, crossed.phase_before, self.phase_index, crossed.events, wrapped=True
                )
            self.playing = False
            return self._move(lo, stopped=True)
        return self._move(target)

    def seek(self, t: float) -> Transition:
        """Jump to ``t`` (clamped to the scenario span)."""
        return self._move(self._clamp(t))

    def to_start(self) -> Transition:
        return self._move(self.start)

    def to_end(self) -> Transition:
        return self._move(self.end)

    def step_phase(self, direction: int) -> Transition:
        """To the next phase's start (the end after the last), or back to the start of the
        current phase (of the previous one when already at a phase start)."""
        starts = self.phases.starts
        if direction > 0:
            later = starts[starts > self._time]
            return self._move(float(later[0]) if len(later) else self.end)
        earlier = starts[starts < self._time]
        return self._move(float(earlier[-1]) if len(earlier) else self.start)

    def step_event(self, direction: int) -> Transition:
        """To the time of the next (previous) event; stays put when there is none."""
        find = self.events.next_after if direction > 0 else self.events.last_before
        i = find(self._time)
        if i is None:
            return self._move(self._time)
        return self._move(self._clamp(float(self.events.times[i])))

    # -- helpers -------------------------------------------------------------------------
    def _bounds(self) -> tuple[float, float]:
        return self._loop if self._loop is not None else (self.start, self.end)

    def _clamp(self, t: float) -> float:
        return min(max(float(t), self.start), self.end)

    def _move(self, t: float, stopped: bool = False) -> Transition:
        before, phase_before = self._time, self.phase_index
        self._time = t
        return Transition(before, t, phase_before, self.phase_index, self.events.crossed(before, t), stopped=stopped)
