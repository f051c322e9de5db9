"""Users' annotations on the map: notes, labels, arrows, lines, freehand lines, areas,
rectangles and circles, each shown during its time span.

One item paints them all. Each annotation's geometry is kept as a ``QPainterPath`` in plot
coordinates and its text as a sprite; painting maps them to device pixels, so pens,
arrowheads and texts keep their size on screen whatever the zoom.

Qt's raster engine takes some 30–150 µs to stroke or fill one antialiased path of a few
dozen pixels, so a thousand annotations painted on every frame would take a few hundred
milliseconds. The annotations that stay put are therefore drawn into a transparent image
a little larger than the viewport (as the basemap is), and a frame is one blit of it:

- a pan within the margin only moves the image; past it, the image is moved and only the
  strips uncovered are drawn;
- when the time (or a preview, the editing mode, an edit) changes which
  annotations are shown or how, only the pixels of those annotations are drawn again, with
  whatever else lies there (a clip region);
- a zoom draws the image afresh — once the zoom settles when that is slow, the old image
  being shown scaled meanwhile. The outlines of the lines are kept per zoom, so a redraw at
  the same zoom only fills them.

What moves or changes on its own — notes attached to a unit, a preview, the selection's
highlight and handles — is drawn over the image on every paint. The selected annotation stays
in the image (selecting draws nothing again) and its lines are drawn once more over its
highlight.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QPolygonF,
    QRegion,
    QTransform,
)

from ...model.records import Annotation
from . import style
from .fonts import label_font
from .geo import KM_PER_DEGREE, Projection, device_points
from .overlay import OverlayItem
from .painting import new_image

#: Painting order of the kinds, bottom to top: shapes with a fill, lines, arrows, then texts.
LAYER_OF_KIND: dict[str, int] = {
    "area": 0,
    "rectangle": 0,
    "circle": 0,
    "line": 1,
    "freehand": 1,
    "arrow": 2,
    "label": 3,
    "note": 4,
}
POINT_KINDS = ("note", "label")
LINE_KINDS = ("line", "freehand", "arrow")
POLYGON_KINDS = ("area", "rectangle")

FAINT = 0.25  # opacity of the annotations out of their span while editing
HIT_TOLERANCE = 5.0  # px around lines, outlines and texts
HANDLE_RADIUS = 6.0  # px: how near a handle the mouse must be
HANDLE_SIZE = 8.0  # px: side of a vertex handle's square
NOTE_WRAP = 220.0  # px: a note's text is wrapped to this width
LABEL_WRAP = 260.0
SHAPE_TEXT_WRAP = 180.0
MAX_TEXT_LINES = 12  # longer texts are cut with an ellipsis (the whole text is in the editor)
NOTE_OFFSET = 12.0  # px from a note's pin to its box (right and up)
ATTACHED_OFFSET = 20.0  # px from a unit to its note's box: clear of the unit's symbol
PIN_RADIUS = 4.0

INK = QColor(31, 41, 55)
HALO = QColor(255, 255, 255, 225)
LINE_HALO = QColor(252, 250, 245)  # opaque: Qt fills an opaque colour ~3× faster than a translucent one
NOTE_PAPER = QColor(255, 253, 247, 242)
PLATE = QColor(252, 250, 245, 205)
SHADOW = QColor(0, 0, 0, 38)
SELECTION = QColor(37, 99, 235)
SELECTION_GLOW = QColor(59, 130, 246, 95)

RERENDER_DELAY_MS = 150  # after the last zoom step, when drawing the image is slow
SLOW_RENDER_S = 0.025  # a redraw slower than this waits for the zoom to settle


def annotation_text(annotation: Annotation, mode: str) -> str:
    """The text shown for a name mode ("en", "zh" or "both"): the other language when one is
    empty; in "both" the English line then the Chinese one."""
    en, zh = annotation.text.strip(), annotation.text_zh.strip()
    if mode == "zh":
        return zh or en
    if mode == "both" and en and zh and en != zh:
        return f"{en}\n{zh}"
    return en or zh


def in_span(starts: np.ndarray, ends: np.ndarray, t: float) -> np.ndarray:
    """Which spans contain ``t``: start inclusive, end exclusive, except that a span with
    start == end holds its one instant (open ends are ±inf)."""
    return (starts <= t) & ((t < ends) | ((starts == ends) & (t == starts)))


# -- geometry -------------------------------------------------------------------------------


def _positions(coords) -> np.ndarray:
    """An (n, 2) float array of [lon, lat] (extra ordinates dropped, non-finite rows removed)."""
    try:
        arr = np.asarray(coords, dtype=float)
    except (TypeError, ValueError):
        return np.zeros((0, 2))
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] < 2:
        return np.zeros((0, 2))
    arr = arr[:, :2]
    return arr[np.isfinite(arr).all(axis=1)]


def _plot(proj: Projection, lonlat: np.ndarray) -> np.ndarray:
    x, y = proj.xy(lonlat[:, 1], lonlat[:, 0])
    return np.column_stack((np.asarray(x, dtype=float), np.asarray(y, dtype=float)))


def _polyline_path(xy: np.ndarray, closed: bool = False) -> QPainterPath:
    if len(xy) < 2:
        return QPainterPath()
    path = pg.arrayToQPath(np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]))
    if closed:
        path.closeSubpath()
    return path


def _midpoint(xy: np.ndarray) -> tuple[float, float]:
    """The point halfway along a polyline."""
    if len(xy) == 1:
        return float(xy[0, 0]), float(xy[0, 1])
    seg = np.hypot(*np.diff(xy, axis=0).T)
    total = float(seg.sum())
    if total <= 0:
        return float(xy[0, 0]), float(xy[0, 1])
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    k = min(int(np.searchsorted(cum, total / 2, side="right")) - 1, len(seg) - 1)
    f = (total / 2 - cum[k]) / seg[k] if seg[k] > 0 else 0.0
    x, y = xy[k] + f * (xy[k + 1] - xy[k])
    return float(x), float(y)


def _centroid(ring: np.ndarray) -> tuple[float, float]:
    """The area centroid of a ring (the mean of its vertices when it has no area)."""
    x, y = ring[:, 0], ring[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    a = cross.sum() / 2
    if abs(a) < 1e-15:
        return float(x.mean()), float(y.mean())
    return float(((x + x1) * cross).sum() / (6 * a)), float(((y + y1) * cross).sum() / (6 * a))


def _segment_distance(px: np.ndarray, py: np.ndarray, x: float, y: float) -> float:
    """Distance from (x, y) to a polyline given by its vertices (all in the same units)."""
    if len(px) == 0:
        return math.inf
    if len(px) == 1:
        return float(math.hypot(px[0] - x, py[0] - y))
    ax, ay, bx, by = px[:-1], py[:-1], px[1:], py[1:]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(length2 > 0, ((x - ax) * dx + (y - ay) * dy) / length2, 0.0)
    f = np.clip(f, 0.0, 1.0)
    return float(np.hypot(ax + f * dx - x, ay + f * dy - y).min())


def _rounded(point: QPointF) -> QPointF:
    """A whole-pixel position, so that sprites stay crisp."""
    return QPointF(round(point.x()), round(point.y()))


# -- styles ---------------------------------------------------------------------------------


def _pen(colour: QColor, width: float, dash: str = "solid", round_join: bool | None = None) -> QPen:
    pen = QPen(colour, width)
    # round joins double the outline's elements, and so its cost; on lines under 4 px they do not show
    round_join = width >= 4.0 if round_join is None else round_join
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin if round_join else Qt.PenJoinStyle.BevelJoin)
    if dash == "dash":
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setDashPattern([3.5, 2.2])  # in widths
    elif dash == "dot":
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setDashPattern([0.01, 2.2])
    else:
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


_HATCH_TILE = 8


_hatches: dict[tuple[int, float], QBrush] = {}


def hatch_brush(colour: QColor, dpr: float) -> QBrush:
    """Diagonal lines (bottom-left to top-right), antialiased, every 8 px (made once per colour
    and pixel ratio)."""
    key = (colour.rgba(), dpr)
    brush = _hatches.get(key)
    if brush is None:
        n = _HATCH_TILE
        image = new_image(n * 2, n * 2, dpr)
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(colour, 1.3))
        for k in range(-1, 6):
            p.drawLine(QPointF(k * n - 2 * n, 2 * n + 0.0), QPointF(k * n + 0.0, 0.0))
        p.end()
        if len(_hatches) > 256:
            _hatches.clear()
        brush = _hatches[key] = QBrush(image)
    return brush


def _arrow_sizes(width: float) -> tuple[float, float, float]:
    """Body width, head length and head half-width of an arrow drawn at a line width."""
    body = width * 1.6
    length = 4.0 * body + 7.0
    return body, length, 0.42 * length + 0.5 * body


def _fits(text: str, metrics: QFontMetricsF, wrap: float) -> tuple[str, QRectF, Qt.TextFlag]:
    """The text (cut if too long), its wrapped rectangle and the wrap flag to draw it with."""
    flags = Qt.TextFlag.TextWordWrap
    rect = metrics.boundingRect(QRectF(0, 0, wrap, 1e6), int(flags), text)
    if rect.width() > wrap + 0.5:  # a word longer than the line
        flags = Qt.TextFlag.TextWrapAnywhere
        rect = metrics.boundingRect(QRectF(0, 0, wrap, 1e6), int(flags), text)
    max_height = MAX_TEXT_LINES * metrics.lineSpacing() + 1
    if rect.height() > max_height:
        lo, hi = 1, len(text)
        while lo < hi:  # the longest start of the text that fits, with an ellipsis
            mid = (lo + hi + 1) // 2
            if metrics.boundingRect(QRectF(0, 0, wrap, 1e6), int(flags), text[:mid] + "…").height() <= max_height:
                lo = mid
            else:
                hi = mid - 1
        text = text[:lo].rstrip() + "…"
        rect = metrics.boundingRect(QRectF(0, 0, wrap, 1e6), int(flags), text)
    return text, rect, flags


def note_sprite(text: str, colour: QColor, dpr: float) -> QPixmap:
    """A note's text box: dark text on light paper, a border in the note's colour, a soft shadow."""
    font = label_font(13)
    metrics = QFontMetricsF(font)
    text, rect, flags = _fits(text, metrics, NOTE_WRAP)
    pad_x, pad_y, shadow = 7.0, 4.0, 2.0
    w, h = math.ceil(rect.width()) + 2 * pad_x, math.ceil(rect.height()) + 2 * pad_y
    image = new_image(w + shadow + 1, h + shadow + 1, dpr)
    p = QPainter(image)
    p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    box = QRectF(0.75, 0.75, w - 0.5, h - 0.5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(SHADOW)
    p.drawRoundedRect(box.translated(shadow, shadow), 4, 4)
    p.setPen(QPen(colour, 1.5))
    p.setBrush(NOTE_PAPER)
    p.drawRoundedRect(box, 4, 4)
    p.setFont(font)
    p.setPen(INK)
    p.drawText(QRectF(pad_x + 0.75, pad_y + 0.75, rect.width() + 1, rect.height() + 1), int(flags), text)
    p.end()
    return QPixmap.fromImage(image)


def halo_text_sprite(
    text: str, colour: QColor, dpr: float, pixel_size: int, bold: bool, wrap: float, plate: bool = False
) -> QPixmap:
    """Centred text in a colour with a white halo, no box (labels); on a translucent paper plate
    for the texts on shapes, which may lie over hatching or lines."""
    font = label_font(pixel_size, bold=bold)
    metrics = QFontMetricsF(font)
    text, rect, flags = _fits(text, metrics, wrap)
    r = 1.8  # halo radius
    w, h = math.ceil(rect.width()) + 2 * r + 2, math.ceil(rect.height()) + 2 * r + 2
    image = new_image(w, h, dpr)
    p = QPainter(image)
    p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    p.setFont(font)
    box = QRectF(r + 1, r + 1, math.ceil(rect.width()), math.ceil(rect.height()))
    align = int(flags) | int(Qt.AlignmentFlag.AlignHCenter)
    if plate:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PLATE)
        p.drawRoundedRect(QRectF(0, 0, w, h), 3, 3)
    p.setPen(HALO)
    for k in range(12):
        a = k * math.pi / 6
        p.drawText(box.translated(r * math.cos(a), r * math.sin(a)), align, text)
    p.setPen(colour)
    p.drawText(box, align, text)
    p.end()
    return QPixmap.fromImage(image)


# -- one annotation, ready to paint ---------------------------------------------------------


class _Mark:
    """One annotation's geometry in plot coordinates, its pens and its text sprite."""

    __slots__ = (
        "anchor",
        "ann",
        "bbox",
        "body_pen",
        "colour",
        "faint_colour",
        "faint_fill",
        "fill",
        "hatch",
        "kind",
        "layer",
        "outlines",
        "outlines_key",
        "pad",
        "path",
        "pen",
        "pts",
        "radius",
        "reach",
        "sprite",
        "sprite_key",
    )

    def __init__(self, a: Annotation, proj: Projection) -> None:
        self.ann = a
        self.kind = a.kind
        self.layer = LAYER_OF_KIND.get(a.kind, -1)
        self.colour = QColor(a.colour) if isinstance(a.colour, str) else QColor()
        if not self.colour.isValid():
            self.colour = QColor(INK)
        self.sprite: QPixmap | None = None
        self.sprite_key: tuple | None = None
        self.outlines: _Outlines | None = None
        self.outlines_key: tuple | None = None
        self.radius = 0.0
        self.path = QPainterPath()
        geometry = a.geometry if isinstance(a.geometry, dict) else {}
        gtype, coords = geometry.get("type"), geometry.get("coordinates", ())
        pts = np.zeros((0, 2))
        if self.kind in POINT_KINDS or self.kind == "circle":
            if gtype == "Point":
                pts = _plot(proj, _positions(coords))[:1]
            if self.kind == "circle" and len(pts):
                radius = a.radius_km if isinstance(a.radius_km, (int, float)) else 0.0
                self.radius = max(float(radius), 0.0) / KM_PER_DEGREE if math.isfinite(radius) else 0.0
                if self.radius > 0:
                    self.path.addEllipse(QPointF(pts[0, 0], pts[0, 1]), self.radius, self.radius)
                else:
                    pts = pts[:0]
        elif self.kind in LINE_KINDS:
            if gtype == "LineString":
                pts = _plot(proj, _positions(coords))
                self.path = _polyline_path(pts)
        elif self.kind in POLYGON_KINDS and gtype == "Polygon" and isinstance(coords, (list, tuple)) and coords:
            rings = [_plot(proj, _positions(ring)) for ring in coords]
            rings = [r[:-1] if len(r) > 1 and np.array_equal(r[0], r[-1]) else r for r in rings]
            if len(rings[0]) >= 2:
                pts = rings[0]
                for ring in rings:
                    if len(ring) >= 2:
                        self.path.addPath(_polyline_path(ring, closed=True))
        self.pts = pts
        if not len(pts) or self.layer < 0:
            self.layer = -1  # nothing to draw
            self.anchor = (math.nan, math.nan)
            self.bbox = (math.nan,) * 4
        else:
            r = self.radius
            self.bbox = (
                float(pts[:, 0].min()) - r,
                float(pts[:, 1].min()) - r,
                float(pts[:, 0].max()) + r,
                float(pts[:, 1].max()) + r,
            )
            if self.kind in POLYGON_KINDS:
                self.anchor = _centroid(pts) if len(pts) >= 3 else _midpoint(pts)
            elif self.kind in LINE_KINDS:
                self.anchor = _midpoint(pts)
            else:
                self.anchor = (float(pts[0, 0]), float(pts[0, 1]))
        width = float(a.width) if isinstance(a.width, (int, float)) and math.isfinite(a.width) else 2.0
        width = min(max(width, 0.5), 20.0)
        dash = a.dash if a.dash in ("solid", "dash", "dot") else "solid"
        self.pen = _pen(self.colour, width, dash)
        body = _arrow_sizes(width)[0]
        self.body_pen = _pen(self.colour, body, dash)
        self.fill: QColor | None = None
        self.hatch: QColor | None = None  # the colour of the hatching, if hatched
        if self.kind in POLYGON_KINDS or self.kind == "circle":
            opacity = float(a.fill_opacity) if isinstance(a.fill_opacity, (int, float)) else 0.2
            alpha = round(255 * min(max(opacity, 0.0), 1.0)) if math.isfinite(opacity) else 51
            self.fill = style.with_alpha(self.colour, alpha) if alpha > 0 else None
            if a.hatch:
                self.hatch = style.with_alpha(self.colour, 200)  # the colour of the hatching
        # faint lines are paler, not translucent: Qt fills an opaque colour ~3× faster
        paper = style.PAPER
        self.faint_colour = QColor(
            round(FAINT * self.colour.red() + (1 - FAINT) * paper.red()),
            round(FAINT * self.colour.green() + (1 - FAINT) * paper.green()),
            round(FAINT * self.colour.blue() + (1 - FAINT) * paper.blue()),
        )
        self.faint_fill = None if self.fill is None else style.with_alpha(self.fill, round(self.fill.alpha() * FAINT))
        # px beyond the geometry that the line, its halo and its arrowheads may cover
        if self.kind == "arrow":
            self.reach = _arrow_sizes(width)[1] + 6.0
        else:
            self.reach = (width + 3.0) / 2 + 1.0
        # px around the geometry that painting may cover, texts included (for culling): a
        # generous guess until the text's sprite is made and measured
        if self.kind == "note":
            self.pad = NOTE_OFFSET + NOTE_WRAP + MAX_TEXT_LINES * 18.0
        elif self.kind == "label":
            self.pad = LABEL_WRAP / 2 + MAX_TEXT_LINES * 20.0
        elif a.text.strip() or a.text_zh.strip():
            self.pad = self.reach + SHAPE_TEXT_WRAP + MAX_TEXT_LINES * 16.0
        else:
            self.pad = self.reach


