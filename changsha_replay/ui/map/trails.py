"""Trails: the path the selected units have taken so far (their keyframes up to now, then
where they are now). Trails of every unit at once were tried and read as clutter."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from ...model.tracks import UnitStates, UnitTracks
from .geo import Projection


class TrailsLayer(pg.GraphicsObject):
    """One item, one path per side colour: the trails of the selected units."""

    def __init__(self) -> None:
        super().__init__()
        self._kx = np.zeros(0)
        self._ky = np.zeros(0)
        self._offsets = np.zeros(1, np.int64)
        self._side = np.zeros(0, np.int64)
        self._colours: list[QColor] = []
        self._paths: list[tuple[QPainterPath, QPen]] = []
        self._rect = QRectF()
        self.trail_units: np.ndarray = np.zeros(0, np.int64)  # units with a trail

    def set_tracks(self, tracks: UnitTracks | None, proj: Projection, side: np.ndarray, colours: Sequence[str]) -> None:
        if tracks is None or not len(tracks):
            self._kx = self._ky = np.zeros(0)
            self._offsets = np.zeros(len(side) + 1, np.int64)
        else:
            self._kx, self._ky = proj.xy(np.asarray(tracks.lat), np.asarray(tracks.lon))
            self._offsets = np.asarray(tracks.offsets)
        self._side = side
        self._colours = [QColor(c) for c in colours] or [QColor("#6b7280")]
        self._set_paths([])

    def set_state(
        self, state: UnitStates, x: np.ndarray, y: np.ndarray, selected: np.ndarray, shown: np.ndarray
    ) -> None:
        """Rebuild for a time; ``x``, ``y`` are the units' current map positions."""
        units = np.flatnonzero(selected & shown)
        self.trail_units = units
        groups: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        keyframe = state.keyframe
        for u in units.tolist():
            first, last = int(self._offsets[u]), int(keyframe[u])
            if last >= first:
                self._add(
                    groups, int(self._side[u]), self._kx[first : last + 1], self._ky[first : last + 1], x[u], y[u]
                )
        paths = []
        for side, parts in sorted(groups.items()):
            xs = np.concatenate([p[0] for p in parts])
            ys = np.concatenate([p[1] for p in parts])
            connect = np.ones(len(xs), dtype=bool)
            connect[np.cumsum([len(p[0]) for p in parts]) - 1] = False
            colour = QColor(self._colours[side % len(self._colours)])
            colour.setAlpha(200)
            pen = QPen(colour, 2.6)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            paths.append((pg.arrayToQPath(xs, ys, connect=connect), pen))
        self._set_paths(paths)

    @staticmethod
    def _add(groups, key, xs: np.ndarray, ys: np.ndarray, x_now: float, y_now: float) -> None:
        if not np.isfinite(x_now):
            return
        xs, ys = np.append(xs, x_now), np.append(ys, y_now)
        if len(xs) < 2 or (np.ptp(xs) == 0 and np.ptp(ys) == 0):
            return
        groups.setdefault(key, []).append((xs, ys))

    def _set_paths(self, paths: list[tuple[QPainterPath, QPen]]) -> None:
        if not paths and not self._paths:
            return
        rect = QRectF()
        for path, _pen in paths:
            rect = rect.united(path.boundingRect())
        if not rect.isNull():
            rect = rect.adjusted(-0.02, -0.02, 0.02, 0.02)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self._paths = paths
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, p: QPainter, *args) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for path, pen in self._paths:
            p.setPen(pen)
            p.drawPath(path)
