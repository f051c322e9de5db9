"""Time-spanned map features: front lines, axes of advance (arrows) and hatched areas."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from ...model.records import Feature, Side, Unit
from . import style
from .basemap import StaticLayer
from .geo import Projection, device_points, lines_of, polygons_of

TIMED_KINDS = ("front_line", "axis", "area", "encirclement")


def feature_side(feature: Feature, sides: Sequence[Side], units: Sequence[Unit]) -> int | None:
    """Index of the side a feature belongs to, read from its name, or None when unclear.

    A side is named by the stem of its name ("Japan" → "Japanese") or by a unit name only it
    has ("79th Army"); the side with the most mentions wins, a tie is unclear.
    """
    text = f"{feature.name_en}".lower()
    unit_names: dict[str, set[int]] = {}
    for u in units:
        for j, s in enumerate(sides):
            if u.side_id == s.id and u.name_en:
                unit_names.setdefault(u.name_en.lower(), set()).add(j)
    scores = [0] * len(sides)
    for j, s in enumerate(sides):
        for word in re.findall(r"[a-z]{4,}", s.name_en.lower())[:1]:
            if _starts_word(text, word[:4]):
                scores[j] += 2
    for name, owners in unit_names.items():
        if len(owners) == 1 and _starts_word(text, name):
            scores[next(iter(owners))] += 1
    best = max(scores, default=0)
    if best == 0 or scores.count(best) > 1:
        return None
    return scores.index(best)


def _starts_word(text: str, name: str) -> bool:
    """Whether ``name`` occurs in ``text`` just after a word boundary, as the regex ``\\b`` + name
    would find it (without compiling a pattern per unit name: ≈ 3 ms at start-up)."""
    first_is_word = _is_word(name[0])
    i = text.find(name)
    while i >= 0:
        if (i > 0 and _is_word(text[i - 1])) != first_is_word:
            return True
        i = text.find(name, i + 1)
    return False


def _is_word(char: str) -> bool:
    """A word character in the sense of ``re``'s ``\\w``."""
    return char.isalnum() or char == "_"


class _Shape:
    __slots__ = ("colour", "end", "kind", "lines", "path", "start")

    def __init__(self, kind: str, lines: list[np.ndarray], path: QPainterPath, colour: QColor, start, end) -> None:
        self.kind, self.lines, self.path, self.colour = kind, lines, path, colour
        self.start = -math.inf if start is None else start
        self.end = math.inf if end is None else end


