"""Map labels: text sprites with a halo, screen-space decluttering, and the unit labels layer."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPixmap, QTransform

from ...model import vocab
from .overlay import OverlayItem
from .painting import new_image
from .symbols import DOT

HALO = QColor(250, 248, 242, 235)
PLATE = QColor(250, 248, 242, 200)
LABEL_GAP = 3.0  # px between a symbol's frame and its label
ECHELON_MARK_PX = 7.0  # height of the echelon marks above a frame

# Standard military abbreviations, so labels stay short on the map (the tooltip has full names).
_ABBREVIATIONS = (
    (r"\bInfantry Regiment\b", "Inf. Regt"),
    (r"\bArmy Group\b", "Army Gp"),
    (r"\bHeadquarters\b", "HQ"),
    (r"\bDivision\b", "Div."),
    (r"\bRegiment\b", "Regt"),
    (r"\bBattalion\b", "Bn"),
    (r"\bDetachment\b", "Det."),
    (r"\bProvisional\b", "Prov."),
    (r"\bPreparatory\b", "Prep."),
    (r"\bTransport\b", "Tpt"),
    (r"\bFlying Sentai\b", "Sentai"),
    (r"\bartillery\b", "arty"),
)


# All of them in one expression (longer phrases first), one pass per name: a scenario may
# name 10,000 units.
_SHORT = {re.sub(r"\\b", "", pattern): short for pattern, short in _ABBREVIATIONS}
_ABBREVIATION_RE = re.compile(r"\b(" + "|".join(map(re.escape, sorted(_SHORT, key=len, reverse=True))) + r")\b")


def short_name(name: str) -> str:
    """An English unit name shortened for the map: "6th Transport Regiment" → "6th Tpt Regt"."""
    return _ABBREVIATION_RE.sub(lambda m: _SHORT[m.group(1)], name)


def place_label(name: str) -> str:
    """A gazetteer name without its parenthesised remarks: "Langli ('Lishi' …)" → "Langli"."""
    return re.sub(r"\s*[（(].*?[)）]", "", name).strip() or name


class TextSprites:
    """Each distinct label text rendered once, with a light halo (and optionally on a translucent
    paper plate, so that what lies beneath does not show between the letters), into a cached pixmap."""

    def __init__(self, font: QFont, colour: QColor, dpr: float = 1.0, halo: QColor = HALO, plate: bool = False) -> None:
        self.font, self.colour, self.halo, self.dpr, self.plate = font, colour, halo, dpr, plate
        self._metrics = QFontMetricsF(font)
        self._cache: dict[str, QPixmap] = {}

    def size(self, text: str) -> tuple[float, float]:
        """Logical size of a label (text plus halo), without rendering it."""
        return self._metrics.horizontalAdvance(text) + 4.0, self._metrics.height() + 2.0

    def pixmap(self, text: str) -> QPixmap:
        sprite = self._cache.get(text)
        if sprite is None:
            w, h = self.size(text)
            image = new_image(w, h, self.dpr)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            if self.plate:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(PLATE)
                painter.drawRoundedRect(QRectF(0, 0, w, h), 3, 3)
            painter.setFont(self.font)
            base = QPointF(2.0, 1.0 + self._metrics.ascent())
            painter.setPen(self.halo)
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)):
                painter.drawText(base + QPointF(dx * 1.2, dy * 1.2), text)
            painter.setPen(self.colour)
            painter.drawText(base, text)
            painter.end()
            sprite = QPixmap.fromImage(image)
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache[text] = sprite
        return sprite


def place_labels(
    left: np.ndarray,
    top: np.ndarray,
    width: np.ndarray,
    height: np.ndarray,
    order: Sequence[int],
    allowed: np.ndarray | None = None,
    cell: float = 64.0,
) -> list[tuple[int, int]]:
    """Greedy screen-space label placement.

    ``left`` and ``top`` are (n, P): P candidate positions per label, in order of preference.
    Labels are taken in priority ``order``; each gets the first allowed position whose
    rectangle overlaps no label placed before, or is dropped. Returns (label, position) pairs.
    """
    left, top = np.asarray(left, dtype=float), np.asarray(top, dtype=float)
    if left.ndim == 1:
        left, top = left[:, None], top[:, None]
    positions = left.shape[1]
    placed: list[tuple[int, int]] = []
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for i in order:
        w, h = float(width[i]), float(height[i])
        for k in range(positions):
            if allowed is not None and not allowed[i, k]:
                continue
            x0, y0 = float(left[i, k]), float(top[i, k])
            x1, y1 = x0 + w, y0 + h
            cells = [
                (cx, cy)
                for cx in range(int(x0 // cell), int(x1 // cell) + 1)
                for cy in range(int(y0 // cell), int(y1 // cell) + 1)
            ]
            if any(x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1 for c in cells for a0, b0, a1, b1 in grid.get(c, ())):
                continue
            placed.append((i, k))
            for c in cells:
                grid.setdefault(c, []).append((x0, y0, x1, y1))
            break
    return placed


def declutter(
    left: np.ndarray, top: np.ndarray, width: np.ndarray, height: np.ndarray, order: Sequence[int], cell: float = 64.0
) -> list[int]:
    """Indices of the labels kept, one position each, none overlapping (see :func:`place_labels`)."""
    return [i for i, _k in place_labels(left, top, width, height, order, None, cell)]


class Coverage:
    """How many symbol rectangles cover each small screen cell (an integral image), so that
    the symbols under any set of label rectangles are counted at once, without a Python loop.
    The grid reaches ``PAD`` px beyond the screen, so symbols cut by its edge still count."""

    PAD = 64.0

    def __init__(self, rects: np.ndarray, width: float, height: float, cell: float = 8.0) -> None:
        self.cell = cell
        self.nx, self.ny = int((width + 2 * self.PAD) // cell) + 2, int((height + 2 * self.PAD) // cell) + 2
        c = self._cells(rects)
        nx1 = self.nx + 1
        corners = np.concatenate(
            (c[:, 1] * nx1 + c[:, 0], c[:, 1] * nx1 + c[:, 2], c[:, 3] * nx1 + c[:, 0], c[:, 3] * nx1 + c[:, 2])
        )
        ones = np.ones(len(c))
        weights = np.concatenate((ones, -ones, -ones, ones))
        diff = np.bincount(corners, weights, minlength=(self.ny + 1) * nx1).astype(np.int32).reshape(self.ny + 1, nx1)
        cover = diff.cumsum(0, dtype=np.int32).cumsum(1, dtype=np.int32)[: self.ny, : self.nx]
        self._sum = np.zeros((self.ny + 1, self.nx + 1), np.int32)
        self._sum[1:, 1:] = cover.cumsum(0, dtype=np.int32).cumsum(1, dtype=np.int32)

    def _cells(self, rects: np.ndarray) -> np.ndarray:
        """Cell index ranges [x0, x1) × [y0, y1) of (left, top, right, bottom) pixel rects."""
        rects = (np.asarray(rects, dtype=float).reshape(-1, 4) + self.PAD) / self.cell
        out = np.empty((len(rects), 4), np.int64)
        out[:, 0] = np.clip(np.floor(rects[:, 0]), 0, self.nx)
        out[:, 1] = np.clip(np.floor(rects[:, 1]), 0, self.ny)
        out[:, 2] = np.clip(np.ceil(rects[:, 2]), 0, self.nx)
        out[:, 3] = np.clip(np.ceil(rects[:, 3]), 0, self.ny)
        out[:, 2] = np.maximum(out[:, 2], out[:, 0])
        out[:, 3] = np.maximum(out[:, 3], out[:, 1])
        return out

    def count(self, rects: np.ndarray, own: np.ndarray | None = None) -> np.ndarray:
        """Symbol cover under each rect, minus the cover of the matching ``own`` rect (a label's own symbol)."""
        c = self._cells(rects)
        s = self._sum
        total = s[c[:, 3], c[:, 2]] - s[c[:, 1], c[:, 2]] - s[c[:, 3], c[:, 0]] + s[c[:, 1], c[:, 0]]
        if own is not None:
            o = self._cells(own)
            ix = np.maximum(0, np.minimum(c[:, 2], o[:, 2]) - np.maximum(c[:, 0], o[:, 0]))
            iy = np.maximum(0, np.minimum(c[:, 3], o[:, 3]) - np.maximum(c[:, 1], o[:, 1]))
            total = total - ix * iy
        return total


def thin_to_cells(left: np.ndarray, top: np.ndarray, order: np.ndarray, cell_w: float, cell_h: float) -> np.ndarray:
    """The first candidate (in ``order``) per screen cell: a vectorised pre-filter before :func:`declutter`."""
    if len(order) == 0:
        return order
    cx = np.floor(left[order] / cell_w).astype(np.int64)
    cy = np.floor(top[order] / cell_h).astype(np.int64)
    key = (cx - cx.min()) * (int(cy.max() - cy.min()) + 1) + (cy - cy.min())
    _, first = np.unique(key, return_index=True)
    return order[np.sort(first)]


#: Zoom (km per screen pixel) up to which each echelon's labels are shown.
ECHELON_LABEL_SCALE = {
    "war_zone": 10.0,
    "army_group": 10.0,
    "army": 10.0,
    "corps": 2.0,
    "division": 0.6,
    "brigade": 0.3,
    "regiment": 0.3,
    "battalion": 0.12,
    "company": 0.06,
    "squadron": 0.3,
}
MAX_CANDIDATES = 600


class UnitLabelsLayer(OverlayItem):
    """All unit labels in one item: decluttered in screen space each paint, higher echelons first."""

    def __init__(self) -> None:
        super().__init__()
        self.units = None  # the UnitsLayer whose positions and visibility are labelled
        self.sprites: list[TextSprites] = []
        self.texts: list[str] = []
        self.style = np.zeros(0, np.int64)  # index into sprites, per unit
        self.width = np.zeros(0)
        self.height = np.zeros(0)
        self.rank = np.zeros(0, np.int64)  # echelon rank: 0 = largest
        self.limit = np.zeros(0)  # km/px up to which the label shows
        self.featured = np.zeros(0, bool)  # named right after the selected units: what the moment is about
        self.km_per_px = 1.0
        self.reserved = np.zeros((0, 4))  # screen rects (left, top, right, bottom) kept free of labels
        # more of them under a view transform (the annotations' texts); the same array while unchanged
        self.obstacles: Callable[[QTransform], np.ndarray] | None = None
        self.shown: list[int] = []  # indices drawn by the last paint
        self._was_shown = np.zeros(0, bool)
        self.last_rects: list[tuple[float, float, float, float]] = []
        self._generation = 0  # bumped by every change of what is labelled (invalidate)
        self._placed: tuple | None = None  # (key, placement) of the last placement

    def set_labels(
        self, texts: list[str], style: np.ndarray, sprites: list[TextSprites], echelons: Sequence[str]
    ) -> None:
        self.texts, self.style, self.sprites = texts, style, sprites
        sizes = np.array([sprites[s].size(t) for t, s in zip(texts, style)], dtype=float).reshape(-1, 2)
        self.width, self.height = sizes[:, 0], sizes[:, 1]
        order = list(vocab.ECHELONS)
        self.rank = np.array([order.index(e) if e in order else len(order) for e in echelons], dtype=np.int64)
        self.limit = np.array([ECHELON_LABEL_SCALE.get(e, 0.1) for e in echelons], dtype=float)
        self._was_shown = np.zeros(len(texts), bool)
        self.featured = np.zeros(len(texts), bool)
        self.invalidate()

    def set_featured(self, featured: np.ndarray) -> None:
        """The units of the current events and the encircled ones (model.featured): labelled
        before all but the selected, at any zoom, over other symbols where they must be."""
        if len(featured) == len(self.texts) and not np.array_equal(featured, self.featured):
            self.featured = featured
            self.invalidate()

    def invalidate(self) -> None:
        """What is labelled changed (positions, selection, texts): place the labels again."""
        self._generation += 1
        self.update()

    def placement(self, transform: QTransform) -> list[tuple[int, float, float, float, float]]:
        """The labels to draw under a view transform, as (unit index, left, top, width, height) in
        device pixels: computed once per change and view (the place names ask first, to keep
        clear of them; the paint that follows draws the same)."""
        obstacles = self.obstacles(transform) if self.obstacles is not None else None
        key = (self._generation, transform.m11(), transform.m22(), transform.dx(), transform.dy(), self.view_size())
        if self._placed is None or self._placed[0] != key or self._placed[2] is not obstacles:
            self._placed = (key, self._place(transform, obstacles), obstacles)
        return self._placed[1]

    def paint(self, p: QPainter, *args) -> None:
        placed = self.placement(p.transform())
        p.resetTransform()
        for i, x0, y0, _w, _h in placed:
            p.drawPixmap(QPointF(x0, y0), self.sprites[self.style[i]].pixmap(self.texts[i]))
        self.shown = [i for i, *_rect in placed]
        self.last_rects = [tuple(rect) for _i, *rect in placed]

    def _place(
        self, transform: QTransform, obstacles: np.ndarray | None = None
    ) -> list[tuple[int, float, float, float, float]]:
        units = self.units
        if units is None or units.sheet is None or not len(self.texts):
            return []
        drawn, sx, sy, styles = units.screen_positions(transform)
        # labels by zoom (lower echelons only when zoomed in), never for units drawn as dots
        featured_now = self.featured if len(self.featured) == len(units.selected) else np.zeros_like(units.selected)
        first = units.selected[drawn] | (featured_now[drawn] & (styles != DOT))  # at any zoom; a dot stays a dot
        keep = np.flatnonzero(first | ((self.limit[drawn] >= self.km_per_px) & (styles != DOT)))
        if len(keep) == 0:
            return []
        # symbols (with their echelon marks and strength bars) are obstacles for labels
        f = units.sheet.frames[styles, units.kind[drawn]]
        boxes = units.screen_boxes(transform).copy()  # frames, strength bars and "+n" badges
        badge = units.layout(transform).badge
        boxes[:, 1] -= ECHELON_MARK_PX
        size = self.view_size()
        kept_free = (boxes, self.reserved) if obstacles is None else (boxes, self.reserved, obstacles)
        coverage = Coverage(np.concatenate(kept_free), *size)
        idx = drawn[keep]
        selected = units.selected[idx]
        featured = featured_now[idx]
        order = np.lexsort((idx, ~self._was_shown[idx], self.rank[idx], ~featured, ~selected))
        if len(order) > MAX_CANDIDATES:  # crowded: the first candidate per screen cell, by priority
            order = thin_to_cells(sx[keep], sy[keep], order, 48.0, 16.0)[:MAX_CANDIDATES]
        keep, idx, selected, featured = keep[order], idx[order], selected[order], featured[order]
        own, px, py, fk = boxes[keep], sx[keep], sy[keep], f[keep]
        w, h = self.width[idx], self.height[idx]
        mid_x = px + (fk[:, 0] + fk[:, 2]) / 2
        mid_y = py + (fk[:, 1] + fk[:, 3]) / 2
        # candidate positions: right of the symbol, left, below, above, then at its four corners
        right_of, left_of = px + fk[:, 2] + LABEL_GAP, px + fk[:, 0] - LABEL_GAP - w
        upper, lower = py + fk[:, 1] - h / 2, py + fk[:, 3] - h / 2
        left = np.round(
            np.column_stack((right_of, left_of, mid_x - w / 2, mid_x - w / 2, right_of, right_of, left_of, left_of))
        )
        below, above = own[:, 3] + 1, own[:, 1] - h - 1
        top = np.round(np.column_stack((mid_y - h / 2, mid_y - h / 2, below, above, upper, lower, upper, lower)))
        positions = left.shape[1]
        rects = np.stack((left, top, left + w[:, None], top + h[:, None]), axis=-1).reshape(-1, 4)
        allowed = (coverage.count(rects, np.repeat(own, positions, axis=0)) <= 0).reshape(-1, positions)
        crowded = np.flatnonzero(featured & ~allowed.any(axis=1))
        if len(crowded):  # what the moment is about is named over other symbols, never over the
            # key places' names, the overlays or the annotations' texts
            free = (obstacles,) if obstacles is not None else ()
            others = Coverage(np.concatenate((self.reserved.reshape(-1, 4), *free)).reshape(-1, 4), *size)
            loose = rects.reshape(-1, positions, 4)[crowded].reshape(-1, 4)
            allowed[crowded] = (others.count(loose) <= 0).reshape(-1, positions)
        allowed[:, 4] &= badge[keep] == 0  # the top right corner is the "+n" badge's
        # wholly on the map: a name cut by the map's edge cannot be read
        allowed &= (left >= 0) & (left + w[:, None] <= size[0]) & (top >= 0) & (top + h[:, None] <= size[1])
        allowed[selected & ~allowed.any(axis=1), 0] = True  # a selected unit is always labelled
        candidates = np.flatnonzero(allowed.any(axis=1))  # still in priority order
        placed = [
            (int(idx[k]), float(left[k, pos]), float(top[k, pos]), float(w[k]), float(h[k]))
            for k, pos in place_labels(left, top, w, h, candidates.tolist(), allowed)
        ]
        self._was_shown[:] = False
        self._was_shown[[i for i, *_rect in placed]] = True
        return placed


def label_rect_overlaps(rects: Sequence[tuple[float, float, float, float]]) -> int:
    """Number of overlapping pairs among (left, top, width, height) rectangles (for checks)."""
    count = 0
    for a in range(len(rects)):
        ax, ay, aw, ah = rects[a]
        for b in range(a + 1, len(rects)):
            bx, by, bw, bh = rects[b]
            if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                count += 1
    return count
