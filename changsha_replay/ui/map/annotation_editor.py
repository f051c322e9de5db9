"""Annotating on the map: the tools, selecting, moving and reshaping annotations, and the layer
that draws them. Every finished gesture becomes one edit on the document (one undo step); a
cancelled gesture becomes none; while dragging, only the layer's preview changes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent

from ...model import vocab
from ...model.edits import EditError, RemoveAnnotation, SetAnnotation, fresh_id
from ...model.records import Annotation
from ..session import Session
from .annotation_tools import TOOLS, Gesture, Status
from .annotations_layer import AnnotationsLayer
from .geo import KM_PER_DEGREE, Projection

#: The style new annotations get (the inspector changes each one afterwards).
DEFAULT_COLOUR = "#7c3aed"
KIND_LABELS = {
    "note": "note",
    "label": "text label",
    "arrow": "arrow",
    "line": "line",
    "freehand": "freehand line",
    "area": "area",
    "rectangle": "rectangle",
    "circle": "circle",
}
_DIGITS = 6  # decimals of a degree kept (≈ 0.1 m)


class AnnotationEditor(QObject):
    """Owns the annotations layer of a map and the current annotation tool.

    ``ask_text(title, initial)`` asks for a note's or label's text (None: cancelled); the window
    sets it to a dialog, tests to a function. ``error`` reports an edit the model refused.
    """

    tool_changed = Signal(str)
    error = Signal(str)

    def __init__(
        self,
        session: Session,
        view,
        viewbox,
        projection: Callable[[], Projection],
        unit_at: Callable[[QPointF], str | None],
    ) -> None:
        super().__init__(view)
        self.session = session
        self.view = view
        self.viewbox = viewbox
        self._projection = projection
        self._unit_at = unit_at
        self.layer = AnnotationsLayer()
        self.tool = "select"
        self.colour = DEFAULT_COLOUR
        self.author = ""
        self.ask_text: Callable[[str, str], str | None] = lambda _title, _initial: None
        self._gesture: Gesture | None = None
        self._drag: tuple[str, int | None, Annotation, QPointF] | None = None  # id, handle, original, press
        self._dragged = False
        self._drag_preview: Annotation | None = None
        view.viewport().installEventFilter(self)
        session.edited.connect(self._on_edited)
        session.annotation_selected.connect(self._on_selected)
        session.name_mode_changed.connect(self.layer.set_name_mode)

    # -- tools ---------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise KeyError(tool)
        self.cancel()
        if tool != self.tool:
            self.tool = tool
            self.layer.set_editing(tool != "select" or self.session.selected_annotation is not None)
            cursor = Qt.CursorShape.ArrowCursor if tool == "select" else Qt.CursorShape.CrossCursor
            self.view.viewport().setCursor(cursor)
            self.tool_changed.emit(tool)

    @property
    def drawing(self) -> bool:
        return (self._gesture is not None and self._gesture.started) or self._drag is not None

    def cancel(self) -> bool:
        """Escape: drop the drawing or drag in progress (nothing is recorded); True if there was one."""
        busy = self.drawing
        if self._gesture is not None:
            self._gesture.cancel()
            self._gesture = None
        self._drag, self._drag_preview = None, None
        self.layer.set_preview(None)
        return busy

    def escape(self) -> None:
        """Cancel what is in progress; with nothing in progress, go back to the select tool."""
        if not self.cancel():
            self.set_tool("select")

    def delete_selected(self) -> bool:
        """Delete the selected annotation (one undo step); False when none is selected."""
        a = self._annotation(self.session.selected_annotation)
        if a is None:
            return False
        self._apply(RemoveAnnotation(a.id), f"Delete {KIND_LABELS.get(a.kind, a.kind)}")
        return True

    # -- reactions -----------------------------------------------------------------------
    def reset(self) -> None:
        """Another scenario (called by the canvas once its projection is set)."""
        self.cancel()
        scenario = self.session.scenario
        self.layer.set_annotations(scenario.annotations if scenario else (), self._projection())
        if scenario is not None:
            self.layer.set_time(self.session.time)
        self.layer.set_selected(None)

    def _on_edited(self, change, initiator) -> None:
        scenario = self.session.scenario
        if scenario is None or "annotations" not in change.parts:
            return
        if self._drag is not None and initiator is not self and self._drag[0] in change.annotations:
            self.cancel()  # e.g. an undo during the drag: what is dragged is no longer what is there
        self.layer.update_annotations(scenario.annotations, change.annotations)
        self.layer.set_preview(None)
        self.layer.set_selected(self.session.selected_annotation)

    def _on_selected(self, annotation_id: str | None) -> None:
        self.layer.set_selected(annotation_id)
        self.layer.set_editing(self.tool != "select" or annotation_id is not None)

    def on_time(self, t: float, x: np.ndarray, y: np.ndarray, index: dict[str, int]) -> None:
        """The map moved to time ``t``; units are at plot positions ``x``, ``y`` (for attached notes)."""
        self.layer.set_unit_positions(x, y, index)
        self.layer.set_time(t)

    # -- mouse ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if (
            kind
            not in (
                QEvent.Type.MouseButtonPress,
                QEvent.Type.MouseMove,
                QEvent.Type.MouseButtonRelease,
                QEvent.Type.MouseButtonDblClick,
            )
            or self.session.scenario is None
        ):
            return False
        ev: QMouseEvent = event  # type: ignore[assignment]
        if kind != QEvent.Type.MouseMove and ev.button() != Qt.MouseButton.LeftButton:
            return False  # the other buttons keep panning and zooming
        scene = self.view.mapToScene(ev.position().toPoint())
        if self.tool == "select":
            return self._select_event(kind, ev, QPointF(scene))
        return self._draw_event(kind, ev, QPointF(scene))

    def _plot(self, scene: QPointF) -> tuple[float, float]:
        p = self.viewbox.mapSceneToView(scene)
        return float(p.x()), float(p.y())

    def _draw_event(self, kind: QEvent.Type, ev: QMouseEvent, scene: QPointF) -> bool:
        p, px = self._plot(scene), (ev.position().x(), ev.position().y())
        if self._gesture is None:
            if kind != QEvent.Type.MouseButtonPress:
                return kind != QEvent.Type.MouseMove  # moves pass (cursor position, tooltips)
            self.session.pause()
            self._gesture = Gesture(self.tool)
        g = self._gesture
        status = {
            QEvent.Type.MouseButtonPress: g.press,
            QEvent.Type.MouseMove: g.move,
            QEvent.Type.MouseButtonRelease: g.release,
            QEvent.Type.MouseButtonDblClick: g.double_click,
        }[kind](p, px)
        self._after(status)
        return kind != QEvent.Type.MouseMove or g.started

    def nudge_key(self, event: QKeyEvent) -> tuple[int, int] | None:
        """The nudge an arrow key asks for, in pixels (Shift: ten), when it moves the selected
        annotation: the select tool, nothing dragged or drawn, no Ctrl (Ctrl+arrows pan)."""
        step = _NUDGES.get(event.key())
        if step is None or self.drawing or self.tool != "select" or self._selected() is None:
            return None
        modifiers = event.modifiers()
        if modifiers & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier):
            return None
        times = 10 if modifiers & Qt.KeyboardModifier.ShiftModifier else 1
        return step[0] * times, step[1] * times

    def nudge(self, dx: float, dy: float) -> bool:
        """Move the selected annotation by ``dx``, ``dy`` screen pixels (right, down); consecutive
        nudges of one annotation are one undo step."""
        a = self._selected()
        if a is None:
            return False
        size_x, size_y = self.viewbox.viewPixelSize()
        proj = self._projection()
        moved = a._replace(geometry=_translated(a.geometry, dx * size_x / proj.k, -dy * size_y))
        if moved == a:
            return False
        label = KIND_LABELS.get(a.kind, a.kind)
        return self._apply(SetAnnotation(moved), f"Nudge {label}", merge_key=("nudge", a.id))

    def key(self, event: QKeyEvent) -> bool:
        """Keys for a drawing in progress (Enter ends it, Backspace takes back a corner), and the
        arrows that nudge the selected annotation."""
        nudge = self.nudge_key(event)
        if nudge is not None:
            self.nudge(*nudge)
            return True
        if self._gesture is None or not self._gesture.started:
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._after(self._gesture.finish())
            return True
        if event.key() == Qt.Key.Key_Backspace:
            self._after(self._gesture.undo_corner())
            return True
        return False

    def _after(self, status: Status) -> None:
        g = self._gesture
        if g is None:
            return
        if status is Status.GOING:
            self.layer.set_preview(self._annotation_from(g, "preview") if len(g.points) >= 2 else None)
            return
        self._gesture = None
        self.layer.set_preview(None)
        if status is Status.DONE:
            self._create(g)

    def _create(self, g: Gesture) -> None:
        scenario = self.session.scenario
        if scenario is None:
            return
        taken = {a.id for a in scenario.annotations}
        a = self._annotation_from(g, fresh_id(g.kind, taken))
        label = KIND_LABELS.get(g.kind, g.kind)
        if g.kind in ("note", "label"):
            text = self.ask_text(f"New {label}", "")
            if not text or not text.strip():
                return  # cancelled: no note, no undo step
            a = a._replace(text=text.strip())
        if self._apply(SetAnnotation(a), f"Draw {label}"):
            self.session.select_annotation(a.id)

    def _annotation_from(self, g: Gesture, annotation_id: str) -> Annotation:
        """The annotation a gesture describes, styled and timed as new annotations are."""
        proj = self._projection()
        shape = g.shape()
        radius = None
        if g.kind == "circle":
            (cx, cy), (rx, ry) = shape[0], shape[-1]
            radius = max(math.hypot(rx - cx, ry - cy) * KM_PER_DEGREE, 0.01)
            shape = shape[:1]
        coords = [_lonlat(proj, x, y) for x, y in shape]
        geometry_type = vocab.ANNOTATION_GEOMETRY[g.kind]
        geometry = {
            "Point": {"type": "Point", "coordinates": coords[0]},
            "LineString": {"type": "LineString", "coordinates": coords},
            "Polygon": {"type": "Polygon", "coordinates": [coords]},
        }[geometry_type]
        start, end, span = self._default_span()
        return Annotation(
            annotation_id,
            g.kind,
            geometry,
            colour=self.colour,
            start=start,
            end=end,
            author=self.author,
            created=float(round(time.time())),
            width=3.0 if g.kind == "arrow" else 2.0,
            arrowhead="none" if g.kind == "line" else "end",
            span=span,
            radius_km=radius,
            fill_opacity=0.15 if g.kind in ("area", "rectangle", "circle") else 0.2,
        )

    def _default_span(self) -> tuple[float | None, float | None, str]:
        """New annotations show during the phase they were drawn in (or always, with no phase)."""
        scenario = self.session.scenario
        i = self.session.phase_index
        if scenario is None or i < 0:
            return None, None, "always"
        phase = scenario.phases[i]
        return float(round(phase.start)), float(round(phase.end)), "phase"

    # -- select, move, reshape -----------------------------------------------------------
    def _select_event(self, kind: QEvent.Type, ev: QMouseEvent, scene: QPointF) -> bool:
        if kind == QEvent.Type.MouseButtonPress:
            return self._press_select(scene)
        if kind == QEvent.Type.MouseMove:
            if self._drag is None:
                return False
            self._drag_to(scene)
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            if self._drag is None:
                return False
            self._finish_drag()
            return True
        # double-click: edit the text of the annotation under the mouse
        found = self.layer.annotation_at(scene)
        if found is None:
            return False
        self.edit_text(found)
        return True

    def _press_select(self, scene: QPointF) -> bool:
        selected = self._annotation(self.session.selected_annotation)
        if selected is not None:
            handle = self.layer.handle_at(scene)
            if handle is not None:
                self._start_drag(selected, handle, scene)
                return True
            if self.layer.annotation_at(scene) == selected.id:
                self._start_drag(selected, None, scene)
                return True
        if self._unit_at(scene) is not None:
            return False  # units keep their clicks
        found = self.layer.annotation_at(scene)
        if found is None:
            self.session.select_annotation(None)
            return False  # an empty spot: the map pans and deselects units as usual
        self.session.select_annotation(found)
        a = self._annotation(found)
        if a is not None:
            self._start_drag(a, None, scene)
        return True

    def _start_drag(self, a: Annotation, handle: int | None, scene: QPointF) -> None:
        self.session.pause()
        self._drag = (a.id, handle, a, scene)
        self._dragged = False

    def _drag_to(self, scene: QPointF) -> None:
        assert self._drag is not None
        _id, handle, original, press = self._drag
        if not self._dragged and (scene - press).manhattanLength() < 3:
            return
        self._dragged = True
        self._drag_preview = self._dragged_copy(original, handle, press, scene)
        self.layer.set_preview(self._drag_preview)

    def _finish_drag(self) -> None:
        assert self._drag is not None
        _id, handle, original, _press = self._drag
        preview = self._drag_preview if self._dragged else None
        self._drag, self._drag_preview = None, None
        self.layer.set_preview(None)
        if preview is None or preview == original:
            return
        label = KIND_LABELS.get(original.kind, original.kind)
        self._apply(SetAnnotation(preview), f"{'Move' if handle is None else 'Reshape'} {label}")

    def _dragged_copy(self, a: Annotation, handle: int | None, press: QPointF, scene: QPointF) -> Annotation:
        proj = self._projection()
        (x0, y0), (x1, y1) = self._plot(press), self._plot(scene)
        dlon, dlat = (x1 - x0) / proj.k, y1 - y0
        g = a.geometry
        if handle is None:
            return a._replace(geometry=_translated(g, dlon, dlat))
        lon, lat = _lonlat(proj, x1, y1)
        if a.kind == "circle":
            if handle == 0:
                return a._replace(geometry={"type": "Point", "coordinates": [lon, lat]})
            cx, cy = proj.xy(g["coordinates"][1], g["coordinates"][0])
            return a._replace(radius_km=max(math.hypot(x1 - float(cx), y1 - float(cy)) * KM_PER_DEGREE, 0.01))
        if g["type"] == "Point":
            return a._replace(geometry={"type": "Point", "coordinates": [lon, lat]})
        if g["type"] == "LineString":
            coords = [list(c) for c in g["coordinates"]]
            if 0 <= handle < len(coords):
                coords[handle] = [lon, lat]
            return a._replace(geometry={"type": "LineString", "coordinates": coords})
        ring = [list(c) for c in g["coordinates"][0]]
        if a.kind == "rectangle" and len(ring) == 5 and 0 <= handle < 4:
            opposite = ring[(handle + 2) % 4]
            (ax, ay), (bx, by) = opposite, (lon, lat)
            ring = [[ax, ay], [bx, ay], [bx, by], [ax, by], [ax, ay]]
        elif 0 <= handle < len(ring) - 1:
            ring[handle] = [lon, lat]
            if handle == 0:
                ring[-1] = [lon, lat]
        return a._replace(geometry={"type": "Polygon", "coordinates": [ring]})

    def edit_text(self, annotation_id: str) -> None:
        """Ask for a new text of an annotation (double-click); one undo step when it changes."""
        a = self._annotation(annotation_id)
        if a is None:
            return
        self.session.select_annotation(a.id)
        text = self.ask_text(f"Text of the {KIND_LABELS.get(a.kind, a.kind)}", a.text)
        if text is None or text == a.text:
            return
        self._apply(SetAnnotation(a._replace(text=text)), f"Edit text of {KIND_LABELS.get(a.kind, a.kind)}")

    # -- helpers -------------------------------------------------------------------------
    def _annotation(self, annotation_id: str | None) -> Annotation | None:
        scenario = self.session.scenario
        if scenario is None or annotation_id is None:
            return None
        return next((a for a in scenario.annotations if a.id == annotation_id), None)

    def _selected(self) -> Annotation | None:
        return self._annotation(self.session.selected_annotation)

    def _apply(self, edit, text: str, merge_key: object | None = None) -> bool:
        try:
            self.session.document.apply(edit, text, initiator=self, merge_key=merge_key)
        except EditError as exc:
            self.error.emit(str(exc))
            return False
        return True


#: Arrow keys: the nudge of one press, in pixels (right, down).
_NUDGES = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}


def _lonlat(proj: Projection, x: float, y: float) -> list[float]:
    lat, lon = proj.latlon(x, y)
    return [round(float(lon), _DIGITS), round(float(lat), _DIGITS)]


def _translated(geometry: dict, dlon: float, dlat: float) -> dict:
    def move(c: list) -> list:
        return [round(c[0] + dlon, _DIGITS), round(c[1] + dlat, _DIGITS)]

    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        return {"type": "Point", "coordinates": move(coords)}
    if geometry["type"] == "LineString":
        return {"type": "LineString", "coordinates": [move(c) for c in coords]}
    return {"type": geometry["type"], "coordinates": [[move(c) for c in ring] for ring in coords]}
