"""The annotations dock: the scenario's annotations, filtered, chosen and deleted, with the
inspector of the selected one under the list."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from html import escape

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QScrollArea,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ..model import Scenario
from ..model.changes import Change
from ..model.edits import EditError, RemoveAnnotation
from ..model.records import Annotation
from .annotation_inspector import AnnotationInspector, is_current, kind_icon, kind_label, span_text
from .item_roles import fill_roles
from .names import bilingual, unit_name
from .session import Session

__all__ = [
    "ANNOTATION_ROLE",
    "AnnotationDock",
    "AnnotationFilterProxy",
    "AnnotationInspector",
    "AnnotationListModel",
    "geometry_centre",
]

_Index = QModelIndex | QPersistentModelIndex

ANNOTATION_ROLE = Qt.ItemDataRole.UserRole + 1  # the Annotation record of the row
ANNOTATION_ID_ROLE = Qt.ItemDataRole.UserRole + 2
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 3  # "Arrow · 1942-01-04 00:00 – 01:00"
CURRENT_ROLE = Qt.ItemDataRole.UserRole + 4  # True when the span contains the session's time

NOT_CURRENT = QColor("#9ca3af")  # rows whose span does not contain the current time
LIST_MIN_HEIGHT = 140  # the list keeps at least this when the inspector grows


def geometry_centre(geometry: dict) -> tuple[float, float] | None:
    """(lat, lon) of the middle of a GeoJSON geometry's bounding box (None when it has no position)."""
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    positions = list(_positions(coordinates))
    if not positions:
        return None
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    return (min(lats) + max(lats)) / 2.0, (min(lons) + max(lons)) / 2.0


def _positions(value: object) -> Iterator[tuple[float, float]]:
    if isinstance(value, (list, tuple)):
        if len(value) >= 2 and all(isinstance(v, (int, float)) for v in value[:2]):
            yield float(value[0]), float(value[1])
        else:
            for item in value:
                yield from _positions(item)


def _first_line(text: str, limit: int = 200) -> str:
    """The first line of a text ("…" when there is more)."""
    text = text.strip()
    line = text.split("\n", 1)[0].strip()
    return line[:limit] + ("…" if len(line) > limit or "\n" in text else "")