class _Outlines(NamedTuple):
    """A mark's shapes at one zoom, in device pixels less the translation (plot coordinates
    scaled): drawn as fills, since Qt's stroking of a wide antialiased line is what costs."""

    fill: QPainterPath | None  # the inside of an area, rectangle or circle
    halo: QPainterPath  # the light halo under the line or outline
    line: QPainterPath  # the line, outline or an arrow's body
    heads: list[QPolygonF]  # an arrow's heads
    head_halos: list[QPolygonF]


def _outlines(mark: _Mark, t: QTransform) -> _Outlines:
    """The mark's outlines for the zoom of ``t``, made once per zoom (a time change that redraws
    the image only fills them again)."""
    key = (t.m11(), t.m12(), t.m21(), t.m22())
    if mark.outlines is not None and mark.outlines_key == key:
        return mark.outlines
    scale = QTransform(t.m11(), t.m12(), t.m21(), t.m22(), 0.0, 0.0)
    path = scale.map(mark.path)
    width = mark.pen.widthF()
    fill = None
    heads: list[QPolygonF] = []
    head_halos: list[QPolygonF] = []
    if mark.kind == "arrow":
        body, length, half = _arrow_sizes(width)
        pen, halo_width = mark.body_pen, body + 3.0
        heads, head_halos = _arrowheads(path, mark.ann.arrowhead, length, half)
    else:
        pen, halo_width = mark.pen, width + 3.0
        if mark.kind not in LINE_KINDS:
            fill = path
    halo_pen = _pen(LINE_HALO, halo_width, round_join=pen.joinStyle() == Qt.PenJoinStyle.RoundJoin)
    halo = QPainterPathStroker(halo_pen).createStroke(path)
    line = QPainterPathStroker(pen).createStroke(path)
    halo.setFillRule(Qt.FillRule.WindingFill)
    line.setFillRule(Qt.FillRule.WindingFill)
    mark.outlines, mark.outlines_key = _Outlines(fill, halo, line, heads, head_halos), key
    return mark.outlines


