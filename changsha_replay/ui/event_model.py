"""The event log as a Qt table model, and the proxy that filters it (by time, kind, side, text, units)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html import escape

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QElapsedTimer,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from ..model import Event, EventLog, Scenario
from .item_roles import fill_roles
from .names import bilingual, short_time, unit_name
from .session import Session

_Index = QModelIndex | QPersistentModelIndex

TIME, PHASE, KIND, TITLE, UNITS, BASIS = range(6)
HEADERS = ("Time", "Phase", "Kind", "Title", "Units", "Basis")

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1  # the Event record of the row

#: Marker colour and explanation of each basis; a conflict must stand out.
BASIS_STYLE: dict[str, tuple[str, str]] = {
    "seed": ("#7c3aed", "From the novel's narrative only"),
    "historical": ("#64748b", "From the historical record"),
    "both": ("#16a34a", "The narrative and the historical record agree"),
    "conflict": ("#dc2626", "The narrative and the historical record disagree: see both versions"),
}
#: What the interface calls each basis (the file's word "seed" is the novel to a reader).
BASIS_NAMES = {"seed": "novel", "historical": "historical", "both": "both", "conflict": "conflict"}
CURRENT_BACKGROUND = QColor("#fde68a")


def basis_name(basis: str) -> str:
    return BASIS_NAMES.get(basis, readable(basis))


def readable(word: str) -> str:
    """``river_crossing`` → ``River crossing``."""
    return word.replace("_", " ").capitalize()


def basis_icon(basis: str) -> QIcon:
    """A coloured dot; a conflict gets a larger one with a dark ring."""
    colour = QColor(BASIS_STYLE.get(basis, ("#9ca3af", ""))[0])
    pixmap = QPixmap(14, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(colour)
    if basis == "conflict":
        painter.setPen(colour.darker(160))
        painter.drawEllipse(1, 1, 12, 12)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(3, 3, 8, 8)
    painter.end()
    return QIcon(pixmap)


def unit_names(scenario: Scenario, event: Event, mode: str) -> list[str]:
    """Names of the units taking part, in the name mode (the id when a unit is unknown)."""
    names = []
    for link in event.units:
        unit = scenario.units.get(link.unit_id)
        names.append(unit_name(unit, mode) if unit is not None else link.unit_id)
    return names


class EventTableModel(QAbstractTableModel):
    """The events reached by the session's time, in time order: row ``i`` is event ``i`` of the log.

    Moving time forward appends the rows of the events crossed, moving back removes rows from
    the end: a view (or proxy) handles only the rows that changed, however long the log. The
    *current event* (the last one reached) is shown in bold on an amber background.

    While the session plays, the rows follow the time at most every ``REFRESH_MS`` (a log that
    gains a row every frame cannot be read, and each change repaints the table), seeks and steps
    made during play included; when paused, every move updates them at once, and pausing brings
    them up to date. ``reached_changed`` follows every change of rows.
    """

    reached_changed = Signal(int)
    REFRESH_MS = 100

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._icons: dict[str, QIcon] = {}
        self._log: EventLog | None = None
        self._reached = 0
        self._follow_scenario()
        self._refreshed = QElapsedTimer()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._follow_time)
        session.scenario_changed.connect(self._on_scenario)
        session.time_changed.connect(self._on_time)
        session.playing_changed.connect(lambda playing: playing or self._follow_time())
        session.name_mode_changed.connect(self._on_name_mode)
        session.event_focused.connect(self._on_focus)
        self._current = -1  # the current row as last styled

    @property
    def events(self) -> EventLog | tuple[()]:
        scenario = self._session.scenario
        return scenario.events if scenario is not None else ()

    @property
    def reached(self) -> int:
        """Number of events at or before the session's time (the rows)."""
        return self._reached

    @property
    def current_row(self) -> int:
        """Row of the current event (-1 before the first event): the one stepped to with ← / →
        when the session has one (several events may share a time), else the latest reached."""
        focus = self._session.event_focus
        if focus is not None and 0 <= focus < self._reached:
            return focus
        return self._reached - 1

    def _count_reached(self) -> int:
        return len(self._log.until(self._session.time)) if self._log is not None else 0

    def _session_log(self) -> EventLog | None:
        scenario = self._session.scenario
        return scenario.events if scenario is not None else None

    def _follow_scenario(self) -> None:
        self._log = self._session_log()
        self._reached = self._count_reached()

    # -- QAbstractTableModel -------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._reached

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        scenario = self._session.scenario
        if not index.isValid() or scenario is None or scenario.events is not self._log:
            return None
        return self._value(scenario, index.row(), index.column(), role)

    def multiData(self, index: _Index, roleDataSpan) -> None:
        """Every role a delegate asks for, in one call (Qt 6 item delegates ask this way)."""
        scenario = self._session.scenario
        if not index.isValid() or scenario is None or scenario.events is not self._log:
            fill_roles(roleDataSpan, lambda role: None)
            return
        row, column = index.row(), index.column()
        fill_roles(roleDataSpan, lambda role: self._value(scenario, row, column, role))

    def _value(self, scenario: Scenario, row: int, column: int, role: int):
        event = scenario.events[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(scenario, event, column)
        if role == EVENT_ROLE:
            return event
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(scenario, event, column)
        current = row == self.current_row
        if role == Qt.ItemDataRole.FontRole and (current or (column == BASIS and event.basis == "conflict")):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and current:
            return CURRENT_BACKGROUND
        if column == BASIS and role == Qt.ItemDataRole.DecorationRole:
            if event.basis not in self._icons:
                self._icons[event.basis] = basis_icon(event.basis)
            return self._icons[event.basis]
        if column == BASIS and role == Qt.ItemDataRole.ForegroundRole and event.basis == "conflict":
            return QColor(BASIS_STYLE["conflict"][0])
        return None

    def _text(self, scenario: Scenario, event: Event, column: int) -> str:
        mode = self._session.name_mode
        if column == TIME:
            return short_time(event.time, scenario.info.time_zone)
        if column == PHASE:
            phase = scenario.phases.at(event.time)
            return bilingual(phase.title_en, phase.title_zh, mode) if phase is not None else ""
        if column == KIND:
            return readable(event.kind)
        if column == TITLE:
            return bilingual(event.title_en, event.title_zh, mode)
        if column == UNITS:
            return ", ".join(unit_names(scenario, event, mode))
        return basis_name(event.basis)

    def _tooltip(self, scenario: Scenario, event: Event, column: int) -> str | None:
        if column == TITLE:
            title = escape(bilingual(event.title_en, event.title_zh, "both"))
            text = escape(bilingual(event.text_en, event.text_zh, self._session.name_mode))
            return f"<b>{title}</b><br>{text[:400]}{'…' if len(text) > 400 else ''}"
        if column == UNITS and event.units:
            names = unit_names(scenario, event, "both")
            return "<br>".join(f"{escape(n)} — {escape(link.role)}" for n, link in zip(names, event.units))
        if column == BASIS:
            return BASIS_STYLE.get(event.basis, ("", event.basis))[1]
        if column in (PHASE, TIME):
            return self._text(scenario, event, column)
        return None

    # -- updates -------------------------------------------------------------------------
    def _on_scenario(self) -> None:
        self._refresh_timer.stop()
        self.beginResetModel()
        self._follow_scenario()
        self.endResetModel()
        self.reached_changed.emit(self._reached)

    def _on_time(self, _t: float = 0.0) -> None:
        if self._session_log() is not self._log:  # the time signal of a new scenario came first
            self._on_scenario()
            return
        if self._session.playing and self._refreshed.isValid() and self._refreshed.elapsed() < self.REFRESH_MS:
            if not self._refresh_timer.isActive():
                self._refresh_timer.start(max(self.REFRESH_MS - self._refreshed.elapsed(), 0))
            return
        self._follow_time()

    def _follow_time(self) -> None:
        """Add or remove the rows of the events crossed since the last refresh."""
        self._refresh_timer.stop()
        self._refreshed.start()
        if self._session_log() is not self._log:
            self._on_scenario()
            return
        old, reached = self._reached, self._count_reached()
        if reached > old:
            self.beginInsertRows(QModelIndex(), old, reached - 1)
            self._reached = reached
            self.endInsertRows()
        elif reached < old:
            self.beginRemoveRows(QModelIndex(), reached, old - 1)
            self._reached = reached
            self.endRemoveRows()
        else:
            return
        roles = [Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole]
        for r in {old - 1, reached - 1, self._current, self.current_row}:  # the old current row loses its style
            if 0 <= r < reached:
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(HEADERS) - 1), roles)
        self._current = self.current_row
        self.reached_changed.emit(reached)

    def _on_focus(self, _index: object) -> None:
        """Another event stepped to (maybe of the same time): restyle the rows, tell the log."""
        self._follow_time()
        roles = [Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole]
        for r in {self._current, self.current_row}:
            if 0 <= r < self._reached:
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(HEADERS) - 1), roles)
        self._current = self.current_row
        self.reached_changed.emit(self._reached)

    def _on_name_mode(self, _mode: str = "") -> None:
        if self.rowCount():
            roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole]
            self.dataChanged.emit(self.index(0, PHASE), self.index(self.rowCount() - 1, UNITS), roles)