class AnnotationListModel(QAbstractListModel):
    """The scenario's annotations in drawing order, one row each.

    Edits never reset it: on ``session.edited`` only the rows of the annotations named by the
    change are removed, inserted, moved or updated. A new scenario resets it. A time move
    emits ``dataChanged`` only for the rows whose span starts or stops containing the time.
    """

    current_changed = Signal()  # the set of annotations whose span contains the time changed

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._ids: list[str] = []
        self._records: dict[str, Annotation] = {}
        self._current: set[str] = set()
        self._load()
        session.scenario_changed.connect(self._on_scenario)
        session.edited.connect(self._on_edited)
        session.time_changed.connect(self._on_time)
        session.name_mode_changed.connect(self._on_name_mode)

    # -- reading -------------------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @property
    def current_count(self) -> int:
        return len(self._current)

    def row_of(self, annotation_id: str | None) -> int:
        try:
            return self._ids.index(annotation_id) if annotation_id is not None else -1
        except ValueError:
            return -1

    def record(self, row: int) -> Annotation | None:
        return self._records.get(self._ids[row]) if 0 <= row < len(self._ids) else None

    def is_current(self, row: int) -> bool:
        return 0 <= row < len(self._ids) and self._ids[row] in self._current

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        return self._value(index.row(), role) if index.isValid() else None

    def multiData(self, index: _Index, roleDataSpan) -> None:
        """Every role a delegate asks for, in one call."""
        row = index.row() if index.isValid() else -1
        fill_roles(roleDataSpan, lambda role: self._value(row, role) if row >= 0 else None)

    def _value(self, row: int, role: int):
        a, scenario = self.record(row), self._session.scenario
        if a is None or scenario is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            text = bilingual(_first_line(a.text), _first_line(a.text_zh), self._session.name_mode)
            return text or kind_label(a.kind)
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(a.kind, a.colour)
        if role == DETAIL_ROLE:
            return f"{kind_label(a.kind)} · {span_text(a.start, a.end, scenario)}"
        if role == ANNOTATION_ROLE:
            return a
        if role == ANNOTATION_ID_ROLE:
            return a.id
        if role == CURRENT_ROLE:
            return a.id in self._current
        if role == Qt.ItemDataRole.ForegroundRole and a.id not in self._current:
            return NOT_CURRENT
        if role == Qt.ItemDataRole.FontRole and not (a.text or a.text_zh).strip():
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(a, scenario)
        return None

    def _tooltip(self, a: Annotation, scenario: Scenario) -> str:
        lines = [f"<b>{escape(kind_label(a.kind))}</b> <span style='color:#6b7280'>{escape(a.id)}</span>"]
        for text in (a.text, a.text_zh):
            if text.strip():
                short = text if len(text) <= 300 else text[:300] + "…"
                lines.append(escape(short).replace("\n", "<br>"))
        lines.append(escape(span_text(a.start, a.end, scenario)))
        unit = scenario.units.get(a.unit_id) if a.unit_id else None
        if unit is not None:
            lines.append(f"Attached to {escape(unit_name(unit, self._session.name_mode))}")
        return "<br>".join(lines)

    # -- following the session -----------------------------------------------------------
    def _annotations(self) -> tuple[Annotation, ...]:
        scenario = self._session.scenario
        return scenario.annotations if scenario is not None else ()

    def _load(self) -> None:
        annotations = self._annotations()
        self._ids = [a.id for a in annotations]
        self._records = {a.id: a for a in annotations}
        t = self._session.time
        self._current = {a.id for a in annotations if is_current(a, t)}
        self._index_spans()

    def _index_spans(self) -> None:
        """Sorted starts and ends, so that a time step tells at once whether any annotation
        became current or stopped being (the set is the same while no bound is crossed)."""
        records = self._records.values()
        self._starts = np.sort(np.array([a.start for a in records if a.start is not None], float))
        self._ends = np.sort(np.array([a.end for a in records if a.end is not None], float))
        self._crossed: tuple[int, int] | None = None

    def _on_scenario(self) -> None:
        self.beginResetModel()
        self._load()
        self.endResetModel()
        self.current_changed.emit()

    def _on_edited(self, change: Change, _initiator: object) -> None:
        if "annotations" not in change.parts:
            return
        annotations = self._annotations()
        records = {a.id: a for a in annotations}
        order = [a.id for a in annotations]
        t = self._session.time
        # Rows whose annotation is gone, from the bottom up.
        for row in range(len(self._ids) - 1, -1, -1):
            gone = self._ids[row]
            if gone not in records:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._ids[row]
                self._records.pop(gone, None)
                self._current.discard(gone)
                self.endRemoveRows()
        # One pass in the new order: every row above ``row`` is already in place, so a row that
        # differs is either new (inserted here) or was moved up in the drawing order.
        present = set(self._ids)
        changed: list[str] = []
        for row, annotation_id in enumerate(order):
            a = records[annotation_id]
            if row < len(self._ids) and self._ids[row] == annotation_id:
                if self._records[annotation_id] != a:
                    changed.append(annotation_id)
            elif annotation_id not in present:
                self.beginInsertRows(QModelIndex(), row, row)
                self._ids.insert(row, annotation_id)
                present.add(annotation_id)
                self._records[annotation_id] = a
                if is_current(a, t):
                    self._current.add(annotation_id)
                self.endInsertRows()
                continue
            else:
                old = self._ids.index(annotation_id, row)
                self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), row)
                self._ids.insert(row, self._ids.pop(old))
                self.endMoveRows()
                if self._records[annotation_id] != a:
                    changed.append(annotation_id)
            self._records[annotation_id] = a
        for annotation_id in changed:
            (self._current.add if is_current(records[annotation_id], t) else self._current.discard)(annotation_id)
            index = self.index(self._ids.index(annotation_id))
            self.dataChanged.emit(index, index)  # every role: the proxy filters the row again
        self._index_spans()
        self.current_changed.emit()

    def _on_time(self, t: float) -> None:
        # current: start <= t <= end; the starts passed and the ends passed fix the set
        crossed = (int(np.searchsorted(self._starts, t, "right")), int(np.searchsorted(self._ends, t, "left")))
        if crossed == self._crossed:
            return
        self._crossed = crossed
        current = {i for i, a in self._records.items() if is_current(a, t)}
        flipped = current ^ self._current
        if not flipped:
            return
        self._current = current
        for annotation_id in flipped:
            row = self.row_of(annotation_id)
            if row >= 0:
                index = self.index(row)
                self.dataChanged.emit(index, index, [CURRENT_ROLE, Qt.ItemDataRole.ForegroundRole])
        self.current_changed.emit()

    def _on_name_mode(self, _mode: str) -> None:
        if self._ids:
            roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole]
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1), roles)


