"""The playback actions (menu, toolbar and keyboard share them)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from .session import Session


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    keys: tuple[str, ...]
    tip: str


PLAYBACK: tuple[ActionSpec, ...] = (
    ActionSpec("play", "Play / Pause", ("Space",), "Play or pause the replay"),
    ActionSpec("prev_event", "Previous Event", ("Left",), "Go back to the previous event"),
    ActionSpec("next_event", "Next Event", ("Right",), "Go to the next event"),
    ActionSpec("prev_phase", "Previous Phase", ("PgUp", "["), "Go to the start of this phase, or the previous one"),
    ActionSpec("next_phase", "Next Phase", ("PgDown", "]"), "Go to the start of the next phase"),
    ActionSpec("start", "Go to Start", ("Home",), "Go to the start of the battle"),
    ActionSpec("end", "Go to End", ("End",), "Go to the end of the battle"),
    ActionSpec("slower", "Slower", ("-",), "Play more slowly"),
    ActionSpec("faster", "Faster", ("+", "="), "Play faster"),
    ActionSpec("follow", "Follow Selected Unit", ("F",), "Keep the selected unit centred while playing"),
    ActionSpec("loop", "Loop Current Phase", ("L",), "Repeat the current phase while playing"),
)


class PlaybackActions(QObject):
    """QActions for every transport command, wired to the session."""

    def __init__(self, session: Session, parent: QObject) -> None:
        super().__init__(parent)
        self.session = session
        self.actions: dict[str, QAction] = {}
        for spec in PLAYBACK:
            action = QAction(spec.text, parent)
            action.setShortcuts([QKeySequence(k) for k in spec.keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{spec.tip} ({', '.join(spec.keys)})")
            action.setStatusTip(spec.tip)
            self.actions[spec.name] = action
        a = self.actions
        a["follow"].setCheckable(True)
        a["loop"].setCheckable(True)
        a["loop"].toggled.connect(session.loop_current_phase)
        session.loop_changed.connect(lambda loop: a["loop"].setChecked(loop is not None))
        a["play"].triggered.connect(session.toggle_play)
        a["prev_event"].triggered.connect(lambda: session.step_event(-1))
        a["next_event"].triggered.connect(lambda: session.step_event(+1))
        a["prev_phase"].triggered.connect(lambda: session.step_phase(-1))
        a["next_phase"].triggered.connect(lambda: session.step_phase(+1))
        a["start"].triggered.connect(session.to_start)
        a["end"].triggered.connect(session.to_end)
        a["slower"].triggered.connect(session.slower)
        a["faster"].triggered.connect(session.faster)
        a["follow"].toggled.connect(session.set_follow)
        session.follow_changed.connect(a["follow"].setChecked)
        session.playing_changed.connect(self._on_playing_changed)
        session.scenario_changed.connect(self._on_scenario_changed)
        self._on_scenario_changed()

    def __getitem__(self, name: str) -> QAction:
        return self.actions[name]

    def _on_playing_changed(self, playing: bool) -> None:
        self.actions["play"].setText("Pause" if playing else "Play")

    def _on_scenario_changed(self) -> None:
        for action in self.actions.values():
            action.setEnabled(self.session.scenario is not None)
