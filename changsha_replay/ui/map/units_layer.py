"""All units in one item: APP-6 symbols with strength bars and status markers, one batched paint."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainter

from ...model import vocab
from .geo import device_points
from .overlay import OverlayItem
from .painting import Fragments
from .symbols import DOT, FULL, SMALL, SymbolSheet

ENCIRCLED = vocab.STATUSES.index("encircled")
DESTROYED = vocab.STATUSES.index("destroyed")
DESTROYED_OPACITY = 0.4
CULL_MARGIN_PX = 60.0
CROWDED = 1.5  # symbols covering the view more than this many times over: lower echelons are drawn smaller


class UnitsLayer(OverlayItem):
    """Draws every visible unit at its current position, at a constant size on screen.

    Per-unit data lives in numpy arrays in ``scenario.units`` order; :meth:`set_state` writes
    a new time's positions into them in place. Painting is at most three
    ``drawPixmapFragments`` calls: selection halos and encirclement rings beneath, one sprite
    per unit (symbol and strength bar), then crosses over destroyed units.

    When the symbols in view would cover the map more than ``CROWDED`` times over (thousands
    of units zoomed out), units are drawn smaller, lowest echelons first: small symbols without
    strength bar, then dots, until the map is readable again. Selected units stay full size.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sheet: SymbolSheet | None = None
        self.kind = np.zeros(0, np.int64)  # symbol index in the sheet
        self.look = np.zeros(0, np.int64)  # (symbol, side) sprite row in the sheet
        self.rank = np.zeros(0, np.int64)  # echelon rank, 0 = largest
        self.rank_style = np.zeros(1, np.int8)  # drawing style by echelon rank (chosen by paint)
        self.branch_hidden = np.zeros(0, bool)
        self.selected = np.zeros(0, bool)
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.strength = np.zeros(0)
        self.status = np.zeros(0, np.int8)
        self.last_paint: tuple | None = None  # (transform, indices, x, y, styles) of the last paint
        self._under = Fragments()
        self._main = Fragments()
        self._over = Fragments()

    # -- data ----------------------------------------------------------------------------
    def set_units(self, sheet: SymbolSheet | None, kind: np.ndarray, look: np.ndarray, rank: np.ndarray) -> None:
        """New scenario: the symbol, look (symbol and side) and echelon rank of each unit."""
        self.sheet = sheet
        n = len(kind)
        self.kind, self.look, self.rank = kind.astype(np.int64), look.astype(np.int64), rank.astype(np.int64)
        self.rank_style = np.zeros(int(self.rank.max(initial=0)) + 1, np.int8)
        self.branch_hidden = np.zeros(n, bool)
        self.selected = np.zeros(n, bool)
        self.x, self.y = np.full(n, np.nan), np.full(n, np.nan)
        self.strength, self.status = np.zeros(n), np.full(n, -1, np.int8)
        self.update()

    def set_state(self, x: np.ndarray, y: np.ndarray, strength: np.ndarray, status: np.ndarray) -> None:
        """Positions (map coordinates), strength and status of a time, copied in place."""
        self.last_paint = None
        np.copyto(self.x, x)
        np.copyto(self.y, y)
        np.copyto(self.strength, strength)
        np.copyto(self.status, status)
        self.update()

    def set_selected(self, mask: np.ndarray) -> None:
        self.last_paint = None
        self.selected = mask
        self.update()

    def set_branch_hidden(self, mask: np.ndarray) -> None:
        self.last_paint = None
        self.branch_hidden = mask
        self.update()

    # -- queries -------------------------------------------------------------------------
    def drawn_mask(self) -> np.ndarray:
        """Units drawn at all (have a position, branch not hidden), wherever the view is."""
        return (self.status >= 0) & ~self.branch_hidden & np.isfinite(self.x) & np.isfinite(self.y)

    def drawn_indices(self, margin_px: float = CULL_MARGIN_PX) -> np.ndarray:
        """Indices of the units drawn in the current view, in paint order (selected last)."""
        mask = self.drawn_mask()
        rect = self.view_rect
        if rect.width() > 0:
            pad = margin_px * self.pixel_size()
            x, y = self.x, self.y
            with np.errstate(invalid="ignore"):
                mask &= (x >= rect.left() - pad) & (x <= rect.right() + pad)
                mask &= (y >= rect.top() - pad) & (y <= rect.bottom() + pad)
        idx = np.flatnonzero(mask)
        sel = self.selected[idx]
        if sel.any():
            idx = np.concatenate((idx[~sel], idx[sel]))
        return idx

    def styles(self, idx: np.ndarray) -> np.ndarray:
        """Drawing style (FULL, SMALL, DOT) of these units in the last paint; selected units are FULL."""
        style = self.rank_style[self.rank[idx]]
        style[self.selected[idx]] = FULL
        return style

    def symbol_boxes(self, idx: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """(n, 4) screen rects (left, top, right, bottom) of the symbols as drawn, strength bars included."""
        assert self.sheet is not None
        box = self.sheet.boxes[self.styles(idx), self.kind[idx]]
        box[:, 0] += px
        box[:, 2] += px
        box[:, 1] += py
        box[:, 3] += py
        return box

    def _choose_styles(self, idx: np.ndarray, view_area: float) -> None:
        """Set ``rank_style``: make the lowest echelons smaller, one step at a time, until the
        symbols in view cover it at most CROWDED times."""
        sheet = self.sheet
        assert sheet is not None
        self.rank_style[:] = FULL
        smallest = float(sheet.sprite_area[FULL].min()) if sheet.sprite_area.size else 0.0
        if view_area <= 0 or len(idx) * smallest < CROWDED * view_area:  # clearly not crowded
            return
        rank, look = self.rank[idx], self.look[idx]
        ranks = len(self.rank_style)
        area = [
            np.bincount(rank, weights=sheet.sprite_area[style, look], minlength=ranks) for style in (FULL, SMALL, DOT)
        ]
        total = float(area[FULL].sum())
        for style in (SMALL, DOT):
            for r in range(ranks - 1, -1, -1):
                if total <= CROWDED * view_area:
                    return
                total += area[style][r] - area[style - 1][r]
                self.rank_style[r] = style

    # -- painting ------------------------------------------------------------------------
    def paint(self, p: QPainter, *args) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        idx = self.drawn_indices()
        n = len(idx)
        if n == 0:
            return
        px, py = device_points(p.transform(), self.x[idx], self.y[idx])
        cx, cy = np.round(px), np.round(py)
        width, height = self.view_size()
        self._choose_styles(idx, width * height)
        style = self.styles(idx)
        self.last_paint = (_key(p.transform()), idx, cx, cy, style)
        kind, look, status = self.kind[idx], self.look[idx], self.status[idx]
        scale = 1.0 / sheet.dpr
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)

        ring = np.flatnonzero((status == ENCIRCLED) & (style != DOT))
        sel = np.flatnonzero(self.selected[idx])
        if len(ring) or len(sel):  # encirclement rings and selection halos, beneath the symbols
            u = self._under.resize(len(ring) + len(sel))
            off = sheet.mark_offset[style[ring], kind[ring]]
            u[: len(ring), 0] = cx[ring] + off[:, 0]
            u[: len(ring), 1] = cy[ring] + off[:, 1]
            u[: len(ring), 2:6] = sheet.ring_src[style[ring]]
            u[len(ring) :, 0] = cx[sel]
            u[len(ring) :, 1] = cy[sel]
            u[len(ring) :, 2:6] = sheet.halo_src[kind[sel]]
            u[:, 6:10] = (scale, scale, 0.0, 1.0)
            self._under.draw(p, sheet.pixmap)

        level = self.strength[idx] * ((sheet.levels - 1) / 100.0) + 0.5
        level = np.clip(level.astype(np.int64), 0, sheet.levels - 1)
        f = self._main.resize(n)
        f[:, 0:2] = sheet.sprite_offset[style, look]
        f[:, 0] += cx
        f[:, 1] += cy
        f[:, 2:6] = sheet.sprite_src[style, look, level]
        f[:, 6:9] = (scale, scale, 0.0)
        f[:, 9] = 1.0
        f[status == DESTROYED, 9] = DESTROYED_OPACITY
        self._main.draw(p, sheet.pixmap)

        dead = np.flatnonzero((status == DESTROYED) & (style != DOT))
        if len(dead):  # a cross over destroyed units
            m = self._over.resize(len(dead))
            off = sheet.mark_offset[style[dead], kind[dead]]
            m[:, 0] = cx[dead] + off[:, 0]
            m[:, 1] = cy[dead] + off[:, 1]
            m[:, 2:6] = sheet.cross_src[style[dead]]
            m[:, 6:10] = (scale, scale, 0.0, 1.0)
            self._over.draw(p, sheet.pixmap)

    def screen_positions(self, transform) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Drawn units and their whole-pixel device positions and styles under a transform
        (those of the last paint when it used the same transform and data)."""
        if self.last_paint is not None and self.last_paint[0] == _key(transform):
            return self.last_paint[1:]
        idx = self.drawn_indices()
        px, py = device_points(transform, self.x[idx], self.y[idx])
        return idx, np.round(px), np.round(py), self.styles(idx)

    # -- picking -------------------------------------------------------------------------
    def unit_at(self, pos: QPointF, slack_px: float = 3.0) -> int | None:
        """Index of the topmost drawn unit whose symbol (frame or strength bar) contains a scene position."""
        if self.sheet is None or self.scene() is None:
            return None
        idx = self.drawn_indices()
        if len(idx) == 0:
            return None
        sx, sy = device_points(self.sceneTransform(), self.x[idx], self.y[idx])
        box = self.symbol_boxes(idx, np.round(sx), np.round(sy))
        hit = (pos.x() >= box[:, 0] - slack_px) & (pos.x() <= box[:, 2] + slack_px)
        hit &= (pos.y() >= box[:, 1] - slack_px) & (pos.y() <= box[:, 3] + slack_px)
        found = np.flatnonzero(hit)
        return int(idx[found[-1]]) if len(found) else None


def _key(t) -> tuple[float, ...]:
    return (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())
