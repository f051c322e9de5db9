"""Playback → Go to Date (Ctrl+D, or a click on the date): a date and time field for the battle."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ..model.times import format_offset
from .names import short_time
from .session import Session

MINUTE = 60.0


class GoToDateDialog(QDialog):
    """A date-time field in the scenario's time zone; Go seeks there, a time outside the battle is
    refused with a word in the dialog."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scenario = session.scenario
        assert scenario is not None, "Go to Date needs an open scenario"
        self.session = session
        info = scenario.info
        offset = info.time_zone.utcoffset(None)
        self._shift = offset.total_seconds() if offset is not None else 0.0
        self.setWindowTitle("Go to Date")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.edit = QDateTimeEdit(self)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("d MMM yyyy  HH:mm")
        self.edit.setTimeZone(QTimeZone.utc())  # wall-clock time of the scenario, kept off the system's zone
        # no range on the field: it would refuse each keystroke that passes outside the span on the
        # way (the 5 of "5 Jan 1942" while the month still reads Dec); Go checks the whole time
        self._start, self._end = info.start, info.end
        self.edit.setDateTime(self._wall(session.time))
        self.edit.setAccessibleName("Date and time to go to")
        zone = f"UTC{format_offset(info.time_zone)}"
        self.span = QLabel(
            f"The battle runs from {short_time(info.start, info.time_zone)} to "
            f"{short_time(info.end, info.time_zone)} ({zone})."
        )
        self.span.setTextFormat(Qt.TextFormat.PlainText)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #b91c1c")
        self.problem.hide()
        self.edit.dateTimeChanged.connect(lambda _d: self.problem.hide())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Go")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.span)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.edit.setFocus()
        self.edit.setSelectedSection(QDateTimeEdit.Section.DaySection)

    def _wall(self, t: float) -> QDateTime:
        return QDateTime.fromSecsSinceEpoch(round(t + self._shift), QTimeZone.utc())

    def chosen(self) -> float:
        """The time in the field, in battle seconds (whole minutes)."""
        return self.edit.dateTime().toSecsSinceEpoch() - self._shift

    def accept(self) -> None:
        t = self.chosen()
        if not self._start <= t <= self._end:
            self.problem.setText("That is outside the battle: choose a time within the span above.")
            self.problem.show()
            return
        self.session.pause()
        self.session.seek(t)
        super().accept()
