"""All units in one item: APP-6 symbols with strength bars and status markers, one batched paint."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QColor, QPainter, QPen

from ...model import vocab
from .folding import Hierarchy, Shapes, declutter, fold
from .geo import device_points
from .overlay import OverlayItem
from .painting import Fragments
from .symbols import BADGE_MAX, DOT, FULL, SMALL, SymbolSheet

ENCIRCLED = vocab.STATUSES.index("encircled")
DESTROYED = vocab.STATUSES.index("destroyed")
DESTROYED_OPACITY = 0.4
#: Opacity of a symbol by the certainty of the position in force (vocab.CERTAINTIES: documented,
#: inferred, estimated): a documented position is drawn solid, an estimate lighter.
CERTAINTY_OPACITY = np.array([1.0, 0.8, 0.62])
CULL_MARGIN_PX = 60.0
CROWDED = 1.5  # symbols covering the view more than this many times over: lower echelons are drawn smaller
DECLUTTER_MAX = 200  # symbols in view up to which overlapping ones are nudged apart
NUDGE_REACH = 1.0  # symbol widths a symbol may be nudged from its unit's position, at most
LEADER_MIN_PX = 4.0  # a symbol nudged further than this from its position gets a leader line
LEADER_COLOUR = QColor(55, 65, 81, 190)
BADGE_INSET = 1.0  # a "+n" badge sits off the frame's top right corner, this many px over its right edge,
BADGE_RAISE = 3.0  # its middle this many px above the frame's top: clear of the echelon marks and of a label


@dataclass(frozen=True, eq=False)
class Layout:
    """Where the units are drawn under one transform: the drawn units in view, in paint order."""

    key: tuple
    idx: np.ndarray  # unit indices (selected last)
    x: np.ndarray  # whole-pixel device position of each symbol's anchor (nudged clear of the others)
    y: np.ndarray
    style: np.ndarray  # FULL, SMALL or DOT
    badge: np.ndarray  # folded subordinates shown by each symbol's "+n" badge (0: none)
    badge_rect: np.ndarray  # (n, 4) the badge (left, top, right, bottom) around the anchor
    boxes: np.ndarray  # (n, 4) screen rects of the symbols: frame, strength bar and badge
    true_x: np.ndarray  # whole-pixel device position of each unit (where its leader line starts)
    true_y: np.ndarray


class UnitsLayer(OverlayItem):
    """Draws every visible unit at its current position, at a constant size on screen.

    Per-unit data lives in numpy arrays in ``scenario.units`` order; :meth:`set_state` writes
    a new time's positions into them in place. Painting is a few batched
    ``drawPixmapFragments`` calls: selection halos and encirclement rings beneath, one sprite
    per unit (symbol and strength bar), crosses over destroyed units, then "+n" badges.

    Subordinates whose symbol would overlap their superior's on screen are *folded* into it
    (see :func:`folding.fold`): they are not drawn, and the superior shows how many it stands
    for. Zooming in separates them again. The selection and its superiors never fold. Symbols
    that still overlap (units of other branches or sides in contact) are nudged apart, each
    with a leader line to its true position.

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
        self.tree = Hierarchy(np.zeros(0, np.int64))
        self.folding = True
        self.keep = np.zeros(0, bool)  # the selection and its superiors: never folded
        self.sprite_rect = np.zeros((0, 4))  # full-size symbol (left, top, right, bottom) around each anchor, no staff
        self._shapes = Shapes.of(self.sprite_rect, self.tree)
        self._version = 0  # bumped by every change of what is drawn, so the caches below follow
        self._fold: tuple[tuple, np.ndarray] | None = None  # (key, folded into) of the last fold
        self._layout: Layout | None = None
        self._mask_cache: tuple | None = None
        self._under = Fragments()
        self._main = Fragments()
        self._over = Fragments()
        self._badges = Fragments()
        self._pins = Fragments()
        self._leader_pen = QPen(LEADER_COLOUR, 1.0)

    # -- data ----------------------------------------------------------------------------
    def set_units(
        self,
        sheet: SymbolSheet | None,
        kind: np.ndarray,
        look: np.ndarray,
        rank: np.ndarray,
        parent: np.ndarray | None = None,
    ) -> None:
        """New scenario: the symbol, look (symbol and side), echelon rank and superior (index,
        -1 for none) of each unit."""
        self.sheet = sheet
        n = len(kind)
        self.kind, self.look, self.rank = kind.astype(np.int64), look.astype(np.int64), rank.astype(np.int64)
        self.rank_style = np.zeros(int(self.rank.max(initial=0)) + 1, np.int8)
        self.branch_hidden = np.zeros(n, bool)
        self.selected = np.zeros(n, bool)
        self.keep = np.zeros(n, bool)
        self.x, self.y = np.full(n, np.nan), np.full(n, np.nan)
        self.strength, self.status = np.zeros(n), np.full(n, -1, np.int8)
        self.certainty = np.zeros(n, np.int8)
        self.tree = Hierarchy(parent if parent is not None else np.full(n, -1, np.int64))
        if sheet is not None and n:
            size = sheet.sprite_src[FULL, self.look, 0, 2:4] / sheet.dpr
            centre = sheet.sprite_offset[FULL, self.look]
            self.sprite_rect = np.concatenate((centre - size / 2, centre + size / 2), axis=1)
            # a headquarters' staff below its frame is a thin line: what stands there is not hidden by it
            np.minimum(self.sprite_rect[:, 3], sheet.boxes[FULL, self.kind, 3], out=self.sprite_rect[:, 3])
        else:
            self.sprite_rect = np.zeros((n, 4))
        self._shapes = Shapes.of(self.sprite_rect, self.tree)
        self._changed()

    def set_state(
        self,
        x: np.ndarray,
        y: np.ndarray,
        strength: np.ndarray,
        status: np.ndarray,
        certainty: np.ndarray | None = None,
    ) -> None:
        """Positions (map coordinates), strength, status and the certainty of the positions (an
        index of ``vocab.CERTAINTIES``; None: documented) of a time, copied in place."""
        np.copyto(self.x, x)
        np.copyto(self.y, y)
        np.copyto(self.strength, strength)
        np.copyto(self.status, status)
        if certainty is None:
            self.certainty[:] = 0
        else:
            np.copyto(self.certainty, np.clip(certainty, 0, len(CERTAINTY_OPACITY) - 1), casting="unsafe")
        self._changed()

    def set_selected(self, mask: np.ndarray) -> None:
        self.selected = mask
        self.keep = self.tree.with_ancestors(mask) if len(mask) == len(self.tree) else np.asarray(mask, bool)
        self._changed()

    def set_branch_hidden(self, mask: np.ndarray) -> None:
        self.branch_hidden = mask
        self._changed()

    def set_folding(self, on: bool) -> None:
        """Fold subordinates into their superiors where their symbols would overlap (the default)."""
        self.folding = bool(on)
        self._changed()

    def _changed(self) -> None:
        self._version += 1
        self.update()

    # -- folding -------------------------------------------------------------------------
    def screen_transform(self):
        """The current transform from map to scene coordinates (the view's pending change applied)."""
        view = self.getViewBox()
        if view is not None:
            view.updateMatrix()
        return self.sceneTransform()

    def _masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Units with a position at this time, and those of them whose branch is shown."""
        if self._mask_cache is None or self._mask_cache[0] != self._version:
            anchored = (self.status >= 0) & np.isfinite(self.x) & np.isfinite(self.y)
            self._mask_cache = (self._version, anchored, anchored & ~self.branch_hidden)
        return self._mask_cache[1], self._mask_cache[2]

    def folded_into(self, transform=None) -> np.ndarray:
        """For each unit, the index of the drawn superior it is folded into (-1: not folded), at
        the scale of a transform (the current view's by default). Only the scale matters."""
        if self.sheet is None or (self.scene() is None and transform is None):
            return np.full(len(self.kind), -1, np.int64)
        t = self.screen_transform() if transform is None else transform
        key = (t.m11(), t.m12(), t.m21(), t.m22(), self._version)
        if self._fold is not None and self._fold[0] == key:
            return self._fold[1]
        anchored, drawable = self._masks()
        if self.folding and len(self.tree.levels) > 1 and abs(t.m11() * t.m22() - t.m12() * t.m21()) > 0:
            sx, sy = device_points(t, self.x, self.y)  # NaN where there is no position: never used
            into = fold(self.tree, drawable, anchored, self.keep, sx, sy, self._shapes)
        else:
            into = np.full(len(self.kind), -1, np.int64)
        self._fold = (key, into)
        return into

    def folded_counts(self, transform=None) -> np.ndarray:
        """For each unit, how many subordinates are folded into its symbol."""
        into = self.folded_into(transform)
        return np.bincount(into[into >= 0], minlength=len(into))

    # -- queries -------------------------------------------------------------------------
    def drawn_mask(self, transform=None) -> np.ndarray:
        """Units drawn at all (have a position, branch not hidden, not folded into a superior),
        wherever the view is."""
        return self._masks()[1] & (self.folded_into(transform) < 0)

    def drawn_indices(self, margin_px: float = CULL_MARGIN_PX, transform=None) -> np.ndarray:
        """Indices of the units drawn in the current view, in paint order (selected last)."""
        mask = self.drawn_mask(transform)
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

    def badge_rects(self, idx: np.ndarray, style: np.ndarray, count: np.ndarray) -> np.ndarray:
        """(n, 4) rects (left, top, right, bottom) of the "+n" badges relative to the anchors
        (empty rects at the anchor where there is no badge)."""
        assert self.sheet is not None
        sheet = self.sheet
        frame = sheet.frames[style, self.kind[idx]]
        size = sheet.badge_size[np.minimum(count, BADGE_MAX + 1)]
        left = np.round(frame[:, 2] - BADGE_INSET)
        top = np.round(frame[:, 1] - BADGE_RAISE - size[:, 1] / 2)
        rect = np.column_stack((left, top, left + size[:, 0], top + size[:, 1]))
        rect[(count <= 0) | (style != FULL)] = 0.0
        return rect

    def symbol_boxes(self, idx: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """(n, 4) screen rects (left, top, right, bottom) of the symbols as drawn, strength bars and
        "+n" badges included."""
        style = self.styles(idx)
        count = self.folded_counts()[idx] if len(idx) else np.zeros(0, np.int64)
        count[style != FULL] = 0
        return self._boxes(idx, style, self.badge_rects(idx, style, count), count > 0, px, py)

    def _boxes(self, idx, style, badge_rect, has_badge, px, py) -> np.ndarray:
        assert self.sheet is not None
        box = self.sheet.boxes[style, self.kind[idx]]
        if has_badge.any():
            box[has_badge, 0:2] = np.minimum(box[has_badge, 0:2], badge_rect[has_badge, 0:2])
            box[has_badge, 2:4] = np.maximum(box[has_badge, 2:4], badge_rect[has_badge, 2:4])
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

    # -- layout --------------------------------------------------------------------------
    def layout(self, transform) -> Layout:
        """The drawn units in view, where their symbols go and how they look, under a transform
        (the device transform of a paint, or the scene transform for picking). Cached until the
        transform or the data change."""
        size = self.view_size()
        key = (_key(transform), self._version, size)
        if self._layout is not None and self._layout.key == key:
            return self._layout
        sheet = self.sheet
        idx = self.drawn_indices(transform=transform)
        px, py = device_points(transform, self.x[idx], self.y[idx])
        tx, ty = np.round(px), np.round(py)
        if sheet is not None and len(idx):
            self._choose_styles(idx, size[0] * size[1])
        style = self.styles(idx)
        badge = self.folded_counts(transform)[idx] if len(idx) else np.zeros(0, np.int64)
        badge[style != FULL] = 0  # a crowded view has no room for them
        has_badge = badge > 0
        badge_rect = self.badge_rects(idx, style, badge) if sheet is not None else np.zeros((len(idx), 4))
        x, y = tx, ty
        if sheet is not None and 1 < len(idx) <= DECLUTTER_MAX and not style.any():  # all FULL: not crowded
            rect = self.sprite_rect[idx]
            if has_badge.any():  # the badge is part of the symbol
                rect[has_badge, 0:2] = np.minimum(rect[has_badge, 0:2], badge_rect[has_badge, 0:2])
                rect[has_badge, 2:4] = np.maximum(rect[has_badge, 2:4], badge_rect[has_badge, 2:4])
            # all alike (the selection too: selecting a unit does not reshuffle the map), and
            # none further than about its width from its unit
            width = rect[:, 2] - rect[:, 0]
            ux, uy = declutter(
                px + (rect[:, 0] + rect[:, 2]) / 2,
                py + (rect[:, 1] + rect[:, 3]) / 2,
                width / 2,
                (rect[:, 3] - rect[:, 1]) / 2,
                np.ones(len(idx)),
                reach=NUDGE_REACH * width,
            )
            x, y = np.round(px + ux), np.round(py + uy)
        boxes = self._boxes(idx, style, badge_rect, has_badge, x, y) if sheet is not None else np.zeros((0, 4))
        self._layout = Layout(key, idx, x, y, style, badge, badge_rect, boxes, tx, ty)
        return self._layout

    # -- painting ------------------------------------------------------------------------
    def paint(self, p: QPainter, *args) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        lay = self.layout(p.transform())
        idx, cx, cy, style = lay.idx, lay.x, lay.y, lay.style
        n = len(idx)
        if n == 0:
            return
        kind, look, status = self.kind[idx], self.look[idx], self.status[idx]
        scale = 1.0 / sheet.dpr
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)

        moved = np.flatnonzero(np.hypot(cx - lay.true_x, cy - lay.true_y) > LEADER_MIN_PX)
        if len(moved):  # leader lines from nudged symbols to their units' true positions
            self._paint_leaders(p, lay.true_x[moved], lay.true_y[moved], cx[moved], cy[moved])

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
        f[:, 9] = CERTAINTY_OPACITY[self.certainty[idx]]  # an estimated position is drawn lighter
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

        folded = np.flatnonzero(lay.badge > 0)
        if len(folded):  # "+n": the superior stands for n folded subordinates
            count = np.minimum(lay.badge[folded], BADGE_MAX + 1)
            rect = lay.badge_rect[folded]
            b = self._badges.resize(len(folded))
            b[:, 0] = cx[folded] + (rect[:, 0] + rect[:, 2]) / 2
            b[:, 1] = cy[folded] + (rect[:, 1] + rect[:, 3]) / 2
            b[:, 2:6] = sheet.badge_src[count]
            b[:, 6:10] = (scale, scale, 0.0, 1.0)
            self._badges.draw(p, sheet.pixmap)

    def _paint_leaders(self, p: QPainter, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> None:
        """Thin lines from each unit's position (a dot) to its nudged symbol, in two batched calls."""
        assert self.sheet is not None
        n = len(x0)
        lines = np.ascontiguousarray(np.column_stack((x0 + 0.5, y0 + 0.5, x1 + 0.5, y1 + 0.5)), dtype=float)
        p.setPen(self._leader_pen)
        p.drawLines(shiboken6.wrapInstance(lines.ctypes.data, QLineF), n)
        pins = self._pins.resize(n)
        pins[:, 0], pins[:, 1] = x0, y0
        pins[:, 2:6] = self.sheet.pin_src
        pins[:, 6:10] = (1.0 / self.sheet.dpr, 1.0 / self.sheet.dpr, 0.0, 1.0)
        self._pins.draw(p, self.sheet.pixmap)

    def screen_boxes(self, transform) -> np.ndarray:
        """Screen rects of the symbols of :meth:`screen_positions` (frames, strength bars and badges)."""
        return self.layout(transform).boxes

    def screen_positions(self, transform) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Drawn units in view and the whole-pixel device positions of their symbols and their
        styles under a transform (those of the last paint when it used the same transform and data)."""
        lay = self.layout(transform)
        return lay.idx, lay.x, lay.y, lay.style

    # -- picking -------------------------------------------------------------------------
    def unit_at(self, pos: QPointF, slack_px: float = 3.0) -> int | None:
        """Index of the topmost drawn unit whose symbol (frame, strength bar or badge) contains a scene position."""
        if self.sheet is None or self.scene() is None:
            return None
        lay = self.layout(self.screen_transform())
        idx, box = lay.idx, lay.boxes
        if len(idx) == 0:
            return None
        hit = (pos.x() >= box[:, 0] - slack_px) & (pos.x() <= box[:, 2] + slack_px)
        hit &= (pos.y() >= box[:, 1] - slack_px) & (pos.y() <= box[:, 3] + slack_px)
        found = np.flatnonzero(hit)
        return int(idx[found[-1]]) if len(found) else None


def _key(t) -> tuple[float, ...]:
    return (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())
