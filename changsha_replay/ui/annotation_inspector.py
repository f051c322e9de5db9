"""The annotation inspector: edits the selected annotation, one undo step per field.

Also the small pieces both the inspector and the annotations list use: the readable name of a
kind, a glyph per kind painted in the annotation's colour, the text of a time span.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import (
    QAbstractListModel,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSignalBlocker,
    QSize,
    Qt,
    QTimeZone,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model import Scenario
from ..model.changes import Change
from ..model.edits import EditError, SetAnnotation
from ..model.records import Annotation
from ..model.vocab import ARROWHEADS, DASHES
from .item_roles import fill_roles
from .names import bilingual, short_time, unit_name
from .orbat_model import swatch
from .session import Session

__all__ = ["AnnotationInspector", "is_current", "kind_icon", "kind_label", "span_text"]

_Index = QModelIndex | QPersistentModelIndex

KIND_LABELS: dict[str, str] = {
    "note": "Note",
    "label": "Label",
    "arrow": "Arrow",
    "line": "Line",
    "freehand": "Freehand line",
    "area": "Area",
    "rectangle": "Rectangle",
    "circle": "Circle",
}

#: The time-span choices of the inspector, in the order of its combo.
SPAN_LABELS: dict[str, str] = {
    "always": "Always",
    "phase": "This phase",
    "from": "From now on",
    "range": "Range",
    "event": "From an event until the next one",
}
DASH_LABELS = {"solid": "Solid", "dash": "Dashed", "dot": "Dotted"}
ARROWHEAD_LABELS = {"end": "At the end", "both": "At both ends", "none": "None"}

#: Default swatches after the scenario's side colours (eight in all).
BASE_PALETTE = ("#111827", "#dc2626", "#2563eb", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#ffffff")
PALETTE_SIZE = 8

HINT = "Select an annotation on the map or in the list"
MUTED = "color: palette(placeholder-text)"
ERROR_STYLE = "color: #dc2626"

#: Field → words of its undo step ("Edit <words>"), and which kinds have it (None: all).
FIELDS: dict[str, tuple[str, frozenset[str] | None]] = {
    "text": ("text", None),
    "text_zh": ("Chinese text", None),
    "colour": ("colour", None),
    "width": ("width", frozenset({"arrow", "line", "freehand", "area", "rectangle", "circle"})),
    "dash": ("line pattern", frozenset({"arrow", "line", "freehand", "area", "rectangle", "circle"})),
    "fill_opacity": ("fill", frozenset({"area", "rectangle", "circle"})),
    "hatch": ("hatching", frozenset({"area", "rectangle", "circle"})),
    "arrowhead": ("arrowhead", frozenset({"arrow"})),
    "radius_km": ("radius", frozenset({"circle"})),
    "unit_id": ("attached unit", frozenset({"note", "label"})),
    "span": ("time span", None),
}

#: A problem's column → the field whose row shows it.
_COLUMN_FIELD = {"start_time": "span", "end_time": "span"}


# -- shared helpers ------------------------------------------------------------------------
def kind_label(kind: str) -> str:
    """``freehand`` → ``Freehand line``."""
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def is_current(annotation: Annotation, t: float) -> bool:
    """True when the annotation's span contains ``t`` (bounds included, None: open)."""
    return (annotation.start is None or annotation.start <= t) and (annotation.end is None or t <= annotation.end)


def span_text(start: float | None, end: float | None, scenario: Scenario) -> str:
    """``1942-01-04 06:00 – 12:00`` in the scenario's time zone; ``Always`` when open at both ends."""
    tz = scenario.info.time_zone
    if start is None and end is None:
        return "Always"
    if end is None:
        return f"From {short_time(start, tz)}"
    if start is None:
        return f"Until {short_time(end, tz)}"
    a, b = short_time(start, tz), short_time(end, tz)
    return f"{a} – {b[11:] if a[:10] == b[:10] else b}"


