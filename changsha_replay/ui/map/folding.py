"""Folding subordinates into their superiors when their symbols would pile up on screen, and
nudging apart the symbols that still overlap: plain numpy, no Qt.

Both depend only on where the units are relative to each other on screen (the scale of the
view, never its position), so they are computed per frame with array operations: folding
walks the order of battle one depth level at a time, never one unit at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A unit folds into its superior when their symbols overlap by more than this part of the smaller one.
FOLD_OVERLAP = 0.2
DECLUTTER_GAP = 2.0  # px kept between symbols nudged apart
DECLUTTER_ITERATIONS = 32
DECLUTTER_TOLERANCE = 1.0  # px of overlap left when done (within the gap)
DECLUTTER_MAX_PAIRS = 10  # close pairs per box beyond which the boxes are left as they are
_SAME_PLACE = 0.01 + 0.005j


class Hierarchy:
    """The order of battle as index arrays, built once per scenario.

    ``parent[i]`` is the index of unit ``i``'s superior (-1 for a top-level unit; a parent cycle
    is cut, so every unit has a finite depth), and ``levels[d]`` the indices of the units at depth ``d``.
    """

    def __init__(self, parent: np.ndarray) -> None:
        parent = np.array(parent, dtype=np.int64).reshape(-1)
        n = len(parent)
        parent[(parent < 0) | (parent >= n)] = -1
        depth = _depths(parent, 64)
        if depth is None:  # a parent cycle (or a very deep chain): cut the cycles, one unit at a time
            _cut_cycles(parent)
            depth = _depths(parent, n + 1)
            assert depth is not None
        self.parent = parent
        self.depth = depth
        self.levels: list[np.ndarray] = [np.flatnonzero(depth == d) for d in range(int(depth.max(initial=-1)) + 1)]
        # the units in level order (top-level units first), where each level is a slice
        self.order = np.concatenate(self.levels) if self.levels else np.zeros(0, np.int64)
        position = np.empty(n, np.int64)
        position[self.order] = np.arange(n)
        up_order = parent[self.order]
        self.parent_pos = np.where(up_order >= 0, position[np.maximum(up_order, 0)], -1)  # in level order
        ends = np.cumsum([len(level) for level in self.levels], dtype=np.int64)
        self.bounds: list[tuple[int, int]] = [(int(e - len(v)), int(e)) for e, v in zip(ends, self.levels)]

    def __len__(self) -> int:
        return len(self.parent)

    def with_ancestors(self, mask: np.ndarray) -> np.ndarray:
        """The units of ``mask`` and all their superiors."""
        out = np.array(mask, dtype=bool, copy=True)
        current = np.flatnonzero(out)
        while len(current):
            current = self.parent[current]
            current = current[current >= 0]
            current = current[~out[current]]
            out[current] = True
        return out


def _depths(parent: np.ndarray, limit: int) -> np.ndarray | None:
    """Number of superiors of each unit, climbing all units at once; None if some climb longer than ``limit``."""
    depth = np.zeros(len(parent), np.int64)
    climbing = np.flatnonzero(parent >= 0)
    up = parent[climbing]
    for _ in range(limit):
        if len(climbing) == 0:
            return depth
        depth[climbing] += 1
        more = parent[up] >= 0
        climbing, up = climbing[more], parent[up[more]]
    return depth if len(climbing) == 0 else None


def _cut_cycles(parent: np.ndarray) -> None:
    """Make one unit of each parent cycle a top-level unit (a broken file must not hang the map)."""
    state = np.zeros(len(parent), np.int8)  # 1: on the current path, 2: done
    for start in range(len(parent)):
        if state[start]:
            continue
        path = []
        i = start
        while i >= 0 and state[i] == 0:
            state[i] = 1
            path.append(i)
            i = int(parent[i])
        if i >= 0 and state[i] == 1:
            parent[i] = -1
        state[path] = 2


@dataclass(frozen=True, eq=False)
class Shapes:
    """Each unit's symbol as a box around its position: centre offset and half size (px), in the
    level order of a :class:`Hierarchy` (``tree.order``), computed once per scenario so that
    folding reads each level as a slice."""

    off_x: np.ndarray
    off_y: np.ndarray
    half_w: np.ndarray
    half_h: np.ndarray
    area: np.ndarray

    @classmethod
    def of(cls, rects: np.ndarray, tree: Hierarchy) -> Shapes:
        """From (n, 4) rects (left, top, right, bottom) relative to each unit's position, in unit order."""
        r = np.asarray(rects, dtype=float).reshape(-1, 4)[tree.order]
        half_w, half_h = (r[:, 2] - r[:, 0]) / 2, (r[:, 3] - r[:, 1]) / 2
        return cls((r[:, 0] + r[:, 2]) / 2, (r[:, 1] + r[:, 3]) / 2, half_w, half_h, 4 * half_w * half_h)


