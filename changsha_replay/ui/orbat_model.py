"""The order of battle as a Qt item model: sides, then the tree of units, with strength and status now."""

from __future__ import annotations

from html import escape

import numpy as np
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from ..model import Scenario, Side, Unit, UnitStates
from ..model.vocab import STATUSES
from .item_roles import fill_roles
from .names import bilingual, unit_name
from .session import Session

_Index = QModelIndex | QPersistentModelIndex

NAME, STRENGTH, STATUS = range(3)
HEADERS = ("Name", "Strength", "Status")

UNIT_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # unit id (None on a side row)
SIDE_ID_ROLE = Qt.ItemDataRole.UserRole + 2  # side id of the row
BRANCH_ROLE = Qt.ItemDataRole.UserRole + 3  # unit branch (None on a side row)
FILTER_ROLE = Qt.ItemDataRole.UserRole + 4  # names and commanders in both languages ('' on a side row)
STRENGTH_ROLE = Qt.ItemDataRole.UserRole + 5  # strength now in % as a float (None when unknown)

ENCIRCLED = STATUSES.index("encircled")
DESTROYED = STATUSES.index("destroyed")
_NORMAL, _ENCIRCLED_STYLE, _DESTROYED_STYLE = 0, 1, 2
_GREY = QColor("#9ca3af")
_ENCIRCLED_COLOUR = QColor("#b45309")
_STYLE_ROLES = [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole]
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
#: The roles an item delegate paints with (Qt 6 asks for them together, through multiData).
_PAINT_ROLES = frozenset(
    (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.BackgroundRole,
    )
)
_STYLE_FONTS: dict[tuple[int, bool], QFont] = {}


def _style_font(style: int, column: int) -> QFont:
    """Italic for an encircled unit; struck out too for a destroyed unit's name (made once each)."""
    key = (style, style == _DESTROYED_STYLE and column == NAME)
    if key not in _STYLE_FONTS:
        font = QFont()
        font.setItalic(style == _ENCIRCLED_STYLE)
        font.setStrikeOut(key[1])
        _STYLE_FONTS[key] = font
    return _STYLE_FONTS[key]