@lru_cache(maxsize=256)
def kind_icon(kind: str, colour: str, size: int = 16) -> QIcon:
    """A small glyph of the kind (pin, letter, arrow, line, squiggle, polygon, box, ring) in ``colour``."""
    ratio = 2.0
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    c = QColor(colour) if QColor(colour).isValid() else QColor("#000000")
    edge = c.darker(160) if c.lightnessF() > 0.8 else c  # a white or yellow mark keeps an outline
    fill = QColor(c)
    fill.setAlphaF(0.35)
    s = size / 16.0
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(s, s)
    pen = QPen(edge, 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if kind == "note":
        path = QPainterPath()
        path.moveTo(8, 15)
        path.cubicTo(4.5, 10.5, 3, 8.5, 3, 6.2)
        path.arcTo(QRectF(3, 1.2, 10, 10), 180, -180)
        path.cubicTo(13, 8.5, 11.5, 10.5, 8, 15)
        painter.setBrush(c)
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(QPointF(8, 6.2), 1.8, 1.8)
    elif kind == "label":
        font = QFont()
        font.setBold(True)
        font.setPixelSize(14)
        painter.setFont(font)
        painter.drawText(QRectF(0, 0, 16, 16), Qt.AlignmentFlag.AlignCenter, "T")
    elif kind == "arrow":
        pen.setWidthF(2.0)
        painter.setPen(pen)
        painter.drawLine(QPointF(2.5, 13.5), QPointF(12, 4))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(edge)
        painter.drawPolygon(QPolygonF([QPointF(14.5, 1.5), QPointF(13.2, 8.2), QPointF(7.8, 2.8)]))
    elif kind == "line":
        pen.setWidthF(2.0)
        painter.setPen(pen)
        painter.drawLine(QPointF(2.5, 13.5), QPointF(13.5, 2.5))
    elif kind == "freehand":
        path = QPainterPath(QPointF(1.5, 11))
        path.cubicTo(4, 3, 7, 3, 8, 8)
        path.cubicTo(9, 13, 12.5, 13, 14.5, 4.5)
        pen.setWidthF(2.0)
        painter.setPen(pen)
        painter.drawPath(path)
    elif kind in ("area", "rectangle", "circle"):
        painter.setBrush(fill)
        if kind == "area":
            painter.drawPolygon(
                QPolygonF([QPointF(2, 6), QPointF(8, 1.8), QPointF(14, 5), QPointF(12.5, 13.5), QPointF(4, 14)])
            )
        elif kind == "rectangle":
            painter.drawRect(QRectF(1.8, 3.5, 12.4, 9))
        else:
            painter.drawEllipse(QRectF(2, 2, 12, 12))
    else:
        painter.setBrush(c)
        painter.drawEllipse(QRectF(4, 4, 8, 8))
    painter.end()
    return QIcon(pixmap)


def colour_swatch(colour: str, size: int = 18) -> QIcon:
    """A round swatch; its checked state (``QIcon.On``) has a dark ring round it."""
    ratio = 2.0
    icon = QIcon()
    for state in (QIcon.State.Off, QIcon.State.On):
        pixmap = QPixmap(round(size * ratio), round(size * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = QColor(colour)
        inset = 3.5 if state == QIcon.State.On else 2.0
        painter.setPen(QPen(c.darker(150) if c.lightnessF() > 0.8 else c.darker(120), 1))
        painter.setBrush(c)
        painter.drawEllipse(QRectF(inset, inset, size - 2 * inset, size - 2 * inset))
        if state == QIcon.State.On:
            painter.setPen(QPen(QColor("#111827"), 1.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
        painter.end()
        icon.addPixmap(pixmap, QIcon.Mode.Normal, state)
    return icon


def dash_icon(dash: str) -> QIcon:
    pixmap = QPixmap(56, 16)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    pen = QPen(QColor("#374151"), 2)
    pen.setStyle({"dash": Qt.PenStyle.DashLine, "dot": Qt.PenStyle.DotLine}.get(dash, Qt.PenStyle.SolidLine))
    painter.setPen(pen)
    painter.drawLine(1, 4, 27, 4)
    painter.end()
    return QIcon(pixmap)


def problem_message(exc: EditError, field: str) -> str:
    """The message of the problem about ``field`` (else the first one), without the row's name."""
    for problem in exc.problems:
        if _COLUMN_FIELD.get(problem.column, problem.column) == field:
            return _sentence(problem.message)
    return _sentence(exc.problems[0].message if exc.problems else str(exc))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# -- pickers over the scenario ---------------------------------------------------------------
class _EventChoices(QAbstractListModel):
    """The event log as combo entries ("time title"), lazily: a log may hold 100,000 events."""

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._events = session.scenario.events if session.scenario is not None else ()

    def reload(self) -> None:
        scenario = self._session.scenario
        events = scenario.events if scenario is not None else ()
        if events is not self._events:
            self.beginResetModel()
            self._events = events
            self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        return self._value(index.row(), role) if index.isValid() else None

    def multiData(self, index: _Index, roleDataSpan) -> None:
        row = index.row() if index.isValid() else -1
        fill_roles(roleDataSpan, lambda role: self._value(row, role) if row >= 0 else None)

    def _value(self, row: int, role: int):
        scenario = self._session.scenario
        if scenario is None or not 0 <= row < len(self._events):
            return None
        event = self._events[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            title = bilingual(event.title_en, event.title_zh, self._session.name_mode)
            return f"{short_time(event.time, scenario.info.time_zone)}  {title}"
        return None

    def names_changed(self) -> None:
        if self._events:
            self.dataChanged.emit(self.index(0), self.index(len(self._events) - 1))


class _UnitChoices(QAbstractListModel):
    """ "None", then the units in order-of-battle order (indented by depth), each with its side's colour."""

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._units = session.scenario.units if session.scenario is not None else ()
        self._depth: dict[str, int] = {}

    def reload(self) -> None:
        scenario = self._session.scenario
        units = scenario.units if scenario is not None else ()
        if units is not self._units:
            self.beginResetModel()
            self._units, self._depth = units, {}
            self.endResetModel()

    def row_of(self, unit_id: str | None) -> int:
        if unit_id is None or not self._units or unit_id not in self._units:
            return 0
        return self._units.index_of(unit_id) + 1

    def unit_id(self, row: int) -> str | None:
        return self._units[row - 1].id if 1 <= row <= len(self._units) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._units) + 1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        return self._value(index.row(), role) if index.isValid() else None

    def multiData(self, index: _Index, roleDataSpan) -> None:
        row = index.row() if index.isValid() else -1
        fill_roles(roleDataSpan, lambda role: self._value(row, role) if row >= 0 else None)

    def _value(self, row: int, role: int):
        scenario = self._session.scenario
        if row == 0:
            return "None" if role == Qt.ItemDataRole.DisplayRole else None
        if scenario is None or not 1 <= row <= len(self._units):
            return None
        unit = self._units[row - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            depth = self._depth.get(unit.id)
            if depth is None:
                depth = self._depth[unit.id] = self._units.depth(unit.id)
            return "   " * depth + unit_name(unit, self._session.name_mode)
        if role == Qt.ItemDataRole.DecorationRole:
            side = scenario.side(unit.side_id)
            return swatch(side.colour) if side is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return unit_name(unit, "both")
        return None

    def names_changed(self) -> None:
        self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))


# -- the inspector ---------------------------------------------------------------------------
class AnnotationInspector(QWidget):
    """Edits the session's selected annotation.

    Every change of a field builds the new record with ``_replace`` and applies it as
    ``SetAnnotation`` with the merge key ``("inspect", id, field)``: typing, dragging the slider
    or spinning a value is one undo step per field. An edit the model refuses (``EditError``)
    shows its message under the field in red and changes nothing. Fields are refreshed under a
    ``QSignalBlocker`` when the selection changes or an edit from elsewhere (the map, an undo)
    touches the annotation; a field is only written when its value differs, so the inspector's
    own edits never move the cursor. With nothing selected the fields are disabled under a hint.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotationInspector")
        self.session = session
        self._id: str | None = None
        self._palette: tuple[str, ...] = ()
        self.errors: dict[str, QLabel] = {}
        self._rows: dict[str, QWidget] = {}

        # heading: glyph, kind and id; or the hint when nothing is selected
        self.icon_label = QLabel()
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.id_label = QLabel()
        self.id_label.setStyleSheet(MUTED)
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QHBoxLayout()
        heading.setContentsMargins(0, 0, 0, 0)
        heading.setSpacing(6)
        heading.addWidget(self.icon_label)
        heading.addWidget(self.title_label)
        heading.addWidget(self.id_label, 1)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(MUTED)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # texts
        self.text_edit = self._text_box("Text shown on the map (English)")
        self.text_edit.textChanged.connect(lambda: self._commit("text", text=self.text_edit.toPlainText()))
        self.text_zh_edit = self._text_box("地图上显示的文字（中文）")
        self.text_zh_edit.textChanged.connect(lambda: self._commit("text_zh", text_zh=self.text_zh_edit.toPlainText()))

        # colour: the palette, then Other…
        self.colour_buttons: list[QToolButton] = []
        self._swatch_row = QHBoxLayout()
        self._swatch_row.setContentsMargins(0, 0, 0, 0)
        self._swatch_row.setSpacing(0)
        self.other_colour_button = QToolButton()
        self.other_colour_button.setText("Other…")
        self.other_colour_button.setToolTip("Choose any colour")
        self.other_colour_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.other_colour_button.clicked.connect(self._pick_other_colour)
        colour_row = QWidget()
        colour_layout = QHBoxLayout(colour_row)
        colour_layout.setContentsMargins(0, 0, 0, 0)
        colour_layout.setSpacing(4)
        colour_layout.addLayout(self._swatch_row)
        colour_layout.addWidget(self.other_colour_button)
        colour_layout.addStretch(1)

        # line
        self.width_spin = QDoubleSpinBox()
        self.width_spin.setRange(0.5, 20.0)
        self.width_spin.setSingleStep(0.5)
        self.width_spin.setDecimals(1)
        self.width_spin.setSuffix(" px")
        self.width_spin.setToolTip("Line width in screen pixels")
        self.width_spin.valueChanged.connect(lambda v: self._commit("width", width=float(v)))
        self.dash_combo = QComboBox()
        for dash in DASHES:
            self.dash_combo.addItem(dash_icon(dash), DASH_LABELS.get(dash, dash), dash)
        self.dash_combo.currentIndexChanged.connect(lambda _i: self._commit("dash", dash=self.dash_combo.currentData()))
        self.arrowhead_combo = QComboBox()
        for head in ARROWHEADS:
            self.arrowhead_combo.addItem(ARROWHEAD_LABELS.get(head, head), head)
        self.arrowhead_combo.currentIndexChanged.connect(
            lambda _i: self._commit("arrowhead", arrowhead=self.arrowhead_combo.currentData())
        )

        # fill
        self.fill_slider = QSlider(Qt.Orientation.Horizontal)
        self.fill_slider.setRange(0, 100)
        self.fill_slider.setPageStep(10)
        self.fill_slider.setToolTip("Opacity of the fill")
        self.fill_value = QLabel("100 %")
        self.fill_value.setMinimumWidth(self.fill_value.sizeHint().width())
        self.fill_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.fill_slider.valueChanged.connect(self._on_fill)
        fill_row = QWidget()
        fill_layout = QHBoxLayout(fill_row)
        fill_layout.setContentsMargins(0, 0, 0, 0)
        fill_layout.addWidget(self.fill_slider, 1)
        fill_layout.addWidget(self.fill_value)
        self.hatch_check = QCheckBox("Hatched")
        self.hatch_check.toggled.connect(lambda on: self._commit("hatch", hatch=bool(on)))

        # circle, attachment
        self.radius_spin = QDoubleSpinBox()
        self.radius_spin.setRange(0.1, 2000.0)
        self.radius_spin.setDecimals(1)
        self.radius_spin.setSingleStep(1.0)
        self.radius_spin.setSuffix(" km")
        self.radius_spin.valueChanged.connect(lambda v: self._commit("radius_km", radius_km=float(v)))
        self.units = _UnitChoices(session, self)
        self.unit_combo = QComboBox()
        self.unit_combo.setModel(self.units)
        self.unit_combo.setMaxVisibleItems(20)
        self.unit_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.unit_combo.setMinimumContentsLength(12)
        self.unit_combo.setToolTip("A note or label attached to a unit is drawn where the unit is")
        self.unit_combo.currentIndexChanged.connect(
            lambda row: self._commit("unit_id", unit_id=self.units.unit_id(row))
        )

        # time span
        self.span_combo = QComboBox()
        for span, label in SPAN_LABELS.items():
            self.span_combo.addItem(label, span)
        self.span_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.span_combo.setMinimumContentsLength(12)
        self.span_combo.currentIndexChanged.connect(lambda _i: self._on_span_choice())
        self.start_edit = self._time_box()
        self.end_edit = self._time_box()
        self.start_edit.dateTimeChanged.connect(self._on_range)
        self.end_edit.dateTimeChanged.connect(self._on_range)
        range_row = QWidget()  # one above the other: side by side they need a wide dock
        range_layout = QGridLayout(range_row)
        range_layout.setContentsMargins(0, 0, 0, 0)
        range_layout.setHorizontalSpacing(6)
        range_layout.setVerticalSpacing(3)
        for row, (words, edit) in enumerate((("from", self.start_edit), ("until", self.end_edit))):
            label = QLabel(words)
            label.setStyleSheet(MUTED)
            range_layout.addWidget(label, row, 0)
            range_layout.addWidget(edit, row, 1)
        range_layout.setColumnStretch(1, 1)
        self.range_row = range_row
        self.events = _EventChoices(session, self)
        self.event_combo = QComboBox()
        self.event_combo.setModel(self.events)
        self.event_combo.setMaxVisibleItems(20)
        self.event_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.event_combo.setMinimumContentsLength(12)
        self.event_combo.currentIndexChanged.connect(self._on_event_choice)
        self.span_summary = QLabel()
        self.span_summary.setStyleSheet(MUTED)
        span_box = QWidget()
        span_layout = QVBoxLayout(span_box)
        span_layout.setContentsMargins(0, 0, 0, 0)
        span_layout.setSpacing(3)
        for widget in (self.span_combo, range_row, self.event_combo, self.span_summary):
            span_layout.addWidget(widget)

        # the form: each field with its error label under it
        self.form_widget = QWidget()
        self.form = QFormLayout(self.form_widget)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # a narrow dock: labels above
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setVerticalSpacing(6)
        self.form.setHorizontalSpacing(8)
        for field, label, widget in (
            ("text", "Text", self.text_edit),
            ("text_zh", "中文", self.text_zh_edit),
            ("colour", "Colour", colour_row),
            ("width", "Width", self.width_spin),
            ("dash", "Line", self.dash_combo),
            ("arrowhead", "Arrowhead", self.arrowhead_combo),
            ("fill_opacity", "Fill", fill_row),
            ("hatch", "", self.hatch_check),
            ("radius_km", "Radius", self.radius_spin),
            ("unit_id", "Unit", self.unit_combo),
            ("span", "Shown", span_box),
        ):
            self._add_row(field, label, widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(8)
        layout.addLayout(heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.form_widget)
        layout.addStretch(1)

        session.scenario_changed.connect(self._on_scenario)
        session.annotation_selected.connect(self._on_selected)
        session.edited.connect(self._on_edited)
        session.name_mode_changed.connect(self._on_name_mode)
        self._on_scenario()

    # -- building ------------------------------------------------------------------------
    def _text_box(self, placeholder: str) -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setPlaceholderText(placeholder)
        box.setTabChangesFocus(True)
        box.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        lines, margin = 3, box.document().documentMargin()
        box.setFixedHeight(round(box.fontMetrics().lineSpacing() * lines + 2 * margin + 2 * box.frameWidth()))
        return box

    def _time_box(self) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setCalendarPopup(True)
        return edit

    def _add_row(self, field: str, label: str, widget: QWidget) -> None:
        error = QLabel()
        error.setObjectName(f"{field}Error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        self.errors[field] = error
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.setSpacing(2)
        box_layout.addWidget(widget)
        box_layout.addWidget(error)
        self._rows[field] = box
        self.form.addRow(label, box)

    # -- the scenario and the selection --------------------------------------------------
    def annotation(self) -> Annotation | None:
        """The annotation being inspected (None: nothing selected)."""
        scenario = self.session.scenario
        if scenario is None or self._id is None:
            return None
        return next((a for a in scenario.annotations if a.id == self._id), None)

    def _on_scenario(self) -> None:
        self.units.reload()
        self.events.reload()
        self._tz = _qt_zone(self.session.scenario)
        for edit in (self.start_edit, self.end_edit):
            with QSignalBlocker(edit):
                edit.setTimeZone(self._tz)
        self._fill_palette()
        self._on_selected(self.session.selected_annotation)

    def _on_name_mode(self, _mode: str) -> None:
        self.units.names_changed()
        self.events.names_changed()
        self._fill_palette()

    def _on_selected(self, annotation_id: str | None) -> None:
        self._id = annotation_id
        self._show(self.annotation(), keep_errors=False)

    def _on_edited(self, change: Change, initiator: object) -> None:
        if "units" in change.parts:
            self.units.reload()
        if "events" in change.parts:
            self.events.reload()
        if "sides" in change.parts:
            self._fill_palette()
        if self._id is not None and (self._id in change.annotations or change.parts & {"info", "phases"}):
            # Our own edit: the fields already hold what was applied; a field showing an error
            # keeps what the user typed. From elsewhere (map, undo): everything follows the record.
            self._show(self.annotation(), keep_errors=initiator is self)

    # -- refreshing ------------------------------------------------------------------------
    def _show(self, a: Annotation | None, keep_errors: bool) -> None:
        """Bring every field to ``a`` (only those that differ; signals blocked)."""
        self.hint.setVisible(a is None)
        self.form_widget.setEnabled(a is not None)
        self.form_widget.setVisible(a is not None)  # an empty form is noise: the hint says what to do
        for widget in (self.icon_label, self.title_label, self.id_label):
            widget.setVisible(a is not None)
        kept = {f for f, label in self.errors.items() if keep_errors and not label.isHidden()}
        for field in set(self.errors) - kept:
            self._set_error(field, "")
        if a is None:
            self.icon_label.clear()
            self.title_label.setText("No annotation selected")
            self.id_label.clear()
            self._clear_fields()
            return
        scenario = self.session.scenario
        self.icon_label.setPixmap(kind_icon(a.kind, a.colour).pixmap(16, 16))
        self.title_label.setText(kind_label(a.kind))
        self.id_label.setText(a.id)
        for field, (_words, kinds) in FIELDS.items():
            self.form.setRowVisible(self._rows[field], kinds is None or a.kind in kinds)
        if "text" not in kept:
            _set_text(self.text_edit, a.text)
        if "text_zh" not in kept:
            _set_text(self.text_zh_edit, a.text_zh)
        self._show_colour(a.colour)
        if "width" not in kept and self.width_spin.value() != a.width:
            with QSignalBlocker(self.width_spin):
                self.width_spin.setValue(a.width)
        _set_combo(self.dash_combo, a.dash)
        _set_combo(self.arrowhead_combo, a.arrowhead)
        percent = round(a.fill_opacity * 100)
        if self.fill_slider.value() != percent:
            with QSignalBlocker(self.fill_slider):
                self.fill_slider.setValue(percent)
        self.fill_value.setText(f"{percent} %")
        if self.hatch_check.isChecked() != a.hatch:
            with QSignalBlocker(self.hatch_check):
                self.hatch_check.setChecked(a.hatch)
        if a.radius_km is not None and "radius_km" not in kept and self.radius_spin.value() != a.radius_km:
            with QSignalBlocker(self.radius_spin):
                self.radius_spin.setValue(a.radius_km)
        row = self.units.row_of(a.unit_id)
        if self.unit_combo.currentIndex() != row:
            with QSignalBlocker(self.unit_combo):
                self.unit_combo.setCurrentIndex(row)
        if "span" not in kept:
            self._show_span(a, scenario)

    def _clear_fields(self) -> None:
        for box in (self.text_edit, self.text_zh_edit):
            _set_text(box, "")
        for field in FIELDS:
            self.form.setRowVisible(self._rows[field], True)
        self._show_colour(None)
        self.span_summary.clear()

    def _show_span(self, a: Annotation, scenario: Scenario) -> None:
        _set_combo(self.span_combo, a.span)
        self.range_row.setVisible(a.span == "range")
        self.event_combo.setVisible(a.span == "event")
        self.event_combo.setEnabled(len(scenario.events) > 0)
        start = a.start if a.start is not None else scenario.info.start
        end = a.end if a.end is not None else scenario.info.end
        for edit, t in ((self.start_edit, start), (self.end_edit, end)):
            moment = QDateTime.fromSecsSinceEpoch(int(t), self._tz)
            if edit.dateTime() != moment:
                with QSignalBlocker(edit):
                    edit.setDateTime(moment)
        if a.span == "event" and a.start is not None and len(scenario.events):
            row = int(scenario.events.times.searchsorted(a.start, side="left"))
            row = min(row, len(scenario.events) - 1)
            if self.event_combo.currentIndex() != row:
                with QSignalBlocker(self.event_combo):
                    self.event_combo.setCurrentIndex(row)
        summary = span_text(a.start, a.end, scenario)
        if a.span == "phase" and a.start is not None:
            phase = scenario.phases.at(a.start)
            if phase is not None and (phase.start, phase.end) == (a.start, a.end):
                summary = f"{bilingual(phase.title_en, phase.title_zh, self.session.name_mode)} · {summary}"
        self.span_summary.setText(summary)
        self.span_summary.setVisible(a.span not in ("range", "always"))

    def _fill_palette(self) -> None:
        """Swatches: the scenario's side colours, then defaults, eight in all."""
        scenario = self.session.scenario
        colours: list[str] = []
        for colour in [s.colour for s in (scenario.sides if scenario is not None else ())] + list(BASE_PALETTE):
            colour = QColor(colour).name()
            if colour not in colours:
                colours.append(colour)
        palette = tuple(colours[:PALETTE_SIZE])
        if palette == self._palette:
            return
        self._palette = palette
        for button in self.colour_buttons:
            self._swatch_row.removeWidget(button)
            button.deleteLater()
        self.colour_buttons = []
        sides = {QColor(s.colour).name(): s for s in (scenario.sides if scenario is not None else ())}
        for colour in palette:
            button = QToolButton()
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setIcon(colour_swatch(colour))
            button.setIconSize(QSize(18, 18))
            button.setFixedSize(22, 22)
            side = sides.get(colour)
            name = bilingual(side.name_en, side.name_zh, self.session.name_mode) if side else ""
            button.setToolTip(f"{colour} ({name})" if name else colour)
            button.setProperty("colour", colour)
            button.clicked.connect(lambda _on=False, c=colour: self.set_colour(c))
            self.colour_buttons.append(button)
            self._swatch_row.addWidget(button)
        a = self.annotation()
        self._show_colour(a.colour if a is not None else None)

    def _show_colour(self, colour: str | None) -> None:
        name = QColor(colour).name() if colour else None
        for button in self.colour_buttons:
            with QSignalBlocker(button):
                button.setChecked(button.property("colour") == name)
        custom = name is not None and name not in self._palette
        self.other_colour_button.setIcon(colour_swatch(name) if custom else QIcon())
        self.other_colour_button.setChecked(False)

    # -- editing -----------------------------------------------------------------------------
    def _commit(self, field: str, **values) -> bool:
        """Apply the selected annotation with ``values`` as one (merging) undo step; on
        EditError show why beside the field and change nothing. True when the record is as asked."""
        a = self.annotation()
        if a is None:
            return False
        new = a._replace(**values)
        if new == a:
            self._set_error(field, "")
            return True
        try:
            self.session.document.apply(
                SetAnnotation(new),
                f"Edit {FIELDS[field][0]}",
                initiator=self,
                merge_key=("inspect", a.id, field),
            )
        except EditError as exc:
            self._set_error(field, problem_message(exc, field))
            return False
        self._set_error(field, "")
        if field == "colour":
            self.icon_label.setPixmap(kind_icon(new.kind, new.colour).pixmap(16, 16))
        return True

    def _set_error(self, field: str, message: str) -> None:
        label = self.errors[field]
        label.setText(message)
        label.setVisible(bool(message))

    def set_colour(self, colour: str) -> None:
        """Give the selected annotation this colour (``#rrggbb``)."""
        name = QColor(colour).name() if QColor(colour).isValid() else colour
        self._commit("colour", colour=name)
        a = self.annotation()
        self._show_colour(a.colour if a is not None else None)

    def _pick_other_colour(self) -> None:
        a = self.annotation()
        if a is None:
            return
        chosen = QColorDialog.getColor(QColor(a.colour), self, "Annotation colour")
        if chosen.isValid():
            self.set_colour(chosen.name())

    def _on_fill(self, percent: int) -> None:
        self.fill_value.setText(f"{percent} %")
        self._commit("fill_opacity", fill_opacity=percent / 100.0)

    def set_span(self, span: str) -> None:
        """Choose how the span is set; the times follow (phase: the current phase; from now on:
        the current time to the minute, open-ended; range: kept, or this phase; event: the last
        event reached until the next one)."""
        _set_combo(self.span_combo, span)
        self._on_span_choice()

    def _on_span_choice(self) -> None:
        a, scenario = self.annotation(), self.session.scenario
        span = self.span_combo.currentData()
        if a is None or scenario is None:
            return
        now = self.session.time
        start: float | None
        end: float | None
        if span == "always":
            start = end = None
        elif span == "phase":
            index = self.session.phase_index
            if index < 0:
                start = end = None
            else:
                phase = scenario.phases[index]
                start, end = phase.start, phase.end
        elif span == "from":
            start, end = float(round(now / 60.0) * 60), None
        elif span == "range":
            phase = scenario.phases.at(now)
            start = a.start if a.start is not None else (phase.start if phase else scenario.info.start)
            end = a.end if a.end is not None else (phase.end if phase else scenario.info.end)
        else:  # event
            events = scenario.events
            if not len(events):
                self._set_error("span", "This scenario has no events")
                self._show_span(a, scenario)
                return
            reached = events.until(now)
            start, end = _event_span(scenario, reached[-1] if len(reached) else 0)
        if not self._commit("span", span=span, start=start, end=end):
            self._show_span(a, scenario)  # the combo goes back to what the record says

    def _on_range(self, *_args) -> None:
        start = float(self.start_edit.dateTime().toSecsSinceEpoch())
        end = float(self.end_edit.dateTime().toSecsSinceEpoch())
        self._commit("span", span="range", start=start, end=end)

    def _on_event_choice(self, row: int) -> None:
        scenario = self.session.scenario
        if scenario is None or not 0 <= row < len(scenario.events):
            return
        start, end = _event_span(scenario, row)
        self._commit("span", span="event", start=start, end=end)


def _event_span(scenario: Scenario, row: int) -> tuple[float, float | None]:
    """From event ``row``'s time to the time of the next event that comes later (None: none does)."""
    events = scenario.events
    start = float(events[row].time)
    following = events.next_after(start)
    return start, (float(events[following].time) if following is not None else None)


def _qt_zone(scenario: Scenario | None) -> QTimeZone:
    if scenario is None:
        return QTimeZone.fromSecondsAheadOfUtc(0)
    offset = scenario.info.time_zone.utcoffset(None)
    return QTimeZone.fromSecondsAheadOfUtc(int(offset.total_seconds()) if offset is not None else 0)


def _set_text(box: QPlainTextEdit, text: str) -> None:
    if box.toPlainText() != text:
        with QSignalBlocker(box):
            box.setPlainText(text)


def _set_combo(combo: QComboBox, value: object) -> None:
    row = combo.findData(value)
    if row >= 0 and combo.currentIndex() != row:
        with QSignalBlocker(combo):
            combo.setCurrentIndex(row)