def _arrowheads(path: QPainterPath, which: str, length: float, half: float) -> tuple[list, list]:
    """The heads of an arrow at its ends (``which``: "end", "both" or "none") and their halos,
    in the path's coordinates (device pixels); the path is shortened so that the body stops
    inside each head."""
    n = path.elementCount()
    heads: list[QPolygonF] = []
    halos: list[QPolygonF] = []
    if n < 2:
        return heads, halos
    for end in {"end": (n - 1,), "both": (n - 1, 0)}.get(which, ()):
        step = -1 if end else 1
        tx, ty = path.elementAt(end).x, path.elementAt(end).y
        k = end + step
        while 0 <= k < n:  # the nearest vertex at least a pixel away gives the direction
            e = path.elementAt(k)
            if math.hypot(e.x - tx, e.y - ty) >= 1.0:
                break
            k += step
        if not 0 <= k < n:
            continue
        e = path.elementAt(k)
        seg = math.hypot(tx - e.x, ty - e.y)
        ux, uy = (tx - e.x) / seg, (ty - e.y) / seg
        back = min(length * 0.72, seg * 0.95)
        path.setElementPositionAt(end, tx - ux * back, ty - uy * back)
        for grow, out in ((0.0, heads), (1.6, halos)):
            ln, hw = length + 2.4 * grow, half + 1.4 * grow
            x, y = tx + ux * grow, ty + uy * grow
            bx, by = x - ux * ln, y - uy * ln
            notch = ln * 0.82 if not grow else length * 0.82 - 1.0
            out.append(
                QPolygonF(
                    [
                        QPointF(x, y),
                        QPointF(bx + uy * hw, by - ux * hw),
                        QPointF(x - ux * notch, y - uy * notch),
                        QPointF(bx - uy * hw, by + ux * hw),
                    ]
                )
            )
    return heads, halos


# -- the layer ------------------------------------------------------------------------------

ABSENT, FAINTLY, FULLY = 0, 1, 2  # how an annotation is in the image