class AnnotationFilterProxy(QSortFilterProxyModel):
    """Filters an :class:`AnnotationListModel` by text (either language, or the kind) and,
    optionally, to the annotations whose span contains the current time."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._current_only = False
        self.setFilterRole(CURRENT_ROLE)  # a change of it re-filters the row

    @property
    def text(self) -> str:
        return self._text

    @property
    def current_only(self) -> bool:
        return self._current_only

    @property
    def filtering(self) -> bool:
        return bool(self._text) or self._current_only

    def set_text(self, text: str) -> None:
        text = text.strip().casefold()
        if text != self._text:
            with self._changing():
                self._text = text

    def set_current_only(self, on: bool) -> None:
        if on != self._current_only:
            with self._changing():
                self._current_only = on

    @contextmanager
    def _changing(self) -> Iterator[None]:
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:
            begin()
        yield
        if begin is not None:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, AnnotationListModel):
            return True
        if self._current_only and not model.is_current(source_row):
            return False
        if self._text:
            a = model.record(source_row)
            if a is None:
                return False
            haystack = "\n".join((a.text, a.text_zh, a.kind, kind_label(a.kind), a.id)).casefold()
            return self._text in haystack
        return True

    def multiData(self, index: _Index, roleDataSpan) -> None:
        self.sourceModel().multiData(self.mapToSource(index), roleDataSpan)


class AnnotationDelegate(QStyledItemDelegate):
    """Two lines per annotation: the glyph and the text, then the kind and the span, muted."""

    ICON = 16
    PAD = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        fm = option.fontMetrics
        return QSize(200, fm.height() * 2 + 2 * self.PAD + 1)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, icon = opt.text, QIcon(opt.icon)  # a copy: the option's own icon is cleared next
        opt.text = ""
        opt.icon = QIcon()
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        group = (
            QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        )
        rect = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        fm = opt.fontMetrics
        line = fm.height()
        painter.save()
        icon_rect = QRect(rect.left(), rect.top() + (line - self.ICON) // 2, self.ICON, self.ICON)
        current = bool(index.data(CURRENT_ROLE))
        painter.setOpacity(1.0 if current or selected else 0.45)  # not shown now: faded, in its colour
        icon.paint(painter, icon_rect)
        painter.setOpacity(1.0)
        left = icon_rect.right() + 1 + self.PAD
        text_rect = QRect(left, rect.top(), rect.right() - left, line)
        if selected:
            colour = palette.color(group, QPalette.ColorRole.HighlightedText)
        elif current:
            colour = palette.color(group, QPalette.ColorRole.Text)
        else:
            colour = NOT_CURRENT
        painter.setFont(opt.font)
        painter.setPen(colour)
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(title, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        detail = str(index.data(DETAIL_ROLE) or "")
        small = QFont(opt.font)
        small.setItalic(False)
        small.setPointSizeF(max(opt.font.pointSizeF() * 0.9, 7.0))
        painter.setFont(small)
        muted = (
            QColor(colour)
            if selected
            else (palette.color(group, QPalette.ColorRole.PlaceholderText) if current else NOT_CURRENT)
        )
        painter.setPen(muted)
        detail_rect = QRect(left, rect.top() + line + 1, rect.right() - left, line)
        painter.drawText(
            detail_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(detail, Qt.TextElideMode.ElideRight, detail_rect.width()),
        )
        painter.restore()


class _InspectorArea(QScrollArea):
    """Scrolls the inspector when the dock is short; asks for the inspector's whole height."""

    def sizeHint(self) -> QSize:
        inner = self.widget().sizeHint() if self.widget() is not None else QSize(0, 0)
        frame = 2 * self.frameWidth()
        return QSize(inner.width() + frame + self.verticalScrollBar().sizeHint().width(), inner.height() + frame)


