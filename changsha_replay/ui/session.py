"""The session: the open scenario and the playback state, the one source of truth of the views."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..model import PlaybackClock, Scenario, Transition, UnitStates
from ..model.changes import Change
from ..store import load
from .document import Document

#: Speed presets in battle seconds per wall second, with their labels.
RATES: tuple[tuple[float, str], ...] = (
    (600.0, "10 min/s"),
    (1800.0, "30 min/s"),
    (3600.0, "1 h/s"),
    (3 * 3600.0, "3 h/s"),
    (6 * 3600.0, "6 h/s"),
    (12 * 3600.0, "12 h/s"),
    (86400.0, "1 day/s"),
)
DEFAULT_RATE_INDEX = 4  # 6 h of battle per second: the whole battle in about 2.5 minutes
FRAME_MS = 16


class Session(QObject):
    """Holds the scenario, its clock, the selection and the display options, and says when they change.

    Views connect to the signals and pull what they need (``state()`` is computed once per time).
    Playback is a QTimer that advances the pure clock by the wall time elapsed since its last
    tick, so speed does not depend on the frame rate.

    The content belongs to ``document`` (undo stack, file, saved state); the session is how it
    is watched. Two signals announce content, in a stated order:

    - ``scenario_changed``: *another* scenario (open, close, recover). Everything resets; it is
      followed by ``selection_changed``, ``time_changed`` and ``phase_changed``.
    - ``edited(change, initiator)``: the same scenario was edited (an edit, undo or redo). The
      session has already brought the clock (span, phases, events), the state cache and the
      selection (removed units pruned, then ``selection_changed``) up to date; nothing resets,
      and no ``time_changed`` follows unless the span itself moved the time.
    """

    scenario_changed = Signal()  # another scenario is open (views rebuild)
    edited = Signal(object, object)  # model.changes.Change, initiator (None for undo/redo)
    time_changed = Signal(float)  # the battle time moved (epoch seconds)
    phase_changed = Signal(int)  # index of the phase in force
    playing_changed = Signal(bool)
    rate_changed = Signal(float)
    selection_changed = Signal(object)  # frozenset of unit ids
    name_mode_changed = Signal(str)  # "en", "zh" or "both"
    follow_changed = Signal(bool)
    loop_changed = Signal(object)  # (start, end) or None
    annotation_selected = Signal(object)  # id of the selected annotation, or None
    event_focused = Signal(object)  # index of the event stepped to (← / →), or None

    def __init__(self, parent: QObject | None = None, wall_clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.document = Document(self)
        self.document.changed.connect(self._on_document_changed)
        self.clock: PlaybackClock | None = None
        self.selection: frozenset[str] = frozenset()
        self.selected_annotation: str | None = None
        self.event_focus: int | None = None  # the event stepped to with ← / → (see step_event)
        self._stepping = False
        self.name_mode = "en"
        self.follow = False
        self.rate_index = DEFAULT_RATE_INDEX
        self._wall_clock = wall_clock
        self._last_tick: float | None = None
        self._state: UnitStates | None = None
        self._state_tracks: object = None
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.tick)

    # -- document ------------------------------------------------------------------------
    def open(self, path: str | Path) -> None:
        """Open a scenario file; on ScenarioError the current scenario stays open."""
        scenario = load(path)  # raises before anything changes
        self.set_scenario(scenario, Path(path))

    @property
    def scenario(self) -> Scenario | None:
        return self.document.scenario

    @property
    def path(self) -> Path | None:
        return self.document.path

    @property
    def undo_stack(self) -> QUndoStack:
        return self.document.undo_stack

    def set_scenario(self, scenario: Scenario | None, path: Path | None = None) -> None:
        """Show another scenario: the only reset of time, selection, loop and undo history."""
        self.pause()
        self.document.reset(scenario, path)
        self.selection = frozenset()
        self.select_annotation(None)
        self.loop_changed.emit(None)
        self._state = None
        self.event_focus = None
        if scenario is None:
            self.clock = None
        else:
            self.clock = PlaybackClock(scenario.info.start, scenario.info.end, scenario.phases, scenario.events)
            self.clock.set_rate(RATES[self.rate_index][0])
        self.scenario_changed.emit()
        self.selection_changed.emit(self.selection)
        if self.clock is not None:
            self.time_changed.emit(self.clock.time)
            self.phase_changed.emit(self.clock.phase_index)

    @property
    def time(self) -> float:
        return self.clock.time if self.clock is not None else 0.0

    @property
    def phase_index(self) -> int:
        return self.clock.phase_index if self.clock is not None else -1

    def state(self) -> UnitStates | None:
        """State of every unit at the current time (computed once per time and tracks)."""
        scenario = self.scenario
        if scenario is None:
            return None
        if self._state is None or self._state.time != self.time or self._state_tracks is not scenario.tracks:
            self._state = scenario.state_at(self.time)
            self._state_tracks = scenario.tracks
        return self._state

    def _on_document_changed(self, change: Change, initiator: object) -> None:
        """Bring the clock, the state and the selection up to date, then say ``edited``."""
        scenario = self.scenario
        if scenario is None or self.clock is None:
            return
        before = self.clock.time
        if change.parts & {"info", "phases", "events"}:
            phase = self.clock.phase_index
            self.clock.set_timeline(scenario.info.start, scenario.info.end, scenario.phases, scenario.events)
            phase_moved = self.clock.phase_index != phase
        else:
            phase_moved = False
        if change.parts & {"tracks", "units"}:
            self._state = None
        if self.selected_annotation in change.annotations and not any(
            a.id == self.selected_annotation for a in scenario.annotations
        ):
            self.select_annotation(None)  # it was deleted
        if change.structure:
            kept = frozenset(u for u in self.selection if u in scenario.units)
            if kept != self.selection:
                self.selection = kept
                self.selection_changed.emit(kept)
        self.edited.emit(change, initiator)
        if self.clock.time != before:  # the span was cut short under the current time
            self.time_changed.emit(self.clock.time)
        if phase_moved:
            self.phase_changed.emit(self.clock.phase_index)

    # -- moving time ---------------------------------------------------------------------
    def _apply(self, move: Transition) -> Transition:
        if (move.time != move.previous or move.wrapped) and not self._stepping:
            self._focus_event(None)  # time moved another way: the current event is the latest again
        if move.time != move.previous or move.wrapped:
            self.time_changed.emit(move.time)
        if move.phase_changed:
            self.phase_changed.emit(move.phase_after)
        if move.stopped:
            self._stop_timer()
        return move

    def seek(self, t: float) -> None:
        if self.clock is not None:
            self._apply(self.clock.seek(t))

    def scrub(self, t: float) -> None:
        """Seek while dragging: playback pauses."""
        self.pause()
        self.seek(t)

    def step_phase(self, direction: int) -> None:
        if self.clock is not None:
            self._apply(self.clock.step_phase(direction))

    def step_event(self, direction: int) -> None:
        """To the next (previous) event, one by one also through events of the same time (the
        event stepped to is the current one in the event log until time moves otherwise)."""
        if self.clock is None:
            return
        log = self.clock.events
        j = log.step(self.time, self.event_focus, direction)
        if j is None:
            return
        self._stepping = True
        try:
            self._apply(self.clock.seek(float(log.times[j])))
        finally:
            self._stepping = False
        self._focus_event(j)

    def _focus_event(self, index: int | None) -> None:
        if index != self.event_focus:
            self.event_focus = index
            self.event_focused.emit(index)

    def to_start(self) -> None:
        if self.clock is not None:
            self._apply(self.clock.to_start())

    def to_end(self) -> None:
        if self.clock is not None:
            self._apply(self.clock.to_end())

    def set_loop(self, a: float | None, b: float | None = None) -> None:
        """Repeat the span a–b while playing (None: no loop)."""
        if self.clock is not None:
            self.clock.set_loop(a, b)
            self.loop_changed.emit(self.clock.loop)

    def loop_current_phase(self, on: bool) -> None:
        """Repeat the current phase while playing, or stop repeating."""
        if self.scenario is None or not on or self.phase_index < 0:
            self.set_loop(None)
            return
        phase = self.scenario.phases[self.phase_index]
        self.set_loop(phase.start, phase.end)

    # -- play ----------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if self.clock is None or self.playing:
            return
        before = self.clock.time
        self.clock.play()
        if self.clock.time != before:  # at the end: play starts over
            self.time_changed.emit(self.clock.time)
            self.phase_changed.emit(self.clock.phase_index)
        self._last_tick = self._wall_clock()
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.clock is not None:
            self.clock.pause()
        self._stop_timer()

    def _stop_timer(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def tick(self) -> None:
        """Advance by the wall time elapsed since the last tick (called by the frame timer)."""
        if self.clock is None or not self.clock.playing:
            self._stop_timer()
            return
        now = self._wall_clock()
        elapsed = max(0.0, now - (self._last_tick if self._last_tick is not None else now))
        self._last_tick = now
        self._apply(self.clock.advance(min(elapsed, 0.25)))  # a stall (dragging the window) is not a jump

    def set_rate_index(self, index: int) -> None:
        self.rate_index = max(0, min(index, len(RATES) - 1))
        if self.clock is not None:
            self.clock.set_rate(RATES[self.rate_index][0])
        self.rate_changed.emit(RATES[self.rate_index][0])

    def faster(self) -> None:
        self.set_rate_index(self.rate_index + 1)

    def slower(self) -> None:
        self.set_rate_index(self.rate_index - 1)

    @property
    def rate(self) -> float:
        return RATES[self.rate_index][0]

    # -- selection and display options ---------------------------------------------------
    def select(self, unit_ids: Iterable[str]) -> None:
        chosen = frozenset(unit_ids)
        if chosen != self.selection:
            self.selection = chosen
            self.selection_changed.emit(chosen)

    def select_annotation(self, annotation_id: str | None) -> None:
        """Select one annotation (None: none) for the inspector, the handles and Delete."""
        if annotation_id != self.selected_annotation:
            self.selected_annotation = annotation_id
            self.annotation_selected.emit(annotation_id)

    def set_name_mode(self, mode: str) -> None:
        if mode not in ("en", "zh", "both"):
            raise ValueError(mode)
        if mode != self.name_mode:
            self.name_mode = mode
            self.name_mode_changed.emit(mode)

    def set_follow(self, on: bool) -> None:
        if on != self.follow:
            self.follow = on
            self.follow_changed.emit(on)