class AnnotationsLayer(OverlayItem):
    """Annotations shown at the current time, one batched item over the map.

    Feed it with :meth:`set_annotations` (then :meth:`update_annotations` for edits),
    :meth:`set_time`, :meth:`set_unit_positions` (plot coordinates of the units, for notes and
    labels attached to one) and :meth:`set_name_mode`; while the user annotates,
    :meth:`set_editing`, :meth:`set_selected` and :meth:`set_preview`. Pick with
    :meth:`annotation_at` and :meth:`handle_at` (scene positions).
    """

    MARGIN = 256  # px drawn beyond each edge of the viewport once the view pans

    def __init__(self) -> None:
        super().__init__()
        self.projection = Projection.at(0.0)
        self._marks: list[_Mark] = []
        self._pos: dict[str, int] = {}
        self._starts = np.zeros(0)
        self._ends = np.zeros(0)
        self._bbox = np.zeros((0, 4))
        self._pad = np.zeros(0)
        self._order = np.zeros(0, np.int64)  # painting order, bottom to top
        self._drawable = np.zeros(0, bool)
        self._with_unit: list[int] = []  # notes and labels with a unit
        self._attached = np.zeros(0, np.int64)  # index of the unit each mark follows, or -1
        self._dynamic = np.zeros(0, bool)  # drawn on every paint, not in the image
        self.active = np.zeros(0, bool)  # in span at the current time
        self._texts_version = 0  # bumped by every change of the marks or their texts
        self._text_rects = np.zeros((0, 4))
        self._text_rects_key: tuple | None = None
        self._text_at_origin = _PerZoom()  # each mark's text rectangle, at this zoom
        self._rect_at_origin = _PerZoom()  # each mark's painted rectangle, at this zoom
        self.time = -math.inf
        self.editing = False
        self.name_mode = "en"
        self.selected: str | None = None
        self._preview: _Mark | None = None
        self._unit_x = np.zeros(0)
        self._unit_y = np.zeros(0)
        self._unit_index: Mapping[str, int] = {}
        # the image of the annotations that stay put
        self._image: QImage | None = None
        self._image_t = QTransform()  # plot coordinates to the image's logical pixels
        self._image_key: tuple | None = None  # the zoom, pixel ratio and version it was drawn for
        self._image_state = np.zeros(0, np.int8)  # how each annotation is in it
        self._dirty_old: list[_Mark] = []  # replaced or removed since, that it may show
        self._content = QRectF()  # the part of the image painted on, in its logical pixels
        self._version = 0
        self._render_seconds = 0.0
        self._settle = QTimer()
        self._settle.setSingleShot(True)
        self._settle.setInterval(RERENDER_DELAY_MS)
        self._settle.timeout.connect(self._zoom_settled)
        self._zooming = False
        self._settled = False
        self.renders = 0  # whole images drawn (for checks)
        self.partial_renders = 0  # parts of the image drawn again

    # -- content ------------------------------------------------------------------------
    def set_annotations(self, annotations: Sequence[Annotation], projection: Projection) -> None:
        """All the annotations, in the model's order (later ones are drawn above earlier ones
        of the same layer: areas, lines, arrows, labels, notes). Every cache is rebuilt."""
        self.projection = projection
        self._marks = [_Mark(a, projection) for a in annotations]
        self._texts_version += 1
        if self._preview is not None:
            self._preview = _Mark(self._preview.ann, projection)
        self._reindex()
        self.invalidate()

    def update_annotations(self, annotations: Sequence[Annotation], changed_ids: Collection[str]) -> None:
        """The new list of all the annotations, of which only ``changed_ids`` were added or
        changed (an id missing now was removed): only their caches are rebuilt, and only their
        pixels are drawn again."""
        changed = set(changed_ids)
        if self._update_in_place(annotations, changed):
            return
        old = {m.ann.id: (m, int(s)) for m, s in zip(self._marks, self._state_of_image())}
        marks, state = [], []
        for a in annotations:
            mark, was = old.pop(a.id, (None, ABSENT))
            if mark is None or a.id in changed:
                if mark is not None and was != ABSENT:
                    self._dirty_old.append(mark)
                mark, was = _Mark(a, self.projection), ABSENT
            else:
                mark.ann = a
            marks.append(mark)
            state.append(was)
        self._dirty_old += [mark for mark, was in old.values() if was != ABSENT]
        self._marks = marks
        self._texts_version += 1
        self._reindex()
        self._image_state = np.array(state, np.int8)
        self.update()

    def text_rects(self, transform: QTransform) -> np.ndarray:
        """Device rectangles (left, top, right, bottom) of the texts drawn now under ``transform``
        (plot to device): notes, labels and the captions of shapes, which unit labels keep clear
        of. The same array while nothing changed (those of attached notes are added each time).

        Each mark's rectangle is kept per zoom, without the view's translation (a text's place
        is affine in the view), so a pan or an edit measures nothing again but what changed."""
        drawn = self.drawn_mask()
        m11, m12, m21, m22, dx, dy = _transform_values(transform)
        key = (m11, m12, m21, m22, dx, dy, self._texts_version, drawn.tobytes())
        if self._text_rects_key != key:
            fixed = np.flatnonzero(drawn & (self._attached < 0)) if len(self._attached) else np.flatnonzero(drawn)
            measured = self._text_at_origin.start(transform, self.name_mode, len(self._marks))
            rows = [r for r in (measured(self._marks[i], self._text_rect) for i in fixed.tolist()) if r is not None]
            self._text_rects = np.array(rows, dtype=float).reshape(-1, 4) + np.array((dx, dy, dx, dy))
            self._text_rects_key = key
        moving = np.flatnonzero(drawn & (self._attached >= 0)) if len(self._attached) else ()
        if not len(moving):
            return self._text_rects
        rects = [r for r in (self._text_rect(self._marks[i], transform) for i in moving) if r is not None]
        return np.concatenate((self._text_rects, np.array(rects, dtype=float).reshape(-1, 4)))

    def _text_rect(self, mark: _Mark, transform: QTransform) -> tuple[float, float, float, float] | None:
        sprite = self._sprite(mark)
        if sprite is None:
            return None
        if mark.kind in POINT_KINDS:
            box = self._text_place(mark, transform)[1]
        else:
            box = self._shape_text_rect(mark, transform, sprite)
        return None if box is None else (box.left(), box.top(), box.right(), box.bottom())

    def _update_in_place(self, annotations: Sequence[Annotation], changed: set[str]) -> bool:
        """The common edit: the same annotations in the same order, a few of them changed. Only
        their rows are rebuilt (False, and nothing done, for any other change)."""
        marks = self._marks
        if len(annotations) != len(marks) or any(m.ann.id != a.id for m, a in zip(marks, annotations)):
            return False
        state = self._state_of_image().copy()
        layers_before = [m.layer for m in marks]
        rows = [i for i, a in enumerate(annotations) if a.id in changed]
        for i, a in enumerate(annotations):
            if a.id not in changed:  # a changed one keeps its old text and place: its old pixels go
                marks[i].ann = a
        for i in rows:
            if state[i] != ABSENT:
                self._dirty_old.append(marks[i])
            state[i] = ABSENT
            mark = marks[i] = _Mark(annotations[i], self.projection)
            a = mark.ann
            self._starts[i] = -math.inf if a.start is None else a.start
            self._ends[i] = math.inf if a.end is None else a.end
            self._bbox[i] = mark.bbox
            self._pad[i] = mark.pad
        if any(marks[i].layer != layers_before[i] for i in rows):
            layers = np.array([m.layer for m in marks], dtype=np.int64)
            order = np.lexsort((np.arange(len(marks)), layers))
            self._order = order[layers[order] >= 0]
            self._drawable = layers >= 0
        self._with_unit = [i for i, m in enumerate(marks) if m.ann.unit_id is not None and m.kind in POINT_KINDS]
        self.active = in_span(self._starts, self._ends, self.time) & self._drawable
        self._attach()
        self._refresh_dynamic()
        self._image_state = state
        self._texts_version += 1
        self.update()
        return True

    def _state_of_image(self) -> np.ndarray:
        if len(self._image_state) != len(self._marks):
            return np.zeros(len(self._marks), np.int8)
        return self._image_state

    def _reindex(self) -> None:
        marks = self._marks
        self._pos = {m.ann.id: i for i, m in enumerate(marks)}
        n = len(marks)
        self._starts = np.array([-math.inf if m.ann.start is None else m.ann.start for m in marks], dtype=float)
        self._ends = np.array([math.inf if m.ann.end is None else m.ann.end for m in marks], dtype=float)
        self._bbox = np.array([m.bbox for m in marks], dtype=float).reshape(n, 4)
        self._pad = np.array([m.pad for m in marks], dtype=float)
        layers = np.array([m.layer for m in marks], dtype=np.int64)
        order = np.lexsort((np.arange(n), layers))  # by layer, then in the model's order
        self._order = order[layers[order] >= 0]
        self._drawable = layers >= 0
        self._with_unit = [i for i, m in enumerate(marks) if m.ann.unit_id is not None and m.kind in POINT_KINDS]
        self.active = in_span(self._starts, self._ends, self.time) & self._drawable
        self._attached = np.zeros(0, np.int64)
        self._attach()
        self._refresh_dynamic()
        self._image_state = np.zeros(n, np.int8)

    # -- state ----------------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        """Show the annotations whose span contains ``t``."""
        self.time = t
        active = in_span(self._starts, self._ends, t)
        active &= self._drawable
        if not np.array_equal(active, self.active):
            self.active = active
            self.update()

    def set_editing(self, on: bool) -> None:
        """While annotating, those out of their span are drawn faintly instead of hidden."""
        if on != self.editing:
            self.editing = on
            self.update()

    def set_name_mode(self, mode: str) -> None:
        """The language of the texts: "en", "zh" or "both"."""
        if mode != self.name_mode:
            self.name_mode = mode
            self._texts_version += 1
            self.invalidate()

    def set_unit_positions(self, x: np.ndarray, y: np.ndarray, index: Mapping[str, int]) -> None:
        """Plot coordinates of the units (``index`` gives each unit id's row): a note or label
        attached to a unit with a finite position is drawn there."""
        self._unit_x, self._unit_y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self._unit_index = index
        if self._attach():
            self._refresh_dynamic()
        if (self._attached >= 0).any() or (self._preview is not None and self._preview.ann.unit_id):
            self.update()

    def set_selected(self, annotation_id: str | None) -> None:
        """Highlight an annotation and show its handles (None: no selection)."""
        if annotation_id != self.selected:
            self.selected = annotation_id
            self._refresh_dynamic()
            self.update()

    def set_preview(self, annotation: Annotation | None) -> None:
        """An annotation drawn on top (a drawing in progress, or a dragged copy), in place of the
        stored one with its id while it is set."""
        self._preview = None if annotation is None else _Mark(annotation, self.projection)
        self._refresh_dynamic()
        self.update()

    def _attach(self) -> bool:
        """Resolve the units the notes and labels follow; True if that changed."""
        index, count = self._unit_index, len(self._unit_x)
        attached = np.full(len(self._marks), -1, np.int64)
        for i in self._with_unit:
            k = index.get(self._marks[i].ann.unit_id)
            if k is not None and 0 <= k < count:
                attached[i] = k
        changed = not np.array_equal(attached, self._attached)
        self._attached = attached
        return changed

    def _refresh_dynamic(self) -> None:
        """Which stored annotations are drawn on every paint rather than in the image."""
        dynamic = self._attached >= 0
        preview = self._preview.ann.id if self._preview is not None else None
        i = self._pos.get(preview) if preview is not None else None
        if i is not None:
            dynamic[i] = True
        self._dynamic = dynamic

    def invalidate(self) -> None:
        """Draw the whole image again at the next paint."""
        self._version += 1
        self.update()

    # -- queries --------------------------------------------------------------------------
    def drawn_mask(self) -> np.ndarray:
        """The stored annotations drawn now (in span, or all while editing), wherever the view is."""
        return self._drawable.copy() if self.editing else self.active.copy()

    def drawn_ids(self) -> list[str]:
        """Ids of the stored annotations drawn now, in the model's order (a preview aside)."""
        return [self._marks[i].ann.id for i in np.flatnonzero(self.drawn_mask())]

    def faint_ids(self) -> list[str]:
        """Ids of those drawn faintly (out of their span, while editing)."""
        if not self.editing:
            return []
        return [self._marks[i].ann.id for i in np.flatnonzero(self._drawable & ~self.active)]

    def _target_state(self) -> np.ndarray:
        """How each stored annotation should be in the image now."""
        still = self.drawn_mask() & ~self._dynamic
        return np.where(still, np.where(self.active, FULLY, FAINTLY), ABSENT).astype(np.int8)

    def _stack(self) -> list[_Mark]:
        """What is drawn, bottom to top, as painted: the image's marks, those drawn on every
        paint, then the preview."""
        drawn = self.drawn_mask()
        order = self._order[drawn[self._order]]
        dynamic = self._dynamic[order]
        preview = self._preview
        skip = preview.ann.id if preview is not None else None
        on_top = self._selected_in_image()  # drawn again over everything
        marks = [self._marks[i] for i in order[~dynamic] if self._marks[i] is not on_top]
        marks += [self._marks[i] for i in order[dynamic] if self._marks[i].ann.id != skip]
        if on_top is not None:
            marks.append(on_top)
        if preview is not None and preview.layer >= 0:
            marks.append(preview)
        return marks

    def _selected_in_image(self) -> _Mark | None:
        """The selected annotation when it is drawn in the image (neither dragged nor attached):
        it stays there, so that selecting draws nothing again, and is drawn once more on top,
        over its highlight."""
        mark = self._selected_mark()
        if mark is None or mark is self._preview:
            return None
        i = self._pos.get(mark.ann.id)
        return mark if i is not None and not self._dynamic[i] else None

    def _selected_mark(self) -> _Mark | None:
        """The selected annotation as drawn (its preview when there is one), if it is drawn."""
        if self.selected is None:
            return None
        if self._preview is not None and self._preview.ann.id == self.selected:
            return self._preview if self._preview.layer >= 0 else None
        i = self._pos.get(self.selected)
        if i is None or not self.drawn_mask()[i]:
            return None
        return self._marks[i]

    def _unit_point(self, mark: _Mark) -> tuple[float, float] | None:
        """Plot position of the unit a note or label follows, when it has one."""
        if mark.kind not in POINT_KINDS or mark.ann.unit_id is None:
            return None
        k = self._unit_index.get(mark.ann.unit_id)
        if k is None or not 0 <= k < len(self._unit_x):
            return None
        x, y = float(self._unit_x[k]), float(self._unit_y[k])
        return (x, y) if math.isfinite(x) and math.isfinite(y) else None

    def annotation_at(self, scene_pos: QPointF) -> str | None:
        """Id of the topmost drawn annotation under a scene position: within a few pixels of a
        line or outline, inside an area, rectangle or circle, or on a text or a note's pin."""
        if self.scene() is None:
            return None
        transform = self.sceneTransform()
        scale = math.hypot(transform.m11(), transform.m12())
        inverse, ok = transform.inverted()
        if scale <= 0 or not ok:
            return None
        x, y = scene_pos.x(), scene_pos.y()
        p = inverse.map(scene_pos)
        for mark in reversed(self._stack()):
            if mark.kind not in POINT_KINDS or self._unit_point(mark) is None:
                x0, y0, x1, y1 = mark.bbox  # a quick test in plot coordinates first
                reach = (mark.pad + HIT_TOLERANCE) / scale
                if not (x0 - reach <= p.x() <= x1 + reach and y0 - reach <= p.y() <= y1 + reach):
                    continue
            if self._hit(mark, transform, scale, x, y):
                return mark.ann.id
        return None

    def _hit(self, mark: _Mark, transform: QTransform, scale: float, x: float, y: float) -> bool:
        tol = HIT_TOLERANCE
        kind = mark.kind
        if kind in POINT_KINDS:
            pin, box = self._text_place(mark, transform)
            if box is not None and box.adjusted(-tol / 2, -tol / 2, tol / 2, tol / 2).contains(QPointF(x, y)):
                return True
            return kind == "note" and math.hypot(pin.x() - x, pin.y() - y) <= PIN_RADIUS + tol
        px, py = device_points(transform, mark.pts[:, 0], mark.pts[:, 1])
        width = mark.pen.widthF()
        if kind == "circle":
            if math.hypot(px[0] - x, py[0] - y) <= mark.radius * scale + width / 2 + tol:
                return True
        elif kind in POLYGON_KINDS:
            polygon = QPolygonF([QPointF(a, b) for a, b in zip(px.tolist(), py.tolist())])
            if polygon.containsPoint(QPointF(x, y), Qt.FillRule.OddEvenFill):
                return True
            if _segment_distance(np.append(px, px[0]), np.append(py, py[0]), x, y) <= width / 2 + tol:
                return True
        else:
            if kind == "arrow":
                body, length, _half = _arrow_sizes(width)
                width = body
                ends = {"end": [-1], "both": [-1, 0]}.get(mark.ann.arrowhead, [])
                if any(math.hypot(px[k] - x, py[k] - y) <= length * 0.75 + tol for k in ends):
                    return True
            if _segment_distance(px, py, x, y) <= width / 2 + tol:
                return True
        sprite = self._sprite(mark)  # the text on the shape
        return sprite is not None and self._shape_text_rect(mark, transform, sprite).contains(QPointF(x, y))

    def handle_positions(self) -> list[QPointF]:
        """Scene positions of the selected annotation's handles (see :meth:`handle_at`)."""
        mark = self._selected_mark()
        if mark is None or self.scene() is None:
            return []
        return [self.sceneTransform().map(QPointF(hx, hy)) for hx, hy in self._handles(mark)]

    def handle_at(self, scene_pos: QPointF) -> int | None:
        """Index of the selected annotation's handle under a scene position (the nearest within
        6 px): the vertex index of a line, or of a polygon's ring without its closing repeat
        (a rectangle's corners 0–3); for a circle 0 is the centre and 1 the radius handle (east
        of the centre); for a note or label 0 is its point."""
        best, best_d = None, HANDLE_RADIUS
        for k, h in enumerate(self.handle_positions()):
            d = math.hypot(h.x() - scene_pos.x(), h.y() - scene_pos.y())
            if d <= best_d:
                best, best_d = k, d
        return best

    def _handles(self, mark: _Mark) -> list[tuple[float, float]]:
        """Handle positions in plot coordinates."""
        if mark.kind == "circle":
            cx, cy = mark.pts[0]
            return [(float(cx), float(cy)), (float(cx) + mark.radius, float(cy))]
        if mark.kind in POINT_KINDS:
            at = self._unit_point(mark)
            return [at if at is not None else mark.anchor]
        return [(float(a), float(b)) for a, b in mark.pts]

    # -- texts ----------------------------------------------------------------------------
    def _sprite(self, mark: _Mark, dpr: float | None = None) -> QPixmap | None:
        """The mark's text sprite for the name mode (None when it has no text); made once per
        text, colour and pixel ratio. Without ``dpr`` (to measure it) any ratio does."""
        text = annotation_text(mark.ann, self.name_mode)
        if not text:
            return None
        key = mark.sprite_key
        fresh = mark.sprite is not None and key is not None and key[:2] == (text, mark.ann.colour)
        if fresh and (dpr is None or key[2] == dpr):
            return mark.sprite
        dpr = dpr or 1.0
        if mark.kind == "note":
            sprite = note_sprite(text, mark.colour, dpr)
        elif mark.kind == "label":
            sprite = halo_text_sprite(text, mark.colour, dpr, 15, True, LABEL_WRAP)
        else:
            sprite = halo_text_sprite(text, style.darker(mark.colour, 0.8), dpr, 12, False, SHAPE_TEXT_WRAP, True)
        mark.sprite, mark.sprite_key = sprite, (text, mark.ann.colour, dpr)
        # now that the text's size is known, cull with it
        w, h = self._sprite_size(sprite)
        if mark.kind == "note":
            mark.pad = NOTE_OFFSET + max(w, h) + 2.0
        elif mark.kind == "label":
            mark.pad = max(w, h) / 2 + 2.0
        else:
            mark.pad = mark.reach + max(w, h) + mark.pen.widthF() + 2.0
        i = self._pos.get(mark.ann.id)
        if i is not None and self._marks[i] is mark:
            self._pad[i] = mark.pad
        return sprite

    @staticmethod
    def _sprite_size(sprite: QPixmap) -> tuple[float, float]:
        dpr = sprite.devicePixelRatio() or 1.0
        return sprite.width() / dpr, sprite.height() / dpr

    def _text_place(self, mark: _Mark, transform: QTransform) -> tuple[QPointF, QRectF | None]:
        """Device position of a note's pin (a label's point) and the rectangle of its text."""
        at = self._unit_point(mark)
        attached = at is not None
        pin = transform.map(QPointF(*(at if attached else mark.anchor)))
        sprite = self._sprite(mark)
        if sprite is None:
            return pin, None
        w, h = self._sprite_size(sprite)
        if mark.kind == "label":
            if attached:  # under the unit's symbol, clear of it
                return pin, QRectF(pin.x() - w / 2, pin.y() + ATTACHED_OFFSET * 0.7, w, h)
            return pin, QRectF(pin.x() - w / 2, pin.y() - h / 2, w, h)
        off = ATTACHED_OFFSET if attached else NOTE_OFFSET
        return pin, QRectF(pin.x() + off, pin.y() - off - h, w, h)

    def _shape_text_rect(self, mark: _Mark, transform: QTransform, sprite: QPixmap) -> QRectF:
        w, h = self._sprite_size(sprite)
        c = transform.map(QPointF(*mark.anchor))
        if mark.kind in LINE_KINDS:  # just above the line
            return QRectF(c.x() - w / 2, c.y() - h - mark.pen.widthF() / 2 - 1, w, h)
        # An area's text goes above it, as a caption: its middle is where the units it is about
        # stand, and their symbols and names would hide the text or be hidden by it.
        x0, y0, x1, y1 = mark.bbox
        top = min(transform.map(QPointF(x, y)).y() for x in (x0, x1) for y in (y0, y1))
        return QRectF(c.x() - w / 2, top - mark.reach - h - 1, w, h)

    def _mark_rect(self, mark: _Mark, t: QTransform) -> QRectF:
        """The device rectangle a mark of the image paints in (``t``: plot to device); kept per
        zoom without the view's translation (a note that follows a unit is measured each time)."""
        if mark.kind in POINT_KINDS and self._unit_point(mark) is not None:
            return self._measure_mark_rect(mark, t)
        measured = self._rect_at_origin.start(t, self.name_mode, len(self._marks))
        return measured(mark, self._measure_mark_rect).translated(t.dx(), t.dy())

    def _measure_mark_rect(self, mark: _Mark, t: QTransform) -> QRectF:
        if mark.kind in POINT_KINDS:
            pin, box = self._text_place(mark, t)
            r = PIN_RADIUS + 2.0
            rect = QRectF(pin.x() - r, pin.y() - r, 2 * r, 2 * r)
            return rect.united(box) if box is not None else rect
        x0, y0, x1, y1 = mark.bbox
        rect = t.mapRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        rect.adjust(-mark.reach, -mark.reach, mark.reach, mark.reach)
        sprite = self._sprite(mark)
        return rect.united(self._shape_text_rect(mark, t, sprite)) if sprite is not None else rect

    # -- painting -------------------------------------------------------------------------
    def paint(self, p: QPainter, *args) -> None:
        device = p.device()
        view_w, view_h = self.view_size()
        if device is None or view_w <= 0:
            return
        t = p.transform()
        dpr = device.devicePixelRatio()
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self._paint_image(p, t, view_w, view_h, dpr)
        self._paint_dynamic(p, t, dpr)
        p.restore()

    def _paint_image(self, p: QPainter, t: QTransform, view_w: float, view_h: float, dpr: float) -> None:
        """Blit the image of the annotations that stay put, after bringing it up to date."""
        target = self._target_state()
        if not target.any() and not self._image_state.any():
            self._image, self._dirty_old = None, []
            return
        key = (t.m11(), t.m12(), t.m21(), t.m22(), dpr, self._version)
        if self._image is None or key != self._image_key:
            zoom_only = self._image is not None and self._image_key is not None and key[4:] == self._image_key[4:]
            if zoom_only and not self._settled and (self._zooming or self._render_seconds > SLOW_RENDER_S):
                # drawing takes a while: show the old image scaled until the zoom settles
                self._zooming = True
                self._settle.start()
                self._paint_stale(p, t)
                return
            self._render_all(t, view_w, view_h, dpr, 0, target)
            self._image_key = key
            self._zooming = self._settled = False
        else:
            x, y = self._offset(t)
            w, h = self._image_size()
            if x > 0 or y > 0 or x + w < view_w or y + h < view_h:
                self._render_pan(t, view_w, view_h, dpr)
            self._render_changes(target)
        if self._content.isEmpty():
            return
        x, y = self._offset(t)
        src, image_dpr = self._content, self._image.devicePixelRatio()
        p.resetTransform()
        p.drawImage(
            src.translated(x, y),
            self._image,
            QRectF(src.x() * image_dpr, src.y() * image_dpr, src.width() * image_dpr, src.height() * image_dpr),
        )

    def _offset(self, t: QTransform) -> tuple[int, int]:
        """Where the image's top left corner is on the device (whole pixels)."""
        return round(t.dx() - self._image_t.dx()), round(t.dy() - self._image_t.dy())

    def _image_size(self) -> tuple[float, float]:
        image = self._image
        dpr = image.devicePixelRatio() or 1.0
        return image.width() / dpr, image.height() / dpr

    def _paint_stale(self, p: QPainter, t: QTransform) -> None:
        """The image drawn for another zoom, scaled to this one (a stand-in while zooming)."""
        inverse, ok = self._image_t.inverted()
        if not ok or self._content.isEmpty():
            return
        p.setTransform(inverse * t)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        src, dpr = self._content, self._image.devicePixelRatio()
        p.drawImage(src, self._image, QRectF(src.x() * dpr, src.y() * dpr, src.width() * dpr, src.height() * dpr))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.resetTransform()

    def _zoom_settled(self) -> None:
        self._settled = True  # draw the image afresh at the next paint
        self.update()

    def _render_all(self, t: QTransform, view_w: float, view_h: float, dpr: float, margin: int, target) -> None:
        """Draw the whole image: the viewport and ``margin`` px around it."""
        began = time.perf_counter()
        self._image = new_image(view_w + 2 * margin, view_h + 2 * margin, dpr)
        self._image_t = t * QTransform.fromTranslate(margin, margin)
        self._content = QRectF()
        self._image_state = target.copy()
        self._dirty_old = []
        self._draw_into(None, target)
        self.renders += 1
        self._render_seconds = time.perf_counter() - began

    def _render_pan(self, t: QTransform, view_w: float, view_h: float, dpr: float) -> None:
        """The view moved past the image: a new image, with a margin, around the view; what the
        old one holds is copied, the strips it lacks are drawn."""
        old, old_t = self._image, self._image_t
        old_w, old_h = self._image_size()
        m = self.MARGIN
        # the new image is the old one moved by whole pixels, so that it can be copied as is
        dx, dy = round(t.dx() + m - old_t.dx()), round(t.dy() + m - old_t.dy())
        image = new_image(view_w + 2 * m, view_h + 2 * m, dpr)
        painter = QPainter(image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(QPointF(dx, dy), old)
        painter.end()
        self._image = image
        self._image_t = QTransform(old_t.m11(), old_t.m12(), old_t.m21(), old_t.m22(), old_t.dx() + dx, old_t.dy() + dy)
        w, h = self._image_size()
        bounds = QRectF(0, 0, w, h)
        self._content = self._content.translated(dx, dy).intersected(bounds)
        region = QRegion(QRect(0, 0, math.ceil(w), math.ceil(h))).subtracted(
            QRegion(QRect(dx, dy, math.floor(old_w), math.floor(old_h)))
        )
        self._draw_into(region, self._image_state)
        self.partial_renders += 1

    def _render_changes(self, target: np.ndarray) -> None:
        """Draw again the pixels of the annotations shown differently since the image was drawn
        (or replaced, or removed), with what else lies there."""
        changed = np.flatnonzero(target != self._image_state)
        if not len(changed) and not self._dirty_old:
            return
        w, h = self._image_size()
        marks = [self._marks[i] for i in changed.tolist()] + self._dirty_old
        region = QRegion()
        area = 0.0 if len(marks) <= 150 else math.inf  # so many: not worth measuring them
        bounds = QRectF(0, 0, w, h)
        for mark in marks if math.isfinite(area) else ():
            rect = self._mark_rect(mark, self._image_t).adjusted(-1, -1, 1, 1).intersected(bounds)
            if not rect.isEmpty():
                area += rect.width() * rect.height()
                region = region.united(rect.toAlignedRect())
        self._image_state = target.copy()
        self._dirty_old = []
        if area > 0.5 * w * h:  # most of it: draw it all
            self._image.fill(Qt.GlobalColor.transparent)
            self._content = QRectF()
            self._draw_into(None, target)
            self.renders += 1
        elif not region.isEmpty():
            self._draw_into(region, target)
            self.partial_renders += 1

    def _draw_into(self, region: QRegion | None, state: np.ndarray) -> None:
        """Draw the marks in ``state`` into the image, within ``region`` (None: everywhere)."""
        image, T = self._image, self._image_t
        w, h = self._image_size()
        order = self._order[state[self._order] != ABSENT]
        rects = [QRectF(r) for r in region] if region is not None else [QRectF(0, 0, w, h)]
        # the marks that may reach the region (bounding boxes grown by their reach)
        scale = math.hypot(T.m11(), T.m12())
        xs, ys = device_points(T, self._bbox[order][:, [0, 2]], self._bbox[order][:, [1, 3]])
        pad = self._pad[order]
        left, right = xs.min(axis=1) - pad, xs.max(axis=1) + pad
        top, bottom = ys.min(axis=1) - pad, ys.max(axis=1) + pad
        hit = np.zeros(len(order), bool)
        for r in rects:
            hit |= (left <= r.right()) & (right >= r.left()) & (top <= r.bottom()) & (bottom >= r.top())
        if scale <= 0:
            hit[:] = False
        if region is not None:
            # the bounds above allow for the longest text in every direction: test the marks they
            # let through against where each really paints (a partial redraw draws ~10× fewer)
            for k in np.flatnonzero(hit).tolist():
                painted = self._mark_rect(self._marks[order[k]], T).adjusted(-1, -1, 1, 1)
                hit[k] = any(painted.intersects(r) for r in rects)
        painter = QPainter(image)
        if region is not None:
            painter.setClipRegion(region)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            painter.fillRect(region.boundingRect(), Qt.GlobalColor.transparent)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        dpr = image.devicePixelRatio()
        for i in order[hit].tolist():
            self._draw(painter, self._marks[i], T, dpr, state[i] == FAINTLY)
        painter.end()
        if hit.any():  # the part of the image painted on, for the blit
            reach = QRectF(float(left[hit].min()), float(top[hit].min()), 0.0, 0.0)
            reach.setRight(float(right[hit].max()))
            reach.setBottom(float(bottom[hit].max()))
            if region is not None:
                reach = reach.intersected(QRectF(region.boundingRect()))
            self._content = self._content.united(reach.intersected(QRectF(0, 0, w, h)).toAlignedRect().toRectF())

    def _paint_dynamic(self, p: QPainter, t: QTransform, dpr: float) -> None:
        """Attached notes and labels, the selected annotation and the preview, over the image."""
        moving = self._dynamic & self.drawn_mask()
        preview = self._preview
        selected = self._selected_mark()
        if not moving.any() and preview is None and selected is None:
            return
        on_top = self._selected_in_image()
        p.resetTransform()
        skip = preview.ann.id if preview is not None else None
        for i in self._order[moving[self._order]].tolist():
            mark = self._marks[i]
            if mark.ann.id == skip:
                continue
            if mark is selected:
                self._draw_glow(p, mark, t, dpr)
            self._draw(p, mark, t, dpr, not self.active[i])
        if on_top is not None:  # in the image already: its highlight, then its lines again (not its fill)
            self._draw_glow(p, on_top, t, dpr)
            self._draw(p, on_top, t, dpr, not self.active[self._pos[on_top.ann.id]], fill=False)
        if preview is not None and preview.layer >= 0:
            if preview is selected:
                self._draw_glow(p, preview, t, dpr)
            self._draw(p, preview, t, dpr, False)
        if selected is not None:
            self._draw_handles(p, selected, t)

    def _draw(self, p: QPainter, mark: _Mark, t: QTransform, dpr: float, faint: bool, fill: bool = True) -> None:
        """Paint one annotation; ``p`` has no transform (device pixels), ``t`` maps plot to device.
        ``fill=False``: its lines and text only (drawn again over itself)."""
        if mark.kind in POINT_KINDS:
            if faint:
                p.setOpacity(FAINT)
            self._draw_text_mark(p, mark, t, dpr)
            p.setOpacity(1.0)
            return
        shapes = _outlines(mark, t)
        # faint: paler colours and no halo rather than the painter's opacity, with which Qt
        # fills several times slower
        colour, brush = (mark.faint_colour, mark.faint_fill) if faint else (mark.colour, mark.fill)
        p.setTransform(QTransform.fromTranslate(t.dx(), t.dy()))  # the outlines are at this zoom
        p.setPen(Qt.PenStyle.NoPen)
        if shapes.fill is not None and fill:
            # the fill's edge lies under the outline's halo: no need to antialias it (~3× faster)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            if brush is not None:
                p.setBrush(brush)
                p.drawPath(shapes.fill)
            if mark.hatch is not None:  # a texture follows the painter's translation: it stays on the map
                if faint:
                    p.setOpacity(FAINT)
                p.setBrush(hatch_brush(mark.hatch, dpr))
                p.drawPath(shapes.fill)
                p.setOpacity(1.0)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if not faint:
            p.setBrush(LINE_HALO)
            p.drawPath(shapes.halo)
            for head in shapes.head_halos:
                p.drawPolygon(head)
        p.setBrush(colour)
        p.drawPath(shapes.line)
        for head in shapes.heads:
            p.drawPolygon(head)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.resetTransform()
        sprite = self._sprite(mark, dpr)
        if sprite is not None:
            if faint:
                p.setOpacity(FAINT)
            p.drawPixmap(_rounded(self._shape_text_rect(mark, t, sprite).topLeft()), sprite)
            p.setOpacity(1.0)

    def _draw_text_mark(self, p: QPainter, mark: _Mark, t: QTransform, dpr: float) -> None:
        sprite = self._sprite(mark, dpr)
        pin, box = self._text_place(mark, t)
        if mark.kind == "note":
            attached = self._unit_point(mark) is not None
            if box is not None:  # the leader from the pin to the box's corner
                p.setPen(QPen(mark.colour, 1.3))
                p.drawLine(pin, QPointF(box.left() + 3, box.bottom() - 3))
            p.setPen(QPen(QColor(255, 255, 255), 1.5))
            p.setBrush(mark.colour)
            r = PIN_RADIUS * (0.75 if attached else 1.0)
            p.drawEllipse(pin, r, r)
            p.setBrush(Qt.BrushStyle.NoBrush)
        if box is not None and sprite is not None:
            p.drawPixmap(_rounded(box.topLeft()), sprite)

    def _draw_glow(self, p: QPainter, mark: _Mark, t: QTransform, dpr: float) -> None:
        """The selection's highlight, under the selected annotation."""
        glow = _pen(SELECTION_GLOW, mark.pen.widthF() + 9.0)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if mark.kind in POINT_KINDS:
            self._sprite(mark, dpr)
            pin, box = self._text_place(mark, t)
            glow.setWidthF(6.0)
            p.setPen(glow)
            if box is not None:
                p.drawRoundedRect(box.adjusted(-1.5, -1.5, -1.0, -1.0), 5, 5)
            p.drawEllipse(pin, PIN_RADIUS + 2, PIN_RADIUS + 2)
            return
        if mark.kind == "arrow":
            glow.setWidthF(_arrow_sizes(mark.pen.widthF())[0] + 9.0)
        p.setPen(glow)
        p.drawPath(t.map(mark.path))

    def _draw_handles(self, p: QPainter, mark: _Mark, t: QTransform) -> None:
        handles = self._handles(mark)
        if mark.kind == "circle" and len(handles) == 2:  # the radius, as a thin dashed line
            p.setPen(QPen(SELECTION, 1.2, Qt.PenStyle.DashLine))
            p.drawLine(t.map(QPointF(*handles[0])), t.map(QPointF(*handles[1])))
        p.setPen(QPen(SELECTION, 1.5))
        p.setBrush(QColor(255, 255, 255))
        s = HANDLE_SIZE
        for hx, hy in handles:
            d = t.map(QPointF(hx, hy))
            p.drawRect(QRectF(round(d.x()) - s / 2, round(d.y()) - s / 2, s, s))
        p.setBrush(Qt.BrushStyle.NoBrush)


class _PerZoom:
    """Something measured of each mark under the view's transform less its translation (a
    mark's texts and outlines are affine in the view), kept while the zoom and the language
    stay: a pan or an edit measures only the marks it changed (changed marks are new objects)."""

    def __init__(self) -> None:
        self._scale: tuple | None = None
        self._values: dict[_Mark, object] = {}

    def start(self, t: QTransform, language: str, marks: int) -> Callable:
        """``measured(mark, measure)`` for this transform: ``measure(mark, transform at the
        origin)`` once per mark and zoom."""
        m11, m12, m21, m22, _dx, _dy = _transform_values(t)
        scale = (m11, m12, m21, m22, language)
        if scale != self._scale or len(self._values) > 2 * marks + 64:  # another zoom, or many replaced
            self._scale, self._values = scale, {}
        values, origin = self._values, QTransform(m11, m12, m21, m22, 0.0, 0.0)

        def measured(mark: _Mark, measure: Callable):
            if mark not in values:
                values[mark] = measure(mark, origin)
            return values[mark]

        return measured


def _transform_values(t: QTransform) -> tuple[float, ...]:
    return (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())
