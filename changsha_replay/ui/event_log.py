"""The event-log dock: the events reached so far, filters, and the details of one event."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontMetrics, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QStyle,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model import Event
from ..model.vocab import BASES, EVENT_KINDS
from .event_details import event_html
from .event_model import (
    BASIS,
    EVENT_ROLE,
    HEADERS,
    KIND,
    PHASE,
    TIME,
    TITLE,
    UNITS,
    EventFilterProxy,
    EventTableModel,
    readable,
)
from .links import route_links
from .names import bilingual, short_time
from .orbat_model import swatch
from .session import Session

__all__ = ["EventFilterProxy", "EventLogDock", "EventTableModel"]

#: Columns shown only when the table is at least this wide (their content is also in the details
#: pane), until the user picks the columns from the header's context menu.
OPTIONAL_COLUMNS = {KIND: 520, UNITS: 700, PHASE: 820}

POLICY = (
    "Events up to the current time. Later events are hidden until the replay reaches them;"
    " the current event (the last one reached) is in bold."
)


class EventLogDock(QDockWidget):
    """Event log: events reached by the current time, filters, and a details pane.

    Future events are hidden (the policy is the proxy's, :class:`EventFilterProxy`), so the log
    grows as the replay plays and shrinks when it seeks back. During play the current event is
    kept in view. Clicking an event seeks the session to its time and asks the map to centre on
    it. The details pane shows the selected event, or the current one when none is selected.
    """

    center_requested = Signal(float, float)  # lat, lon

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Event log", parent)
        self.setObjectName("eventLogDock")
        self.setToolTip(POLICY)
        self.session = session
        self.model = EventTableModel(session, self)
        self.proxy = EventFilterProxy(session, self)
        self.proxy.setSourceModel(self.model)
        self._shown_current = -2

        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("Search titles and texts")
        self.text_edit.setClearButtonEnabled(True)
        self.text_edit.textChanged.connect(self.proxy.set_text)
        self.kind_button = QToolButton()
        self.kind_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kind_menu = StickyMenu(self.kind_button)
        self.kind_button.setMenu(self.kind_menu)
        self.kind_actions: dict[str, QAction] = {}
        self.side_combo = QComboBox()
        self.side_combo.currentIndexChanged.connect(lambda _i: self.proxy.set_side(self.side_combo.currentData()))
        self.selected_check = QCheckBox("Selected unit")
        self.selected_check.setToolTip(
            "Only events involving the selected units or their subordinates (no effect when nothing is selected)"
        )
        self.selected_check.toggled.connect(self.proxy.set_selected_only)
        self.count_label = QLabel()
        self.count_label.setToolTip(POLICY)
        self.count_label.setStyleSheet("color: palette(placeholder-text)")

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setMinimumSectionSize(24)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        # Widths from the widest possible content, not ResizeToContents: that measures up to a
        # thousand rows each time rows come or go, which is every event crossed during play.
        for column, width in (*self._content_widths().items(), (PHASE, 90), (UNITS, 110)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self._columns_chosen = False
        self.table.viewport().installEventFilter(self)
        self.table.installEventFilter(self)  # Enter chooses the current row, as a click does
        self.table.clicked.connect(self._on_event_chosen)
        self.table.selectionModel().selectionChanged.connect(self._show_details)

        self.details = QTextBrowser()
        self.details.setReadOnly(True)
        route_links(self.details)  # a source's address opens, or is offered to copy

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.kind_button)
        filters.addWidget(self.side_combo, 1)
        filters.addWidget(self.selected_check)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(4)
        top_layout.addWidget(self.text_edit)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.count_label)
        top_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)
        self.setWidget(body)

        proxy = self.proxy
        for signal in (proxy.rowsInserted, proxy.rowsRemoved, proxy.modelReset, proxy.layoutChanged):
            signal.connect(self._update_count)
        session.scenario_changed.connect(self._on_scenario)
        session.time_changed.connect(self._update_count)
        self.model.reached_changed.connect(self._on_reached)
        session.name_mode_changed.connect(self._on_name_mode)
        self._on_scenario()

    # -- columns -------------------------------------------------------------------------
    def set_column_visible(self, column: int, visible: bool) -> None:
        """Show or hide a column (from then on the width of the table no longer decides)."""
        self._columns_chosen = True
        self.table.setColumnHidden(column, not visible)

    def _content_widths(self) -> dict[int, int]:
        """Widths of the Time, Kind and Basis columns that fit any value (in bold: the current row)."""
        font = self.table.font()
        font.setBold(True)
        fm = QFontMetrics(font)
        pad = 2 * (self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1) + 6  # Qt's text margins
        return {
            TIME: fm.horizontalAdvance("8888-88-88 88:88") + pad,
            KIND: max(fm.horizontalAdvance(readable(k)) for k in EVENT_KINDS) + pad,
            BASIS: max(fm.horizontalAdvance(b) for b in BASES) + 14 + 4 + pad,  # the dot icon
        }

    def _fit_columns(self) -> None:
        if not self._columns_chosen:
            width = self.table.viewport().width()
            for column, needed in OPTIONAL_COLUMNS.items():
                self.table.setColumnHidden(column, width < needed)

    def _column_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for column, name in enumerate(HEADERS):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(column))
            action.setEnabled(column not in (TIME, TITLE))
            action.toggled.connect(lambda on, c=column: self.set_column_visible(c, on))
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
            self._shown_current = -2  # the view changed size: bring the current event back into view
            QTimer.singleShot(0, self, self._on_reached)  # not after the dock is gone
        elif (
            watched is self.table
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.table.currentIndex().isValid()
        ):
            self._on_event_chosen(self.table.currentIndex())
            return True
        return super().eventFilter(watched, event)

    # -- filters -------------------------------------------------------------------------
    def _on_scenario(self) -> None:
        scenario = self.session.scenario
        self.kind_menu.clear()
        present = {e.kind for e in scenario.events} if scenario is not None else set()
        show_all = self.kind_menu.addAction("All kinds")
        show_all.triggered.connect(lambda: self.set_kinds(None))
        self.kind_menu.addSeparator()
        self.kind_actions = {}
        for kind in [k for k in EVENT_KINDS if k in present] + sorted(present - set(EVENT_KINDS)):
            action = self.kind_menu.addAction(readable(kind))
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self._on_kind_toggled)
            self.kind_actions[kind] = action
        self.set_kinds(None)
        self._fill_sides()
        self._shown_current = -2
        self._on_reached()

    def set_kinds(self, kinds: frozenset[str] | None) -> None:
        """Show only these kinds of events (``None``: all); the menu follows."""
        for kind, action in self.kind_actions.items():
            action.blockSignals(True)
            action.setChecked(kinds is None or kind in kinds)
            action.blockSignals(False)
        self._on_kind_toggled()

    def _on_kind_toggled(self) -> None:
        checked = frozenset(k for k, a in self.kind_actions.items() if a.isChecked())
        everything = len(checked) == len(self.kind_actions)
        self.proxy.set_kinds(None if everything else checked)
        self.kind_button.setText("All kinds" if everything else f"{len(checked)} of {len(self.kind_actions)} kinds")

    def _fill_sides(self) -> None:
        scenario = self.session.scenario
        current = self.side_combo.currentData()
        self.side_combo.blockSignals(True)
        self.side_combo.clear()
        self.side_combo.addItem("All sides", None)
        for side in scenario.sides if scenario is not None else ():
            self.side_combo.addItem(swatch(side.colour), bilingual(side.name_en, side.name_zh, self.session.name_mode))
            self.side_combo.setItemData(self.side_combo.count() - 1, side.id)
        self.side_combo.setCurrentIndex(max(self.side_combo.findData(current), 0))
        self.side_combo.blockSignals(False)
        self.proxy.set_side(self.side_combo.currentData())

    def set_side(self, side_id: str | None) -> None:
        self.side_combo.setCurrentIndex(max(self.side_combo.findData(side_id), 0))

    def _on_name_mode(self, _mode: str) -> None:
        self._fill_sides()
        self._show_details()

    def _update_count(self, *_args) -> None:
        scenario = self.session.scenario
        if scenario is None:
            self.count_label.setText("No scenario")
            return
        reached, total, shown = self.proxy.reached, len(scenario.events), self.proxy.rowCount()
        when = short_time(self.session.time, scenario.info.time_zone)
        if self.proxy.filtering and shown == 0 and reached:
            self.count_label.setText(f"No matches among the {reached} events by {when}: change or clear the filters")
            return
        counted = f"{shown} of {reached} events" if self.proxy.filtering else f"{reached} events"
        self.count_label.setText(f"{counted} by {when} · {total - reached} to come")

    # -- time and the current event ------------------------------------------------------
    def _on_reached(self, _reached: int = 0) -> None:
        """The rows changed: show the current event (scrolled to, and in the details pane)."""
        self._update_count()
        current = self.model.current_row
        if current == self._shown_current:
            return
        self._shown_current = current
        index = self.proxy.mapFromSource(self.model.index(current, TITLE)) if current >= 0 else QModelIndex()
        across = self.table.horizontalScrollBar().value()  # keep the horizontal position
        self.table.updateGeometries()  # the scroll range must include the rows that just appeared
        if index.isValid():
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        elif self.proxy.rowCount():
            self.table.scrollToBottom()
        self.table.horizontalScrollBar().setValue(across)
        if not self.table.selectionModel().hasSelection():
            self._show_details()

    def current_event(self) -> Event | None:
        row = self.model.current_row
        return self.model.index(row, 0).data(EVENT_ROLE) if row >= 0 else None

    def selected_event(self) -> Event | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(EVENT_ROLE) if rows else None

    def _show_details(self, *_args) -> None:
        scenario = self.session.scenario
        event, heading = self.selected_event(), "Selected event"
        if event is None:
            event, heading = self.current_event(), "Current event"
        if scenario is None or event is None:
            self.details.setHtml("<p style='color:#6b7280'>No event yet. Events appear as the replay reaches them.</p>")
            return
        self.details.setHtml(event_html(scenario, event, self.session.name_mode, heading))

    # -- choosing an event ---------------------------------------------------------------
    def select_event(self, event_id: str) -> bool:
        """Select an event's row (if shown) without seeking; True when it is shown."""
        scenario = self.session.scenario
        if scenario is None:
            return False
        try:
            row = scenario.events.index_of(event_id)
        except KeyError:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, TITLE))
        if index.isValid():
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().setCurrentIndex(index, flags)
        return index.isValid()

    def _on_event_chosen(self, index: QModelIndex) -> None:
        event: Event | None = index.data(EVENT_ROLE)
        if event is None:
            return
        self.session.seek(event.time)
        if event.lat is not None and event.lon is not None:
            self.center_requested.emit(event.lat, event.lon)


class StickyMenu(QMenu):
    """A menu that stays open while its check boxes are toggled, so several kinds can be chosen in
    one visit; an item without a check box (All kinds) closes it as usual."""

    def _toggles(self, action: QAction | None) -> bool:
        if action is None or not action.isCheckable() or not action.isEnabled():
            return False
        action.trigger()
        return True

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if not self._toggles(self.actionAt(event.position().toPoint())):
            super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
        if not (event.key() in keys and self._toggles(self.activeAction())):
            super().keyPressEvent(event)