def fold(
    tree: Hierarchy,
    drawable: np.ndarray,
    anchored: np.ndarray,
    keep: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    shapes: Shapes,
    threshold: float = FOLD_OVERLAP,
) -> np.ndarray:
    """For each unit, the index of the drawn superior it is folded into (-1: not folded).

    ``drawable``: units that would be drawn (a position, branch shown); ``anchored``: units with a
    position; ``keep``: units never folded (the selection and its superiors); ``x``, ``y``: screen
    positions in pixels (any origin); ``shapes``: the symbols' boxes around those positions.

    Top-down, one depth level at a time: a drawable unit folds into its nearest drawn superior
    when their symbols overlap by more than ``threshold`` of the smaller one. Folded and hidden
    superiors are looked through (a regiment of a folded division folds into the army when it
    overlaps the army's symbol); a superior without a position is not, so nothing folds past it.
    Top-level units never fold.
    """
    n = len(tree)
    into = np.full(n, -1, np.int64)
    if n == 0:
        return into
    o = tree.order  # everything below is in level order: each level is a slice
    cx, cy = x[o] + shapes.off_x, y[o] + shapes.off_y  # symbol centres (NaN without a position)
    draw, anchor = drawable[o], anchored[o]
    may_fold = draw & ~keep[o]
    here = np.arange(n)
    up = np.where(draw, here, -1)  # nearest drawn unit at or above each unit (-1: none reachable)
    into_here = np.full(n, -1, np.int64)
    hw, hh, area = shapes.half_w, shapes.half_h, shapes.area
    for a, b in tree.bounds[1:]:
        sup = up[tree.parent_pos[a:b]]
        s = np.maximum(sup, 0)
        w = np.minimum(hw[a:b] + hw[s] - np.abs(cx[a:b] - cx[s]), 2 * np.minimum(hw[a:b], hw[s]))
        h = np.minimum(hh[a:b] + hh[s] - np.abs(cy[a:b] - cy[s]), 2 * np.minimum(hh[a:b], hh[s]))
        hit = may_fold[a:b] & (sup >= 0) & (w > 0) & (h > 0)
        hit &= w * h > threshold * np.minimum(area[a:b], area[s])
        into_here[a:b] = np.where(hit, sup, -1)
        up[a:b] = np.where(draw[a:b] & ~hit, here[a:b], np.where(anchor[a:b], sup, -1))
    into[o] = np.where(into_here >= 0, o[np.maximum(into_here, 0)], -1)
    return into