def swatch(colour: str, size: int = 12) -> QIcon:
    """A small square of colour with a thin darker border."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour).darker(140))
    inner = QPixmap(size - 2, size - 2)
    inner.fill(QColor(colour))
    painter = QPainter(pixmap)
    painter.drawPixmap(1, 1, inner)
    painter.end()
    return QIcon(pixmap)


def strength_colour(value: float) -> QColor:
    """Light green, amber or red by strength level (for the bar behind the Strength cell)."""
    colour = QColor("#16a34a" if value >= 60 else "#d97706" if value >= 30 else "#dc2626")
    colour.setAlpha(60)
    return colour


def unit_tooltip(unit: Unit) -> str:
    """Both names, the narrative name when it differs, commander, echelon, branch and note (rich text)."""
    lines = [f"<b>{escape(unit.name_en)}</b>" + (f" {escape(unit.name_zh)}" if unit.name_zh else "")]
    narrative = bilingual(unit.narrative_name_en, unit.narrative_name_zh, "both")
    if narrative and narrative != bilingual(unit.name_en, unit.name_zh, "both"):
        lines.append(f"Narrative name: {escape(narrative)}")
    commander = bilingual(unit.commander_en, unit.commander_zh, "both")
    if commander:
        lines.append(f"Commander: {escape(commander)}")
    lines.append(f"{escape(unit.echelon.replace('_', ' ').capitalize())} · {escape(unit.branch)}")
    if unit.note:
        lines.append(f"<i>{escape(unit.note)}</i>")
    return "<br>".join(lines)


class OrbatModel(QAbstractItemModel):
    """Sides at the top, each unit under its superior; columns Name, Strength (% now) and Status (now).

    Every row is a *node*: node ``s`` is the side of index ``s`` in ``scenario.sides``, node
    ``len(sides) + i`` the unit of index ``i`` in the order of battle. An index's internal id is its
    node number, so no Python object has to outlive a call. Time changes emit ``dataChanged`` only
    for the cells whose shown value changed (never a reset); a new scenario resets the model.

    When more than ``MAX_PRECISE_CELLS`` units change at once (thousands of units playing), one
    ``live_changed`` replaces the ``dataChanged`` flood: each of those costs a proxy and a view
    Python calls per row, and a frame would then cost time in proportion to the scenario. The
    time-dependent cells (strength, status, their style) are never filtered or sorted on, so a
    view only has to repaint the rows it shows.
    """

    live_changed = Signal(int)  # many time-dependent cells changed from this column on: repaint the rows shown
    MAX_PRECISE_CELLS = 64

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._build()
        session.scenario_changed.connect(self._on_scenario)
        session.time_changed.connect(self._on_time)
        session.name_mode_changed.connect(self._on_name_mode)

    # -- structure -------------------------------------------------------------------------
    def _build(self) -> None:
        scenario = self._session.scenario
        sides = scenario.sides if scenario is not None else ()
        units = scenario.units if scenario is not None else ()
        self._sides: tuple[Side, ...] = tuple(sides)
        n_sides, count = len(self._sides), len(self._sides) + len(units)
        self._parent = np.full(count, -2, dtype=np.int64)  # -1: top level, -2: not in the tree (a cycle)
        self._row = np.zeros(count, dtype=np.int64)
        self._kids: list[list[int]] = [[] for _ in range(count)]
        self._top: list[int] = list(range(n_sides))
        self._parent[:n_sides] = -1
        self._row[:n_sides] = np.arange(n_sides)
        if scenario is not None:
            side_node = {side.id: s for s, side in enumerate(self._sides)}
            stack: list[tuple[int, Unit]] = []
            for root in reversed(scenario.units.roots()):
                stack.append((side_node.get(root.side_id, -1), root))
            while stack:  # depth first: a parent is placed before its children
                parent, unit = stack.pop()
                node = n_sides + scenario.units.index_of(unit.id)
                if self._parent[node] != -2:
                    continue
                siblings = self._top if parent < 0 else self._kids[parent]
                self._parent[node], self._row[node] = parent, len(siblings)
                siblings.append(node)
                stack.extend((node, child) for child in reversed(scenario.units.children(unit.id)))
        self._remember(self._session.state())

    def _remember(self, state: UnitStates | None) -> None:
        """Keep what the Strength and Status cells show now, to compare with the next time."""
        n = len(self._parent) - len(self._sides)
        if state is None or len(state.status) != n:
            self._strength = np.full(n, np.nan)
            self._status = np.full(n, -1, dtype=np.int8)
        else:
            self._strength = np.round(state.strength)
            self._status = np.asarray(state.status).copy()
        self._style = np.where(
            self._status == DESTROYED, _DESTROYED_STYLE, np.where(self._status == ENCIRCLED, _ENCIRCLED_STYLE, _NORMAL)
        )

    @property
    def scenario(self) -> Scenario | None:
        return self._session.scenario

    def node_index(self, node: int, column: int = 0) -> QModelIndex:
        if node < 0 or node >= len(self._parent) or self._parent[node] == -2:
            return QModelIndex()
        return self.createIndex(int(self._row[node]), column, node)

    def unit_index(self, unit_id: str, column: int = 0) -> QModelIndex:
        """The model index of a unit (invalid if the unit is unknown)."""
        scenario = self._session.scenario
        if scenario is None or unit_id not in scenario.units:
            return QModelIndex()
        return self.node_index(len(self._sides) + scenario.units.index_of(unit_id), column)

    def unit_id(self, index: _Index) -> str | None:
        unit = self._unit(index.internalId()) if index.isValid() else None
        return unit.id if unit is not None else None

    def _unit(self, node: int) -> Unit | None:
        scenario = self._session.scenario
        if scenario is None or node < len(self._sides):
            return None
        return scenario.units[node - len(self._sides)]

    # -- QAbstractItemModel --------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS):
            return QModelIndex()
        siblings = self._kids[parent.internalId()] if parent.isValid() else self._top
        if row < 0 or row >= len(siblings):
            return QModelIndex()
        return self.createIndex(row, column, siblings[row])

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        return self.node_index(int(self._parent[index.internalId()]))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._top)
        return len(self._kids[parent.internalId()]) if parent.column() == 0 else 0

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = index.internalId()
        if node < len(self._sides):
            return self._side_data(self._sides[node], index.column(), role)
        unit = self._unit(node)
        return None if unit is None else self._unit_data(unit, node - len(self._sides), index.column(), role)

    def multiData(self, index: _Index, roleDataSpan) -> None:
        """Every role a delegate asks for, in one call (Qt 6 item delegates ask this way): a view
        then makes one Python call per cell it paints instead of one per cell and role."""
        node = index.internalId() if index.isValid() else -1
        column = index.column()
        if 0 <= node < len(self._sides):
            side = self._sides[node]
            fill_roles(roleDataSpan, lambda role: self._side_data(side, column, role))
            return
        unit = self._unit(node) if node >= 0 else None
        if unit is None:
            fill_roles(roleDataSpan, lambda role: None)
            return
        i = node - len(self._sides)
        cell = self._unit_cell(unit, i, column)  # what painting asks for, worked out at once
        fill_roles(
            roleDataSpan,
            lambda role: cell.get(role) if role in _PAINT_ROLES else self._unit_data(unit, i, column, role),
        )

    def _unit_cell(self, unit: Unit, i: int, column: int) -> dict:
        """The roles a delegate paints a unit's cell with (those with a value): the same values
        as :meth:`_unit_data`, in one call."""
        style = int(self._style[i])
        cell: dict = {Qt.ItemDataRole.DisplayRole: self._unit_data(unit, i, column, Qt.ItemDataRole.DisplayRole)}
        if style == _DESTROYED_STYLE:
            cell[Qt.ItemDataRole.ForegroundRole] = _GREY
        elif style == _ENCIRCLED_STYLE and column == STATUS:
            cell[Qt.ItemDataRole.ForegroundRole] = _ENCIRCLED_COLOUR
        if style != _NORMAL:
            cell[Qt.ItemDataRole.FontRole] = _style_font(style, column)
        if column == STRENGTH:
            cell[Qt.ItemDataRole.TextAlignmentRole] = _RIGHT
        return cell

    def _side_data(self, side: Side, column: int, role: int):
        if role == SIDE_ID_ROLE:
            return side.id
        if role == FILTER_ROLE:
            return ""
        if role == Qt.ItemDataRole.BackgroundRole:
            tint = QColor(side.colour)
            tint.setAlpha(28)
            return tint
        if column != NAME:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return bilingual(side.name_en, side.name_zh, self._session.name_mode)
        if role == Qt.ItemDataRole.DecorationRole:
            return swatch(side.colour)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(side.colour).darker(130)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return escape(bilingual(side.name_en, side.name_zh, "both"))
        return None

    def _unit_data(self, unit: Unit, i: int, column: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return unit_name(unit, self._session.name_mode)
            if column == STRENGTH:
                value = self._strength[i]
                return "—" if np.isnan(value) else f"{value:.0f} %"
            status = int(self._status[i])
            return STATUSES[status].capitalize() if 0 <= status < len(STATUSES) else "—"
        style = int(self._style[i])
        if role == Qt.ItemDataRole.ForegroundRole:
            if style == _DESTROYED_STYLE:
                return _GREY
            if style == _ENCIRCLED_STYLE and column == STATUS:
                return _ENCIRCLED_COLOUR
            return None
        if role == Qt.ItemDataRole.FontRole and style != _NORMAL:
            return _style_font(style, column)
        if role == STRENGTH_ROLE and column == STRENGTH:
            value = float(self._strength[i])
            return None if np.isnan(value) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and column == STRENGTH:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return unit_tooltip(unit)
        if role == UNIT_ID_ROLE:
            return unit.id
        if role == SIDE_ID_ROLE:
            return unit.side_id
        if role == BRANCH_ROLE:
            return unit.branch
        if role == FILTER_ROLE:
            names = (unit.name_en, unit.name_zh, unit.narrative_name_en, unit.narrative_name_zh)
            return "\n".join((*names, unit.commander_en, unit.commander_zh))
        return None

    # -- updates -------------------------------------------------------------------------
    def _on_scenario(self) -> None:
        self.beginResetModel()
        self._build()
        self.endResetModel()

    def _on_time(self, _t: float = 0.0) -> None:
        state = self._session.state()
        if state is None or len(state.status) != len(self._status):
            return
        old_strength, old_status, old_style = self._strength, self._status, self._style
        self._remember(state)
        strength_changed = ~((self._strength == old_strength) | (np.isnan(self._strength) & np.isnan(old_strength)))
        style_changed = self._style != old_style
        status_changed = self._status != old_status
        if np.count_nonzero(strength_changed | style_changed | status_changed) > self.MAX_PRECISE_CELLS:
            self.live_changed.emit(NAME if style_changed.any() else STRENGTH)
            return
        display = [Qt.ItemDataRole.DisplayRole, STRENGTH_ROLE, *_STYLE_ROLES]
        self._emit_changed(strength_changed | style_changed, STRENGTH, display)
        self._emit_changed(status_changed, STATUS, [Qt.ItemDataRole.DisplayRole, *_STYLE_ROLES])
        self._emit_changed(style_changed, NAME, _STYLE_ROLES)

    def _on_name_mode(self, _mode: str = "") -> None:
        roles = [Qt.ItemDataRole.DisplayRole]
        if self._top:
            self.dataChanged.emit(self.index(0, NAME), self.index(len(self._top) - 1, NAME), roles)
        for node, kids in enumerate(self._kids):
            if kids:
                parent = self.node_index(node)
                self.dataChanged.emit(self.index(0, NAME, parent), self.index(len(kids) - 1, NAME, parent), roles)

    def _emit_changed(self, changed: np.ndarray, column: int, roles: list) -> None:
        """One dataChanged per run of consecutive sibling rows among the changed units."""
        nodes = np.flatnonzero(changed) + len(self._sides)
        nodes = nodes[self._parent[nodes] != -2]
        if not len(nodes):
            return
        parents, rows = self._parent[nodes], self._row[nodes]
        order = np.lexsort((rows, parents))
        parents, rows = parents[order], rows[order]
        breaks = np.flatnonzero((np.diff(parents) != 0) | (np.diff(rows) != 1)) + 1
        starts = np.concatenate(([0], breaks))
        ends = np.concatenate((breaks - 1, [len(rows) - 1]))
        for a, b in zip(starts.tolist(), ends.tolist()):
            parent = self.node_index(int(parents[a]))
            self.dataChanged.emit(
                self.index(int(rows[a]), column, parent), self.index(int(rows[b]), column, parent), roles
            )