class FeaturesLayer(StaticLayer):
    """Front lines (with teeth), axes of advance (arrows) and translucent or hatched areas, each
    shown only within its time span; coloured by the side their name points to."""

    def __init__(self) -> None:
        super().__init__()
        self._shapes: list[_Shape] = []
        self._starts = np.zeros(0)
        self._ends = np.zeros(0)
        self.active = np.zeros(0, bool)

    def set_features(
        self, features: Sequence[Feature], sides: Sequence[Side], units: Sequence[Unit], proj: Projection
    ) -> None:
        shapes = []
        for f in features:
            if f.kind not in TIMED_KINDS:
                continue
            side = feature_side(f, sides, units)
            colour = QColor(sides[side].colour) if side is not None else style.NEUTRAL_FEATURE
            lines = []
            for line in lines_of(f.geometry):
                x, y = proj.xy(line[:, 1], line[:, 0])
                lines.append(np.column_stack((x, y)))
            path = QPainterPath()
            if f.kind in ("area", "encirclement"):
                for rings in polygons_of(f.geometry):
                    for ring in rings:
                        x, y = proj.xy(ring[:, 1], ring[:, 0])
                        path.addPolygon(QPolygonF([QPointF(a, b) for a, b in zip(x.tolist(), y.tolist())]))
                        path.closeSubpath()
            shapes.append(_Shape(f.kind, lines, path, colour, f.start, f.end))
        self._shapes = shapes
        self._starts = np.array([s.start for s in shapes], dtype=float)
        self._ends = np.array([s.end for s in shapes], dtype=float)
        self.active = np.zeros(len(shapes), bool)

    def set_time(self, t: float) -> bool:
        """Show the features whose span contains ``t``; True if that set changed."""
        active = (self._starts <= t) & (t <= self._ends)
        if np.array_equal(active, self.active):
            return False
        self.active = active
        return True

    def draw(self, p: QPainter, transform: QTransform) -> None:
        if not self.active.any():
            return
        order = {"area": 0, "encirclement": 1, "front_line": 2, "axis": 3}
        shapes = sorted((s for s, on in zip(self._shapes, self.active) if on), key=lambda s: order[s.kind])
        for s in shapes:
            if s.kind in ("area", "encirclement"):
                self._paint_area(p, s)
        p.save()
        p.resetTransform()
        for s in shapes:
            if s.kind == "front_line":
                for line in s.lines:
                    self._paint_front(p, _device_polygon(transform, line), s.colour)
            elif s.kind == "axis":
                for line in s.lines:
                    self._paint_axis(p, _device_polygon(transform, line), s.colour)
        p.restore()

    @staticmethod
    def _paint_area(p: QPainter, s: _Shape) -> None:
        fill = style.with_alpha(s.colour, 22 if s.kind == "area" else 36)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawPath(s.path)
        hatch = QBrush(style.with_alpha(s.colour, 110), Qt.BrushStyle.BDiagPattern)
        if s.kind == "encirclement":
            p.setBrush(hatch)
            p.drawPath(s.path)
        pen = QPen(style.with_alpha(s.colour, 200), 1.6)
        pen.setCosmetic(True)
        pen.setDashPattern([6.0, 3.0] if s.kind == "area" else [1.0, 0.0])
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(s.path)

    @staticmethod
    def _paint_front(p: QPainter, poly: QPolygonF, colour: QColor) -> None:
        for c, w in ((style.PAPER, 6.0), (colour, 3.2)):
            pen = QPen(c, w)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            p.drawPolyline(poly)
        # small teeth on the left of the line's direction (towards the enemy by convention)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        for a, b in zip(poly, list(poly)[1:]):
            dx, dy = b.x() - a.x(), b.y() - a.y()
            length = math.hypot(dx, dy)
            if length < 1:
                continue
            ux, uy = dx / length, dy / length
            steps = int(length // 18)
            for k in range(steps):
                m = QPointF(a.x() + ux * (9 + 18 * k), a.y() + uy * (9 + 18 * k))
                tooth = QPolygonF(
                    [
                        QPointF(m.x() - ux * 4, m.y() - uy * 4),
                        QPointF(m.x() + ux * 4, m.y() + uy * 4),
                        QPointF(m.x() + uy * 6, m.y() - ux * 6),
                    ]
                )
                p.drawPolygon(tooth)

    @staticmethod
    def _paint_axis(p: QPainter, poly: QPolygonF, colour: QColor) -> None:
        if poly.size() < 2:
            return
        end, before = poly[poly.size() - 1], poly[poly.size() - 2]
        dx, dy = end.x() - before.x(), end.y() - before.y()
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        head = 16.0
        shaft = QPolygonF([*list(poly)[:-1], QPointF(end.x() - ux * head * 0.8, end.y() - uy * head * 0.8)])
        for c, w in ((style.with_alpha(style.PAPER, 200), 9.0), (style.with_alpha(colour, 140), 4.5)):
            pen = QPen(c, w)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(shaft)
        arrow = QPolygonF(
            [
                end,
                QPointF(end.x() - ux * head + uy * head * 0.55, end.y() - uy * head - ux * head * 0.55),
                QPointF(end.x() - ux * head - uy * head * 0.55, end.y() - uy * head + ux * head * 0.55),
            ]
        )
        p.setPen(QPen(style.PAPER, 1.5))
        p.setBrush(style.with_alpha(colour, 220))
        p.drawPolygon(arrow)


def _device_polygon(transform, line: np.ndarray) -> QPolygonF:
    x, y = device_points(transform, line[:, 0], line[:, 1])
    return QPolygonF([QPointF(a, b) for a, b in zip(x.tolist(), y.tolist())])