class AnnotationDock(QDockWidget):
    """Annotations: a filterable list (text, "Current only", a count), and the inspector below it.

    Clicking a row (or Enter) selects the annotation in the session, seeks to its start when its
    span does not contain the current time, and asks the map to centre on it
    (``center_requested(lat, lon)``). The session's selection (from the map) selects the row.
    Delete (or the context menu) deletes the annotation, undoably.
    """

    center_requested = Signal(float, float)  # lat, lon

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Annotations", parent)
        self.setObjectName("annotationDock")
        self.session = session
        self._syncing = False
        self.model = AnnotationListModel(session, self)
        self.proxy = AnnotationFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter annotations")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.current_check = QCheckBox("Current only")
        self.current_check.setToolTip("Only annotations shown at the current time")
        self.current_check.toggled.connect(self.proxy.set_current_only)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: palette(placeholder-text)")

        self.list = QListView()
        # A single-selection view selects a neighbour when the selected row goes (deleted or
        # filtered out): no choice of the user's. Connected before the view connects to the proxy,
        # so the guard is up when the view moves its selection; the rows' handler then shows the
        # session's selection again.
        self.proxy.rowsAboutToBeRemoved.connect(self._rows_leaving)
        self.list.setModel(self.proxy)
        self.list.setItemDelegate(AnnotationDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.clicked.connect(self.choose)
        self.list.selectionModel().selectionChanged.connect(self._on_list_selection)
        self.list.installEventFilter(self)

        self.inspector = AnnotationInspector(session)
        scroll = _InspectorArea()
        scroll.setWidget(self.inspector)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inspector_area = scroll

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.current_check)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(4)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.count_label)
        top_layout.addWidget(self.list, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 1)  # the list takes the room the inspector does not need
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)
        self.setWidget(body)

        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._on_rows)
        self.model.current_changed.connect(self._update_count)
        session.annotation_selected.connect(self._show_session_selection)
        session.annotation_selected.connect(self._fit_inspector)
        self.visibilityChanged.connect(lambda shown: shown and QTimer.singleShot(0, self, self._fit_inspector))
        self._on_rows()

    def _fit_inspector(self, *_args) -> None:
        """Give the inspector the height its fields need (another kind has other fields), taken
        from the list while the list keeps ``LIST_MIN_HEIGHT``; never shrinks it."""
        sizes = self.splitter.sizes()
        if len(sizes) != 2 or not self.isVisible():
            return
        total = sum(sizes)
        need = min(self.inspector_area.sizeHint().height(), total - LIST_MIN_HEIGHT)
        if sizes[1] < need:
            self.splitter.setSizes([total - need, need])

    # -- rows ------------------------------------------------------------------------------
    def shown_ids(self) -> list[str]:
        """Ids of the rows shown, top to bottom."""
        return [self.proxy.index(r, 0).data(ANNOTATION_ID_ROLE) for r in range(self.proxy.rowCount())]

    def _rows_leaving(self, *_args) -> None:
        self._syncing = True

    def _on_rows(self, *_args) -> None:
        self._syncing = False
        self._update_count()
        self._show_session_selection(self.session.selected_annotation, scroll=False)

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if self.session.scenario is None:
            text = "No scenario"
        elif total == 0:
            text = "No annotations: draw one with the tools on the map"
        elif self.proxy.filtering:
            text = f"{shown} of {total} annotations"
        else:
            text = f"{total} annotation{'s' if total != 1 else ''} · {self.model.current_count} shown now"
        self.count_label.setText(text)

    # -- selection -------------------------------------------------------------------------
    def _on_list_selection(self, *_args) -> None:
        if self._syncing:
            return
        rows = self.list.selectionModel().selectedRows()
        if rows:  # a row leaving the filter is no choice of the user's: the session keeps it
            self.session.select_annotation(rows[0].data(ANNOTATION_ID_ROLE))

    def _show_session_selection(self, annotation_id: str | None, scroll: bool = True) -> None:
        row = self.model.row_of(annotation_id)
        index = self.proxy.mapFromSource(self.model.index(row)) if row >= 0 else QModelIndex()
        selection = self.list.selectionModel()
        rows = selection.selectedRows()
        if (rows[0] if rows else QModelIndex()) == index and (index.isValid() or not rows):
            return
        self._syncing = True
        try:
            if index.isValid():
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                selection.setCurrentIndex(index, flags)
            else:
                selection.clearSelection()
        finally:
            self._syncing = False
        if index.isValid() and scroll:
            self.list.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def choose(self, index: QModelIndex) -> None:
        """Select a row's annotation, bring the time into its span, and ask the map to centre on it."""
        a: Annotation | None = index.data(ANNOTATION_ROLE)
        if a is None:
            return
        self.session.select_annotation(a.id)
        if not is_current(a, self.session.time):
            self.session.seek(a.start if a.start is not None else a.end)
        centre = self.annotation_centre(a)
        if centre is not None:
            self.center_requested.emit(*centre)

    def annotation_centre(self, a: Annotation) -> tuple[float, float] | None:
        """Where the annotation is drawn: an attached note at its unit (when the unit has a
        position now), else the middle of its geometry."""
        scenario, state = self.session.scenario, self.session.state()
        if a.unit_id and scenario is not None and state is not None and a.unit_id in scenario.units:
            i = scenario.units.index_of(a.unit_id)
            lat, lon = float(state.lat[i]), float(state.lon[i])
            if math.isfinite(lat) and math.isfinite(lon):
                return lat, lon
        return geometry_centre(a.geometry)

    # -- deleting --------------------------------------------------------------------------
    def delete(self, annotation_ids: Iterable[str]) -> None:
        """Delete annotations, each one undo step ("Delete <kind>")."""
        scenario = self.session.scenario
        if scenario is None:
            return
        kinds = {a.id: a.kind for a in scenario.annotations}
        for annotation_id in annotation_ids:
            if annotation_id in kinds:
                with suppress(EditError):  # already gone
                    self.session.document.apply(
                        RemoveAnnotation(annotation_id), f"Delete {kind_label(kinds[annotation_id]).lower()}"
                    )

    def delete_selected(self) -> None:
        rows = self.list.selectionModel().selectedRows()
        self.delete([r.data(ANNOTATION_ID_ROLE) for r in rows])

    def _context_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        a: Annotation | None = index.data(ANNOTATION_ROLE) if index.isValid() else None
        if a is None:
            return
        menu = QMenu(self)
        go = menu.addAction("Show on map")
        go.triggered.connect(lambda: self.choose(index))
        menu.setDefaultAction(go)
        menu.addSeparator()
        remove = menu.addAction(f"Delete {kind_label(a.kind).lower()}")
        remove.setShortcut(Qt.Key.Key_Delete)
        remove.triggered.connect(lambda: self.delete([a.id]))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.list.selectionModel().hasSelection():
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # the list's Delete, not a window shortcut
                    return True
                if event.type() == QEvent.Type.KeyPress:
                    self.delete_selected()
                    return True
            if (
                event.type() == QEvent.Type.KeyPress
                and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and self.list.currentIndex().isValid()
            ):
                self.choose(self.list.currentIndex())
                return True
        return super().eventFilter(watched, event)
