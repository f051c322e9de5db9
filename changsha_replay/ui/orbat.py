"""The order-of-battle dock: a filterable tree of units synchronised with the session's selection."""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import (
    QElapsedTimer,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..model.vocab import BRANCHES, ECHELONS
from .orbat_model import (
    FILTER_ROLE,
    NAME,
    SIDE_ID_ROLE,
    STATUS,
    STRENGTH,
    STRENGTH_ROLE,
    UNIT_ID_ROLE,
    OrbatModel,
    strength_colour,
)
from .session import Session

__all__ = ["BRANCH_LABELS", "OrbatDock", "OrbatModel"]

#: Echelons above the division: their rows are expanded by default, so divisions show.
_ABOVE_DIVISION = frozenset(list(ECHELONS)[: list(ECHELONS).index("division")])

#: Least time between two repaints of the tree's time-dependent cells when many change at once.
LIVE_REPAINT_MS = 100

#: Short labels of the branch check boxes.
BRANCH_LABELS = {"headquarters": "HQ", "engineer": "Engineers"}


class OrbatFilterProxy(QSortFilterProxyModel):
    """The name/commander filter over the tree; hands a delegate's many-roles query to the model
    in one call (QSortFilterProxyModel would split it into one ``data()`` call per role)."""

    def multiData(self, index: QModelIndex, roleDataSpan) -> None:
        self.sourceModel().multiData(self.mapToSource(index), roleDataSpan)


class StrengthDelegate(QStyledItemDelegate):
    """Draws a light bar as long as the strength behind the percentage."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        value = index.data(STRENGTH_ROLE)
        if value is not None and not option.state & QStyle.StateFlag.State_Selected:
            bar = option.rect.adjusted(2, 3, -2, -3)
            bar.setWidth(round(bar.width() * min(max(value, 0.0), 100.0) / 100.0))
            painter.fillRect(bar, strength_colour(value))
        super().paint(painter, option, index)


NARROW_DOCK_PX = 320  # narrower than this, the order of battle shows no status column


class OrbatDock(QDockWidget):
    """Order of battle: a name/commander filter, the unit tree, and which branches the map shows.

    The tree's selection and ``session.selection`` follow each other. Double-clicking a unit asks
    the map to centre on where the unit is now (nothing happens for a unit without a position).
    """

    hidden_branches_changed = Signal(object)  # frozenset of branches hidden on the map
    center_requested = Signal(float, float)  # lat, lon

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Order of battle", parent)
        self.setObjectName("orbatDock")
        self.session = session
        self._hidden: frozenset[str] = frozenset()
        self._syncing = False

        self.model = OrbatModel(session, self)
        self.proxy = OrbatFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(FILTER_ROLE)
        self.proxy.setFilterKeyColumn(NAME)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setRecursiveFilteringEnabled(True)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name or commander")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.set_filter_text)

        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        # Thousands of units playing: their strength and status cells are repainted at most
        # LIVE_REPAINT_MS apart (a table of numbers read at 60 Hz is no better than at 10 Hz, and
        # each repaint of the shown rows costs milliseconds of Python calls).
        self._live_column: int | None = None
        self._live_clock = QElapsedTimer()
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.timeout.connect(self._repaint_live)
        self.model.live_changed.connect(self._on_live_changed)
        self.tree.setUniformRowHeights(True)
        self.tree.setIndentation(12)  # four levels deep: keep the names, not the indentation
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setAllColumnsShowFocus(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STRENGTH, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Fixed)
        metrics = self.tree.fontMetrics()
        header.resizeSection(STRENGTH, metrics.horizontalAdvance("Strength") + 24)
        header.resizeSection(STATUS, metrics.horizontalAdvance("Retreating") + 24)
        self.tree.setItemDelegateForColumn(STRENGTH, StrengthDelegate(self.tree))
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection)
        self.tree.doubleClicked.connect(self._on_double_click)

        self._branch_row = QGridLayout()  # a grid, so the dock stays narrow however many branches
        self._branch_row.setContentsMargins(0, 0, 0, 0)
        self._branch_row.setHorizontalSpacing(10)
        self._branch_row.setVerticalSpacing(2)
        self.branch_boxes: dict[str, QCheckBox] = {}

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addLayout(self._branch_row)
        self.setWidget(body)

        session.scenario_changed.connect(self._on_scenario)
        session.selection_changed.connect(self._on_session_selection)
        self._on_scenario()

    # -- branches shown on the map --------------------------------------------------------
    @property
    def hidden_branches(self) -> frozenset[str]:
        return self._hidden

    def set_branch_visible(self, branch: str, visible: bool) -> None:
        box = self.branch_boxes.get(branch)
        if box is not None:
            box.setChecked(visible)  # toggled → _on_branch_toggled

    def _on_branch_toggled(self) -> None:
        hidden = frozenset(b for b, box in self.branch_boxes.items() if not box.isChecked())
        self._set_hidden(hidden)

    def _set_hidden(self, hidden: frozenset[str]) -> None:
        if hidden != self._hidden:
            self._hidden = hidden
            self.hidden_branches_changed.emit(hidden)

    def _rebuildbranch_boxes(self) -> None:
        while self._branch_row.count():
            item = self._branch_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.branch_boxes.clear()
        scenario = self.session.scenario
        present = {u.branch for u in scenario.units} if scenario is not None else set()
        branches = [b for b in BRANCHES if b in present] + sorted(present - set(BRANCHES))
        if branches:
            label = QLabel("On map:")
            label.setToolTip("Branches of troops shown on the map")
            self._branch_row.addWidget(label, 0, 0)
        for i, branch in enumerate(branches):
            box = QCheckBox(BRANCH_LABELS.get(branch, branch.replace("_", " ").capitalize()))
            box.setToolTip(f"Show {branch.replace('_', ' ')} units on the map")
            box.setChecked(True)
            box.toggled.connect(self._on_branch_toggled)
            self.branch_boxes[branch] = box
            self._branch_row.addWidget(box, i // 2, 1 + i % 2)  # two a row: the dock can narrow
        self._branch_row.setColumnStretch(3, 1)
        self._set_hidden(frozenset())

    # -- filter and expansion ------------------------------------------------------------
    def _on_live_changed(self, column: int) -> None:
        self._live_column = column if self._live_column is None else min(column, self._live_column)
        if self._live_timer.isActive():
            return
        since = self._live_clock.elapsed() if self._live_clock.isValid() else LIVE_REPAINT_MS
        if since >= LIVE_REPAINT_MS:
            self._repaint_live()
        else:
            self._live_timer.start(LIVE_REPAINT_MS - since)

    def _repaint_live(self) -> None:
        """Repaint the shown rows' cells of the changed columns (from the first changed one to the
        last logical column, wherever the user has dragged those columns to)."""
        if self._live_column is None:
            return
        header, viewport = self.tree.header(), self.tree.viewport()
        for column in range(self._live_column, header.count()):
            if not header.isSectionHidden(column):
                left = header.sectionViewportPosition(column)
                viewport.update(left, 0, header.sectionSize(column), viewport.height())
        self._live_column = None
        self._live_clock.start()

    def set_filter_text(self, text: str) -> None:
        """Show units whose name or commander (either language) contains ``text``, with their superiors."""
        if self.filter_edit.text() != text:
            self.filter_edit.setText(text)  # textChanged comes back here
            return
        self._syncing = True  # rows leaving the proxy are not a change of the session's selection
        try:
            self.proxy.setFilterFixedString(text.strip())
        finally:
            self._syncing = False
        self._span_side_rows()
        if text.strip():
            self.tree.expandAll()
        else:
            self.expand_default()
        self._on_session_selection(self.session.selection, scroll=False)

    def _span_side_rows(self) -> None:
        """Side rows use the whole width: they have no strength or status."""
        for row in range(self.proxy.rowCount()):
            is_side = self.proxy.index(row, NAME).data(UNIT_ID_ROLE) is None
            self.tree.setFirstColumnSpanned(row, QModelIndex(), is_side)

    def expand_default(self) -> None:
        """Expand sides and units above the division, so divisions show and their regiments fold."""
        self.tree.collapseAll()
        stack = [self.proxy.index(r, 0) for r in range(self.proxy.rowCount())]
        while stack:
            index = stack.pop()
            if not self.proxy.hasChildren(index):
                continue
            unit_id = index.data(UNIT_ID_ROLE)
            unit = self.session.scenario.units.get(unit_id) if unit_id and self.session.scenario else None
            if unit is None or unit.echelon in _ABOVE_DIVISION:
                self.tree.setExpanded(index, True)
                stack.extend(self.proxy.index(r, 0, index) for r in range(self.proxy.rowCount(index)))

    def _on_scenario(self) -> None:
        self._rebuildbranch_boxes()
        self.set_filter_text("")  # clears the filter and expands the tree as by default

    # -- selection -----------------------------------------------------------------------
    def selected_unit_ids(self) -> frozenset[str]:
        """Units selected in the tree (side rows are not units)."""
        ids = (index.data(UNIT_ID_ROLE) for index in self.tree.selectionModel().selectedRows(NAME))
        return frozenset(i for i in ids if i)

    def _on_tree_selection(self, *_args) -> None:
        if not self._syncing:
            self.session.select(self.selected_unit_ids())

    def _on_session_selection(self, ids: Iterable[str], scroll: bool = True) -> None:
        ids = frozenset(ids)
        if ids == self.selected_unit_ids():
            return
        selection = QItemSelection()
        first: QModelIndex | None = None
        for unit_id in sorted(ids):
            index = self.proxy.mapFromSource(self.model.unit_index(unit_id))
            if not index.isValid():
                continue  # filtered out or unknown
            selection.select(index, index.siblingAtColumn(STATUS))
            if first is None or _row_path(index) < _row_path(first):
                first = index
            parent = index.parent()
            while parent.isValid():
                self.tree.setExpanded(parent, True)
                parent = parent.parent()
        self._syncing = True
        try:
            # A guard, not a QSignalBlocker: the view itself repaints from selectionChanged.
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.tree.selectionModel().select(selection, flags)
            if first is not None:
                self.tree.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            self._syncing = False
        if first is not None and scroll:
            self.tree.scrollTo(first, QAbstractItemView.ScrollHint.EnsureVisible)

    # -- centring ------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # narrow (a small window): the names keep their room; the status is in each unit's tooltip
        self.tree.setColumnHidden(STATUS, self.width() < NARROW_DOCK_PX)

    def _on_double_click(self, index: QModelIndex) -> None:
        unit_id = index.data(UNIT_ID_ROLE)
        if not unit_id:
            if index.data(SIDE_ID_ROLE):
                self.tree.setExpanded(index.siblingAtColumn(0), not self.tree.isExpanded(index.siblingAtColumn(0)))
            return
        position = self.unit_position(unit_id)
        if position is not None:
            self.center_requested.emit(*position)

    def unit_position(self, unit_id: str) -> tuple[float, float] | None:
        """Where the unit is at the session's time, or None when it has no position."""
        scenario, state = self.session.scenario, self.session.state()
        if scenario is None or state is None or unit_id not in scenario.units:
            return None
        i = scenario.units.index_of(unit_id)
        lat, lon = float(state.lat[i]), float(state.lon[i])
        return (lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None


def _row_path(index: QModelIndex) -> list[int]:
    """Rows from the top down: sorts indexes in the order the tree shows them."""
    path: list[int] = []
    while index.isValid():
        path.append(index.row())
        index = index.parent()
    return path[::-1]
