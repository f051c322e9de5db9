"""The header above the map: the current phase's title, dates and summary."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .names import bilingual, short_time
from .session import Session


class PhaseHeader(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phaseHeader")
        self.session = session
        self.title = QLabel(self)
        self.title.setObjectName("phaseTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() + 3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)  # never widen the window: wrap instead
        self.title.setMinimumWidth(1)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setMinimumWidth(1)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#phaseHeader { background: #f5f2ea; border-bottom: 1px solid #d6d0c4; }")
        session.phase_changed.connect(lambda _i: self.refresh())
        session.scenario_changed.connect(self.refresh)
        session.name_mode_changed.connect(lambda _m: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        scenario = self.session.scenario
        i = self.session.phase_index
        if scenario is None or i < 0:
            self.title.setText("")
            self.summary.setText("")
            return
        phase = scenario.phases[i]
        mode = self.session.name_mode
        tz = scenario.info.time_zone
        self.title.setText(
            f"{i + 1}. {bilingual(phase.title_en, phase.title_zh, mode)}"
            f"   <span style='font-weight:normal; color:#57534e'>{short_time(phase.start, tz)} – "
            f"{short_time(phase.end, tz)}</span>"
        )
        summary = phase.summary_zh if mode == "zh" else phase.summary_en
        if mode == "both" and phase.summary_zh:
            summary = f"{phase.summary_en}<br>{phase.summary_zh}"
        self.summary.setText(summary or "")
