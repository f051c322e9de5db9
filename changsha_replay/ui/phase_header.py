"""The header above the map: the current phase's title, dates and summary.

Where the summary would take more than an eighth of the height of the window's middle (a small
window), it shows as one elided line with a "More" button that unfolds it (and "Less" folds it
again); the choice is kept until the window is resized or the phase changes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

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
        self.more = QToolButton(self)
        self.more.setObjectName("summaryMore")
        self.more.setAutoRaise(True)
        self.more.clicked.connect(self._toggle)
        self.more.hide()
        self._text = ""  # the summary as rich text
        self._folded: bool | None = None  # None: as the room decides; else the user's choice
        self._room = -1  # the height of the middle of the window the choice was made in
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.summary, 1)
        line.addWidget(self.more, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(line)
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
            self._text = ""
            self._fit()
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
        if summary != self._text:
            self._folded = None  # another phase: the room decides again
        self._text = summary or ""
        self._fit()

    @property
    def folded(self) -> bool:
        return self.more.isVisible() and self.more.text() == "More"

    def _toggle(self) -> None:
        self._folded = not self.folded
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """The whole summary, or one elided line of it where it would crowd the map out."""
        text = self._text
        width = max(self.summary.width(), 1)
        metrics = QFontMetrics(self.summary.font())
        plain = _plain(text)
        full_height = metrics.boundingRect(0, 0, width, 10_000, int(Qt.TextFlag.TextWordWrap), plain).height()
        room = self.parentWidget().height() if self.parentWidget() is not None else 1000
        if room != self._room:  # the window was resized: the room decides again
            self._room, self._folded = room, None
        crowded = full_height > max(room, 1) / 8 and full_height > 1.5 * metrics.height()
        folded = crowded if self._folded is None else self._folded and crowded
        self.more.setVisible(crowded)
        self.more.setText("More" if folded else "Less")
        self.more.setToolTip("Show the whole summary" if folded else "Show one line of the summary")
        if folded:
            self.summary.setWordWrap(False)
            self.summary.setText(metrics.elidedText(plain.replace("\n", " "), Qt.TextElideMode.ElideRight, width))
            self.summary.setToolTip(plain)
        else:
            self.summary.setWordWrap(True)
            self.summary.setText(text)
            self.summary.setToolTip("")


def _plain(rich: str) -> str:
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()
