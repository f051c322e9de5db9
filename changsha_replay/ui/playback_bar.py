"""The playback bar: transport buttons, speed, the current date and phase, and the scrubber."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .actions import PlaybackActions
from .names import bilingual, short_time
from .scrubber import Scrubber
from .session import RATES, Session

_ICONS = {
    "start": QStyle.StandardPixmap.SP_MediaSkipBackward,
    "prev_phase": QStyle.StandardPixmap.SP_MediaSeekBackward,
    "prev_event": QStyle.StandardPixmap.SP_ArrowLeft,
    "play": QStyle.StandardPixmap.SP_MediaPlay,
    "next_event": QStyle.StandardPixmap.SP_ArrowRight,
    "next_phase": QStyle.StandardPixmap.SP_MediaSeekForward,
    "end": QStyle.StandardPixmap.SP_MediaSkipForward,
}


class DateLabel(QLabel):
    """The current date and time; a click asks to go to another (the window's Go to Date)."""

    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class PlaybackBar(QWidget):
    """Transport controls over the session; buttons share the window's actions and shortcuts."""

    def __init__(self, session: Session, actions: PlaybackActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playbackBar")
        self.session = session
        self.actions = actions
        style = self.style()
        for name, icon in _ICONS.items():
            actions[name].setIcon(style.standardIcon(icon))
        self.buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for name in _ICONS:
            button = QToolButton(self)
            button.setDefaultAction(actions[name])
            button.setIconSize(QSize(20, 20))
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.buttons[name] = button
            row.addWidget(button)
        self.speed = QComboBox(self)
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed.setToolTip("Battle time per second of replay (+ / −)")
        for _rate, label in RATES:
            self.speed.addItem(label)
        self.speed.setCurrentIndex(session.rate_index)
        self.speed.currentIndexChanged.connect(session.set_rate_index)
        row.addSpacing(8)
        row.addWidget(self.speed)
        row.addSpacing(12)
        self.time_label = DateLabel(self)
        self.time_label.setObjectName("timeLabel")
        self.time_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.time_label.setToolTip("Go to a date and time (Ctrl+D)")
        font = self.time_label.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.time_label.setFont(font)
        self.phase_label = QLabel(self)
        self.phase_label.setObjectName("phaseLabel")
        self.phase_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # clip, not widen
        row.addWidget(self.time_label)
        row.addSpacing(10)
        row.addWidget(self.phase_label, 1)
        self.scrubber = Scrubber(session, self)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 6)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.scrubber)
        session.time_changed.connect(self._on_time_changed)
        session.phase_changed.connect(lambda _i: self._on_time_changed(session.time))
        session.scenario_changed.connect(lambda: self._on_time_changed(session.time))
        session.name_mode_changed.connect(lambda _m: self._on_time_changed(session.time))
        session.rate_changed.connect(lambda _r: self._sync_speed())
        session.playing_changed.connect(self._on_playing_changed)
        self._on_time_changed(session.time)

    def _sync_speed(self) -> None:
        if self.speed.currentIndex() != self.session.rate_index:
            self.speed.setCurrentIndex(self.session.rate_index)

    def _on_playing_changed(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.actions["play"].setIcon(self.style().standardIcon(icon))

    def _on_time_changed(self, t: float) -> None:
        scenario = self.session.scenario
        if scenario is None:
            self.time_label.setText("—")
            self.phase_label.setText("No scenario open")
            return
        self.time_label.setText(short_time(t, scenario.info.time_zone))
        i = self.session.phase_index
        if i >= 0:
            phase = scenario.phases[i]
            title = bilingual(phase.title_en, phase.title_zh, self.session.name_mode)
            self.phase_label.setText(f"Phase {i + 1} of {len(scenario.phases)}: {title}")
