"""Markers of the events happening at the current time: one glyph per kind, one batched paint."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from ...model.featured import EVENT_SHOWN
from ...model.records import Event
from .geo import Projection, device_points
from .overlay import OverlayItem
from .painting import AtlasBuilder, Fragments, new_image

#: Event kinds drawn on the map, with the colour of their glyph's ring.
MARKED_KINDS: dict[str, QColor] = {
    "engagement": QColor(185, 28, 28),
    "bombardment": QColor(194, 65, 12),
    "air_strike": QColor(126, 34, 206),
    "bridge_destroyed": QColor(120, 53, 15),
    "river_crossing": QColor(3, 105, 161),
    "encirclement": QColor(190, 18, 60),
    "breakout": QColor(161, 98, 7),
}
GLYPH = 24.0  # px, diameter of a marker
INK = QColor(31, 41, 55)


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _draw_glyph(p: QPainter, kind: str, c: float, r: float) -> None:
    """The pictogram of a kind, centred on (c, c) within radius r, in ink."""
    p.setBrush(Qt.BrushStyle.NoBrush)
    if kind == "engagement":  # crossed swords
        p.setPen(_pen(INK, 2.0))
        for s in (1, -1):
            p.drawLine(QPointF(c - s * r * 0.62, c - r * 0.62), QPointF(c + s * r * 0.55, c + r * 0.55))
            hx, hy = c + s * r * 0.30, c + r * 0.30  # cross-guard
            p.drawLine(QPointF(hx - r * 0.2, hy + s * r * 0.2), QPointF(hx + r * 0.2, hy - s * r * 0.2))
    elif kind in ("bombardment", "breakout"):  # burst
        points = []
        for k in range(16):
            a = math.pi * k / 8
            rr = r * (0.78 if k % 2 == 0 else 0.36)
            points.append(QPointF(c + rr * math.cos(a), c + rr * math.sin(a)))
        p.setPen(_pen(INK, 1.0))
        p.setBrush(QColor(234, 88, 12) if kind == "bombardment" else QColor(202, 138, 4))
        p.drawPolygon(QPolygonF(points))
    elif kind == "air_strike":  # aircraft seen from above, and a falling bomb
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(INK)
        plane = QPainterPath()
        plane.addRoundedRect(QRectF(c - r * 0.1, c - r * 0.75, r * 0.2, r * 1.2), 2, 2)
        plane.addRect(QRectF(c - r * 0.7, c - r * 0.35, r * 1.4, r * 0.18))
        plane.addRect(QRectF(c - r * 0.3, c + r * 0.3, r * 0.6, r * 0.14))
        p.drawPath(plane)
        p.drawEllipse(QPointF(c + r * 0.45, c + r * 0.55), r * 0.12, r * 0.18)
    elif kind == "bridge_destroyed":  # a bridge broken in the middle
        p.setPen(_pen(INK, 2.0))
        p.drawLine(QPointF(c - r * 0.75, c - r * 0.1), QPointF(c - r * 0.15, c - r * 0.1))
        p.drawLine(QPointF(c + r * 0.15, c + r * 0.05), QPointF(c + r * 0.75, c - r * 0.1))
        for x in (-0.55, 0.55):
            p.drawLine(QPointF(c + x * r, c - r * 0.1), QPointF(c + x * r, c + r * 0.35))
        p.setPen(_pen(QColor(37, 99, 235), 1.4))
        wave = QPainterPath(QPointF(c - r * 0.75, c + r * 0.55))
        for k in range(3):
            x0 = c - r * 0.75 + k * r * 0.5
            wave.quadTo(QPointF(x0 + r * 0.125, c + r * 0.4), QPointF(x0 + r * 0.25, c + r * 0.55))
            wave.quadTo(QPointF(x0 + r * 0.375, c + r * 0.7), QPointF(x0 + r * 0.5, c + r * 0.55))
        p.drawPath(wave)
    elif kind == "river_crossing":  # an arrow over waves
        p.setPen(_pen(QColor(37, 99, 235), 1.6))
        for dy in (-0.1, 0.3):
            wave = QPainterPath(QPointF(c - r * 0.7, c + dy * r))
            for k in range(2):
                x0 = c - r * 0.7 + k * r * 0.7
                wave.quadTo(QPointF(x0 + r * 0.175, c + (dy - 0.15) * r), QPointF(x0 + r * 0.35, c + dy * r))
                wave.quadTo(QPointF(x0 + r * 0.525, c + (dy + 0.15) * r), QPointF(x0 + r * 0.7, c + dy * r))
            p.drawPath(wave)
        p.setPen(_pen(INK, 2.0))
        p.drawLine(QPointF(c, c + r * 0.7), QPointF(c, c - r * 0.55))
        p.drawLine(QPointF(c, c - r * 0.7), QPointF(c - r * 0.3, c - r * 0.35))
        p.drawLine(QPointF(c, c - r * 0.7), QPointF(c + r * 0.3, c - r * 0.35))
    elif kind == "encirclement":  # a ring of arrows closing in
        p.setPen(_pen(INK, 1.8))
        p.drawArc(QRectF(c - r * 0.6, c - r * 0.6, r * 1.2, r * 1.2), 30 * 16, 300 * 16)
        p.setBrush(INK)
        tip = QPointF(c + r * 0.6 * math.cos(math.radians(30)), c - r * 0.6 * math.sin(math.radians(30)))
        p.drawPolygon(
            QPolygonF(
                [tip, QPointF(tip.x() - r * 0.35, tip.y() - r * 0.05), QPointF(tip.x() - r * 0.05, tip.y() + r * 0.35)]
            )
        )
        p.drawEllipse(QPointF(c, c), r * 0.16, r * 0.16)


def glyph_image(kind: str, colour: QColor, dpr: float, size: float = GLYPH) -> QImage:
    """A round marker: light disc, coloured ring, pictogram."""
    image = new_image(size + 2, size + 2, dpr)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    c, r = size / 2 + 1, size / 2 - 1
    p.setPen(QPen(colour, 2.0))
    p.setBrush(QColor(255, 253, 247, 235))
    p.drawEllipse(QPointF(c, c), r, r)
    _draw_glyph(p, kind, c, r * 0.82)
    p.end()
    return image


class EventsLayer(OverlayItem):
    """Events current at the time (start ≤ t ≤ end, or up to 12 h after an event without end),
    at their position, with a glyph per kind that fades as the event ages."""

    def __init__(self) -> None:
        super().__init__()
        self.events: tuple[Event, ...] = ()
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.start = np.zeros(0)
        self.end = np.zeros(0)
        self.kind = np.zeros(0, np.int64)
        self.current = np.zeros(0, bool)
        self.time = 0.0
        self._pixmap: QPixmap | None = None
        self._src = np.zeros((0, 4))
        self._dpr = 1.0
        self._frags = Fragments()

    def set_events(self, events: Sequence[Event], proj: Projection, dpr: float) -> None:
        """Keep the events of marked kinds that have a position."""
        kinds = list(MARKED_KINDS)
        chosen = [e for e in events if e.kind in MARKED_KINDS and e.lat is not None and e.lon is not None]
        self.events = tuple(chosen)
        lat = np.array([e.lat for e in chosen], dtype=float)
        lon = np.array([e.lon for e in chosen], dtype=float)
        self.x, self.y = proj.xy(lat, lon)
        self.start = np.array([e.time for e in chosen], dtype=float)
        self.end = np.array([e.end if e.end is not None else e.time + EVENT_SHOWN for e in chosen], dtype=float)
        self.kind = np.array([kinds.index(e.kind) for e in chosen], dtype=np.int64)
        self.current = np.zeros(len(chosen), bool)
        if self._pixmap is None or dpr != self._dpr:
            atlas = AtlasBuilder(dpr)
            for i, (kind, colour) in enumerate(MARKED_KINDS.items()):
                atlas.add(i, glyph_image(kind, colour, dpr))
            self._pixmap, rects = atlas.build()
            self._src = np.array([rects[i] for i in range(len(MARKED_KINDS))], dtype=float)
            self._dpr = dpr
        self.update()

    def set_time(self, t: float) -> None:
        self.time = t
        current = (self.start <= t) & (t <= self.end)
        if current.any() or self.current.any():
            self.current = current
            self.update()

    def paint(self, p: QPainter, *args) -> None:
        idx = np.flatnonzero(self.current)
        if not len(idx) or self._pixmap is None:
            return
        px, py = device_points(p.transform(), self.x[idx], self.y[idx])
        span = np.maximum(self.end[idx] - self.start[idx], 1.0)
        age = np.clip((self.time - self.start[idx]) / span, 0.0, 1.0)
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        f = self._frags.resize(len(idx))
        f[:, 0], f[:, 1] = np.round(px), np.round(py)
        f[:, 2:6] = self._src[self.kind[idx]]
        f[:, 6:8] = 1.0 / self._dpr
        f[:, 8] = 0.0
        f[:, 9] = 0.95 - 0.4 * age
        self._frags.draw(p, self._pixmap)

    def event_at(self, pos: QPointF) -> Event | None:
        """The current event whose marker is under a scene position."""
        idx = np.flatnonzero(self.current)
        if not len(idx) or self.scene() is None:
            return None
        sx, sy = device_points(self.sceneTransform(), self.x[idx], self.y[idx])
        d = np.hypot(sx - pos.x(), sy - pos.y())
        k = int(np.argmin(d))
        return self.events[idx[k]] if d[k] <= GLYPH / 2 + 1 else None