def close_pairs(cx: np.ndarray, cy: np.ndarray, reach_x: float, reach_y: float) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i, j) of points closer than ``reach_x`` across and ``reach_y`` down (sort and sweep)."""
    n = len(cx)
    empty = np.zeros(0, np.int64)
    if n < 2:
        return empty, empty
    order = np.argsort(cx, kind="stable")
    xs = cx[order]
    hi = np.searchsorted(xs, xs + reach_x, side="right")
    counts = np.maximum(hi - np.arange(n) - 1, 0)
    total = int(counts.sum())
    if total == 0:
        return empty, empty
    first = np.repeat(np.arange(n), counts)
    start = np.cumsum(counts) - counts
    second = first + 1 + (np.arange(total) - np.repeat(start, counts))
    i, j = order[first], order[second]
    near = np.abs(cy[j] - cy[i]) < reach_y
    return i[near], j[near]


def declutter(
    cx: np.ndarray,
    cy: np.ndarray,
    half_w: np.ndarray,
    half_h: np.ndarray,
    mass: np.ndarray,
    gap: float = DECLUTTER_GAP,
    iterations: int = DECLUTTER_ITERATIONS,
    reach: np.ndarray | float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Screen offsets that move overlapping boxes (centres ``cx``, ``cy``, half sizes) apart.

    Each overlapping pair is pushed apart along the line between its centres until the boxes just
    touch, the lighter box moving more (``mass``). No box moves further than its ``reach`` (px)
    from where it belongs: a symbol stays by its unit, and boxes that cannot part within that
    overlap rather than mislead. The push varies smoothly with the positions, so symbols drift
    rather than jump while units move; boxes that do not overlap do not move, so the offsets fall
    to zero as the view zooms in and units separate.

    All pairs are pushed at once each iteration; positions and separations are complex numbers
    (x + iy). Sums use ``bincount``, not a matrix product: a threaded BLAS call on small arrays
    can stall a frame for many milliseconds.
    """
    n = len(cx)
    if n < 2:
        return np.zeros(n), np.zeros(n)
    wmax, hmax = float(half_w.max()), float(half_h.max())
    i, j = close_pairs(cx, cy, 4.0 * wmax + 2 * gap, 4.0 * hmax + 2 * gap)
    m = len(i)
    if m == 0 or m > DECLUTTER_MAX_PAIRS * n:  # nothing close, or a heap too dense to spread out readably
        return np.zeros(n), np.zeros(n)
    span_x, span_y = half_w[i] + half_w[j] + gap, half_h[i] + half_h[j] + gap
    share_i = mass[j] / (mass[i] + mass[j])  # how much of a pair's push each of its boxes takes
    share_j = 1.0 - share_i
    start = (cx[j] - cx[i]) + 1j * (cy[j] - cy[i])
    start[start == 0] = _SAME_PLACE  # boxes on the same spot part in a fixed direction
    reach = np.broadcast_to(np.asarray(reach, dtype=float), (n,))
    offset = np.zeros(n, complex)
    for _ in range(iterations):
        separation = start + offset[j] - offset[i]
        over_x = span_x - np.abs(separation.real)
        over_y = span_y - np.abs(separation.imag)
        hit = (over_x > DECLUTTER_TOLERANCE) & (over_y > DECLUTTER_TOLERANCE)
        if not hit.any():
            break
        with np.errstate(divide="ignore"):  # a pair in line across or down: the other axis decides
            scale = np.minimum(span_x / np.abs(separation.real), span_y / np.abs(separation.imag))
        push = np.where(hit, separation * (scale - 1.0), 0.0)  # move apart until the boxes just touch
        before = offset
        offset = offset + _moves(i, j, share_i, share_j, push, n)
        far = np.abs(offset)
        over = far > reach
        if over.any():  # held at its reach, along the way it was pushed
            offset[over] *= reach[over] / far[over]
            if np.abs(offset - before).max() < 0.25:  # held fast: no move left to make
                break
    return offset.real, offset.imag


def _moves(i, j, share_i, share_j, push: np.ndarray, n: int) -> np.ndarray:
    """The move of each box (complex) from the pushes of the pairs it belongs to."""
    x = np.bincount(j, push.real * share_j, n) - np.bincount(i, push.real * share_i, n)
    y = np.bincount(j, push.imag * share_j, n) - np.bincount(i, push.imag * share_i, n)
    return x + 1j * y


def overlap_fractions(rects: np.ndarray) -> np.ndarray:
    """For each overlapping pair of (left, top, right, bottom) rects, the overlap as a part of the
    smaller one (for checks; all pairs)."""
    rects = np.asarray(rects, dtype=float).reshape(-1, 4)
    i, j = np.triu_indices(len(rects), 1)
    a, b = rects[i], rects[j]
    w = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    area = (rects[:, 2] - rects[:, 0]) * (rects[:, 3] - rects[:, 1])
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    return inter / np.maximum(np.minimum(area[i], area[j]), 1e-9)