class EventFilterProxy(QSortFilterProxyModel):
    """Filters an :class:`EventTableModel` (its rows are the event log's indices).

    The source model holds only the events reached, so time moves cost the proxy only the rows
    added or removed. The filters (kinds, side, text, the selected units and their
    subordinates) are combined into a boolean mask over the whole log, computed once per change
    of a filter.
    """

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._events: EventLog | None = None
        self._mask: np.ndarray | None = None  # None: no filter besides time
        self._kinds: frozenset[str] | None = None
        self._side: str | None = None
        self._text = ""
        self._selected_only = False
        self._sides_of: list[frozenset[str]] | None = None
        self._haystacks: list[str] | None = None
        session.selection_changed.connect(self._on_selection)

    # -- filters -------------------------------------------------------------------------
    @property
    def reached(self) -> int:
        """Number of events at or before the session's time (shown or filtered out)."""
        source = self.sourceModel()
        return source.rowCount() if source is not None else 0

    @property
    def kinds(self) -> frozenset[str] | None:
        return self._kinds

    @property
    def side(self) -> str | None:
        return self._side

    @property
    def text(self) -> str:
        return self._text

    @property
    def selected_only(self) -> bool:
        return self._selected_only

    @property
    def filtering(self) -> bool:
        """True when a filter other than time is active."""
        return self._mask is not None

    def set_kinds(self, kinds: Iterable[str] | None) -> None:
        """Show only these kinds (``None``: every kind)."""
        kinds = None if kinds is None else frozenset(kinds)
        if kinds != self._kinds:
            with self._changing():
                self._kinds = kinds

    def set_side(self, side_id: str | None) -> None:
        """Show only events in which a unit of this side takes part (``None``: every event)."""
        if side_id != self._side:
            with self._changing():
                self._side = side_id or None

    def set_text(self, text: str) -> None:
        """Show only events whose title or text (English or Chinese) contains ``text`` (any case)."""
        text = text.strip().casefold()
        if text != self._text:
            with self._changing():
                self._text = text

    def set_selected_only(self, on: bool) -> None:
        """Show only events involving the selected units or their subordinates (no effect without a selection)."""
        if on != self._selected_only:
            with self._changing():
                self._selected_only = on

    def _on_selection(self, _ids: object = None) -> None:
        if self._selected_only:
            with self._changing():
                pass

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Change a filter and re-filter the rows (with the Qt 6.10 API when it exists)."""
        self._sync()
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:
            begin()
        yield
        self._mask = self._compute_mask()
        if begin is not None:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    # -- the scenario ----------------------------------------------------------------------
    def _sync(self) -> None:
        """Follow the session's scenario (whatever order the signals of a new scenario arrive in)."""
        scenario = self._session.scenario
        events = scenario.events if scenario is not None else None
        if events is not self._events:
            self._events = events
            self._sides_of = self._haystacks = None
            self._mask = self._compute_mask()

    def multiData(self, index: _Index, roleDataSpan) -> None:
        """Hands a delegate's many-roles query to the source model in one call."""
        self.sourceModel().multiData(self.mapToSource(index), roleDataSpan)

    # -- filtering -----------------------------------------------------------------------
    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        self._sync()
        mask = self._mask
        return mask is None or (source_row < len(mask) and bool(mask[source_row]))

    def _compute_mask(self) -> np.ndarray | None:
        scenario, events = self._session.scenario, self._events
        if scenario is None or events is None:
            return None
        mask = np.ones(len(events), dtype=bool)
        active = False
        if self._kinds is not None:
            mask &= np.fromiter((e.kind in self._kinds for e in events), bool, len(events))
            active = True
        if self._side is not None:
            if self._sides_of is None:
                side_of = {u.id: u.side_id for u in scenario.units}
                self._sides_of = [frozenset(side_of.get(link.unit_id) for link in e.units) for e in events]
            mask &= np.fromiter((self._side in sides for sides in self._sides_of), bool, len(events))
            active = True
        if self._text:
            if self._haystacks is None:
                self._haystacks = ["\n".join((e.title_en, e.title_zh, e.text_en, e.text_zh)).casefold() for e in events]
            mask &= np.fromiter((self._text in h for h in self._haystacks), bool, len(events))
            active = True
        if self._selected_only and self._session.selection:
            wanted: set[str] = set()
            for unit_id in self._session.selection:
                wanted |= scenario.units.subtree_ids(unit_id)
            involved = np.zeros(len(events), dtype=bool)
            involved[events.involving(wanted)] = True
            mask &= involved
            active = True
        return mask if active else None
