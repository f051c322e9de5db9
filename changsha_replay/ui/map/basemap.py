"""The static basemap: paper, lakes, rivers, time-spanned features and places, drawn as one image.

All static layers are painted (antialiased) into one opaque, viewport-sized image that is
kept until the view or a layer changes. A frame then costs a single opaque blit instead of
one alpha-blended, viewport-sized cache pixmap per layer (``DeviceCoordinateCache``): at
1600 × 1000 that is about 0.3 ms instead of about 1 ms per layer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from ...model.featured import EVENT_SHOWN
from ...model.records import Event, Feature, Phase, Place
from ..names import bilingual
from . import style
from .fonts import label_font
from .geo import Projection, device_points, lines_of, polygons_of
from .labels import ECHELON_MARK_PX, Coverage, TextSprites, place_label, place_labels
from .overlay import OverlayItem


class RiverStyle(NamedTuple):
    width: float
    dashed: bool


def river_style(feature: Feature) -> RiverStyle:
    """Line width by importance: a named single river is major; WDBII levels get thinner."""
    found = re.search(r"level\s*(\d)", f"{feature.id} {feature.name_en}", re.IGNORECASE)
    if feature.schematic:
        return RiverStyle(1.5, True)
    if found:
        level = int(found.group(1))
        return RiverStyle({1: 2.2, 2: 1.6, 3: 1.1}.get(level, 0.8), False)
    return RiverStyle(2.4, False)


def _path_of_lines(parts: Sequence[np.ndarray], proj: Projection) -> QPainterPath:
    """One path of many polylines, built in one numpy pass."""
    parts = [p for p in parts if len(p) >= 2]
    if not parts:
        return QPainterPath()
    coords = np.concatenate(parts)
    connect = np.ones(len(coords), dtype=bool)
    ends = np.cumsum([len(p) for p in parts]) - 1
    connect[ends] = False
    x, y = proj.xy(coords[:, 1], coords[:, 0])
    return pg.arrayToQPath(np.ascontiguousarray(x), np.ascontiguousarray(y), connect=connect)


class StaticLayer:
    """A layer of the basemap: drawn into the basemap image, never on its own."""

    def __init__(self) -> None:
        self.visible = True

    def draw(self, p: QPainter, transform: QTransform) -> None:
        """Paint with ``p`` (whose transform is ``transform``, map to device) — leave it as found."""


class PathLayer(StaticLayer):
    """Static paths with screen-constant pens."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[tuple[QPainterPath, QPen, QBrush | None]] = []

    def draw(self, p: QPainter, transform: QTransform) -> None:
        for path, pen, brush in self.paths:
            p.setPen(pen)
            p.setBrush(brush if brush is not None else Qt.BrushStyle.NoBrush)
            p.drawPath(path)


def cosmetic_pen(colour, width: float, dashed: bool = False) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if dashed:
        pen.setDashPattern([5.0, 3.0])
    return pen


class RiversLayer(PathLayer):
    """Rivers in blue, thinner for minor ones; schematic rivers dashed."""

    def set_features(self, features: Sequence[Feature], proj: Projection) -> None:
        groups: dict[RiverStyle, list[np.ndarray]] = {}
        for f in features:
            if f.kind == "river":
                groups.setdefault(river_style(f), []).extend(lines_of(f.geometry))
        layers = []
        for rs in sorted(groups, key=lambda s: s.width):  # major rivers on top
            layers.append((_path_of_lines(groups[rs], proj), cosmetic_pen(style.RIVER, rs.width, rs.dashed), None))
        self.paths = layers


class LakesLayer(PathLayer):
    """Lakes filled light blue with a thin shore line."""

    def set_features(self, features: Sequence[Feature], proj: Projection) -> None:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for f in features:
            if f.kind != "lake":
                continue
            for rings in polygons_of(f.geometry):
                for ring in rings:
                    x, y = proj.xy(ring[:, 1], ring[:, 0])
                    path.addPolygon(QPolygonF([QPointF(a, b) for a, b in zip(x.tolist(), y.tolist())]))
                    path.closeSubpath()
        self.paths = [(path, cosmetic_pen(style.WATER_EDGE, 0.8), QBrush(style.WATER))]


# Label style of each place kind: (font px, bold, italic, colour, draws a dot)
_PLACE_STYLES = {
    "city": (13, True, False, style.CITY_TEXT, True),
    "town": (11, False, False, style.PLACE_TEXT, True),
    "crossing": (11, False, False, style.PLACE_TEXT, True),
    "mountain": (11, False, True, style.PLACE_TEXT, True),
    "temple": (11, False, False, style.PLACE_TEXT, True),
    "river": (11, False, True, style.RIVER_LABEL, False),
    "lake": (12, False, True, style.RIVER_LABEL, False),
    "region": (12, False, False, style.REGION_TEXT, False),
}
_PLACE_PRIORITY = ("city", "region", "lake", "town", "crossing", "mountain", "temple", "river")


class PlacesLayer(StaticLayer):
    """Gazetteer places: small dots and decluttered labels in the chosen language."""

    def __init__(self) -> None:
        super().__init__()
        self.places: tuple[Place, ...] = ()
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.texts: list[str] = []
        self.kinds: list[str] = []
        self._sprites: dict[str, TextSprites] = {}
        self._sizes = np.zeros((0, 2))
        self._dotted = np.zeros(0, bool)
        self._order: list[int] = []
        self.last_rects: list[tuple[float, float, float, float]] = []
        self.texts_version = 0
        self.key = np.zeros(0, bool)  # the scenario's key places
        self.first = np.zeros(0, bool)  # named first now: key places, those of the phase and events
        self.of_events = np.zeros(0, bool)  # those of the current events (before the phase's)
        self._named_by_phase: list[np.ndarray] = []
        self._phase_starts = np.zeros(0)
        self._event_start = self._event_end = np.zeros(0)
        self._event_place = np.zeros(0, np.int64)

    def set_places(self, places: Sequence[Place], proj: Projection, mode: str, dpr: float) -> None:
        self.places = tuple(places)
        self.key = np.array([bool(p.key_place) for p in self.places], dtype=bool)
        self.first = self.key.copy()
        self.of_events = np.zeros(len(self.places), bool)
        self.set_story((), ())  # of these places: set_story again
        lat = np.array([p.lat for p in self.places], dtype=float)
        lon = np.array([p.lon for p in self.places], dtype=float)
        self.x, self.y = proj.xy(lat, lon)
        self.kinds = [p.kind if p.kind in _PLACE_STYLES else "town" for p in self.places]
        self._sprites = {
            kind: TextSprites(label_font(size, bold, italic), colour, dpr)
            for kind, (size, bold, italic, colour, _dot) in _PLACE_STYLES.items()
        }
        self.set_name_mode(mode)

    def set_story(self, phases: Sequence[Phase], events: Sequence[Event]) -> None:
        """What the phases and events name, so that their places are named first when current:
        the places a phase's title or summary names, and the place of each event (while the
        event is current: up to its end, or 12 hours after it)."""
        names = [_names_of(p) for p in self.places]
        self._named_by_phase = []
        for phase in phases:
            text = " ".join((phase.title_en, phase.summary_en, phase.title_zh, phase.summary_zh))
            self._named_by_phase.append(np.array([_names_in(text, n) for n in names], dtype=bool).reshape(-1))
        self._phase_starts = np.array([phase.start for phase in phases], dtype=float)
        index = {p.id: i for i, p in enumerate(self.places)}
        placed = [e for e in events if e.place_id in index]
        self._event_start = np.array([e.time for e in placed], dtype=float)
        self._event_end = np.array([e.end if e.end is not None else e.time + EVENT_SHOWN for e in placed], dtype=float)
        self._event_place = np.array([index[e.place_id] for e in placed], dtype=np.int64)

    def set_time(self, t: float) -> bool:
        """The places named first at ``t``; True when they changed."""
        first = self.key.copy()
        if len(self._named_by_phase):
            phase = int(np.searchsorted(self._phase_starts, t, side="right")) - 1
            if 0 <= phase < len(self._named_by_phase) and len(self._named_by_phase[phase]) == len(first):
                first |= self._named_by_phase[phase]
        current = (self._event_start <= t) & (t <= self._event_end)
        of_events = np.zeros(len(first), bool)
        of_events[self._event_place[current]] = True
        first |= of_events
        if np.array_equal(first, self.first) and np.array_equal(of_events, self.of_events):
            return False
        self.first, self.of_events = first, of_events
        return True

    def set_name_mode(self, mode: str) -> None:
        self.texts_version += 1  # other texts, other widths: the names are placed again
        self.texts = [place_label(bilingual(p.name_en, p.name_zh, mode)) for p in self.places]
        # what the labels' placement needs of each place, worked out once, not at every paint
        sizes = np.array([self._sprites[k].size(t) for k, t in zip(self.kinds, self.texts)], dtype=float)
        self._sizes = sizes.reshape(-1, 2)
        self._dotted = np.array([_PLACE_STYLES[k][4] for k in self.kinds], dtype=bool)
        priority = [_PLACE_PRIORITY.index(k) for k in self.kinds]
        self._order = sorted(range(len(self.places)), key=lambda i: (priority[i], i))

    def draw(self, p: QPainter, transform: QTransform) -> None:
        """The dots, into the static image (the labels are :class:`PlaceLabelsItem`'s, drawn
        each paint so that they keep clear of the units)."""
        if not len(self.x):
            return
        px, py = device_points(transform, self.x, self.y)
        dotted = np.array([_PLACE_STYLES[k][4] for k in self.kinds])
        p.save()
        p.resetTransform()
        p.setPen(QPen(style.PAPER, 1.2))
        p.setBrush(style.PLACE_DOT)
        for i in np.flatnonzero(dotted).tolist():
            x, y, kind = float(px[i]), float(py[i]), self.kinds[i]
            r = 3.6 if kind == "city" else 2.4
            if kind == "mountain":
                p.drawPolygon(QPolygonF([QPointF(x, y - r - 1), QPointF(x - r, y + r), QPointF(x + r, y + r)]))
            elif kind == "city":
                p.drawRect(QRectF(x - r, y - r, 2 * r, 2 * r))
            else:
                p.drawEllipse(QPointF(x, y), r, r)
        p.restore()

    def label_candidates(self, transform: QTransform) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
        """(left, top) of each label's positions in device pixels, (n, 2): right of its dot, then
        left of it (a label without a dot is centred on its place); widths, heights; priority order."""
        px, py = device_points(transform, self.x, self.y)
        w, h, dotted = self._sizes[:, 0], self._sizes[:, 1], self._dotted
        right = np.where(dotted, px + 5.0, px - w / 2)
        left_of = np.where(dotted, px - 5.0 - w, px - w / 2)
        left = np.round(np.column_stack((right, left_of)))
        top = np.round(np.repeat((py - h / 2)[:, None], 2, axis=1))
        return left, top, w, h, self._order

    def pixmap(self, i: int):
        return self._sprites[self.kinds[i]].pixmap(self.texts[i])




def _names_of(place: Place) -> list[str]:
    """The names a text may call a place by: its English name without remarks, and its Chinese."""
    names = [place_label(place.name_en), place_label(place.name_zh)]
    return [n for n in names if len(n) >= 2]


def _names_in(text: str, names: list[str]) -> bool:
    for name in names:
        if name.isascii():
            if re.search(rf"\b{re.escape(name)}\b", text):
                return True
        elif name in text:
            return True
    return False


def _overlap(rects: np.ndarray, obstacles: np.ndarray) -> np.ndarray:
    """Area of each rect (left, top, right, bottom) that the obstacles cover (overlaps summed)."""
    if len(obstacles) == 0 or len(rects) == 0:
        return np.zeros(len(rects))
    r, o = rects[:, None, :], obstacles[None, :, :]
    w = np.clip(np.minimum(r[..., 2], o[..., 2]) - np.maximum(r[..., 0], o[..., 0]), 0, None)
    h = np.clip(np.minimum(r[..., 3], o[..., 3]) - np.maximum(r[..., 1], o[..., 1]), 0, None)
    return (w * h).sum(axis=1)


def covered(rects: np.ndarray, obstacles: np.ndarray, width: float, height: float) -> np.ndarray:
    """Which rects (left, top, right, bottom) overlap any obstacle: compared pair by pair when
    that is cheap, else through a coverage grid (which errs on the side of covered)."""
    if len(obstacles) == 0:
        return np.zeros(len(rects), bool)
    if len(rects) * len(obstacles) <= 200_000:
        r, o = rects[:, None, :], obstacles[None, :, :]
        hit = (r[..., 0] < o[..., 2]) & (o[..., 0] < r[..., 2]) & (r[..., 1] < o[..., 3]) & (o[..., 1] < r[..., 3])
        return hit.any(axis=1)
    return Coverage(obstacles, width, height).count(rects) > 0


class PlaceLabelsItem(OverlayItem):
    """The places' names, placed each paint: never over a unit's symbol or a unit's name (right
    of the place's dot, else left of it, else not at all), never over one another, cities first."""

    def __init__(self, places: PlacesLayer, units, unit_labels, first: KeyPlaceLabelsItem | None = None) -> None:
        super().__init__()
        self.places = places
        self.units = units  # the UnitsLayer whose symbols the names keep clear of
        self.unit_labels = unit_labels  # and the UnitLabelsLayer whose labels they keep clear of
        self.first = first  # the names placed before any other (key places …), kept clear of too

    def paint(self, p: QPainter, *args) -> None:
        places = self.places
        places.last_rects = []
        if not places.visible or not len(places.x):
            return
        t = p.transform()
        left, top, w, h, order = places.label_candidates(t)
        width, height = self.view_size()
        allowed = (left < width) & (left + w[:, None] > 0) & (top < height) & (top + h[:, None] > 0)
        obstacles = []
        units = self.units
        if units is not None and units.sheet is not None:
            boxes = units.screen_boxes(t).copy()
            boxes[:, 1] -= ECHELON_MARK_PX
            obstacles.append(boxes)
        if self.unit_labels is not None and self.unit_labels.isVisible():
            labelled = self.unit_labels.placement(t)  # placed first: unit names matter more
            obstacles.append(np.array([(x, y, x + w_, y + h_) for _i, x, y, w_, h_ in labelled]).reshape(-1, 4))
        if self.first is not None:
            allowed &= ~places.first[:, None]  # those are named by the item above the units
            obstacles.append(self.first.rects(t))
        if obstacles:
            rects = np.stack((left, top, left + w[:, None], top + h[:, None]), axis=-1).reshape(-1, 4)
            allowed &= ~covered(rects, np.concatenate(obstacles), width, height).reshape(left.shape)
        p.resetTransform()
        for i, k in place_labels(left, top, w, h, order, allowed):
            x0, y0 = float(left[i, k]), float(top[i, k])
            p.drawPixmap(QPointF(x0, y0), places.pixmap(i))
            places.last_rects.append((x0, y0, float(w[i]), float(h[i])))


class KeyPlaceLabelsItem(OverlayItem):
    """The names of the places that matter now, placed before anything else and drawn above the
    units: the scenario's key places (Changsha …), those the current phase names and those of
    the current events. Each keeps clear of the units' symbols and of the others' dots where it
    can (right of its dot, left, above, below, at a corner); a key place or a current event's is
    drawn anyway where it cannot. Unit names and other place names keep clear of them."""

    def __init__(self, places: PlacesLayer, units, unit_labels) -> None:
        super().__init__()
        self.places = places
        self.units = units
        self.unit_labels = unit_labels  # whose generation says when the units moved
        self._placed: tuple[tuple, list[tuple[int, float, float, float, float]], np.ndarray] | None = None
        self.last_rects: list[tuple[float, float, float, float]] = []  # (left, top, width, height) drawn
        self._generation = -1  # of the unit labels (bumped when the units move) at the last look
        self._hidden_then = 0  # names over a symbol when they were placed

    def placement(self, t: QTransform) -> list[tuple[int, float, float, float, float]]:
        return self._place(t)[0]

    def rects(self, t: QTransform) -> np.ndarray:
        """(left, top, right, bottom) of the names placed under ``t``: the same array while
        nothing changed (the unit labels compare it to know whether to place themselves again)."""
        return self._place(t)[1]

    def _place(self, t: QTransform) -> tuple[list[tuple[int, float, float, float, float]], np.ndarray]:
        places = self.places
        generation = getattr(self.unit_labels, "_generation", 0)
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), self.view_size())
        key += (places.first.tobytes(), places.of_events.tobytes(), places.visible, places.texts_version)
        if self._placed is not None and self._placed[0] == key:
            if self._generation == generation:
                return self._placed[1], self._placed[2]
            # the units moved: the names stay where they are while they hide no more of them
            # (a layout that shuffles at every step is hard to read), else they are placed again
            self._generation = generation
            if self._hidden(t, self._placed[2]) <= self._hidden_then:
                return self._placed[1], self._placed[2]
        self._generation = generation
        placed: list[tuple[int, float, float, float, float]] = []
        chosen = np.flatnonzero(places.first) if places.visible and len(places.x) == len(places.first) else []
        if len(chosen):
            left2, top2, w, h, _order = places.label_candidates(t)
            px, py = device_points(t, places.x, places.y)
            # right of the dot, left of it, above, below, then at its four corners
            above, below = np.round(py - h - 5.0), np.round(py + 5.0)
            centred, right, left_of = np.round(px - w / 2), left2[:, 0], left2[:, 1]
            left = np.column_stack((left2, centred, centred, right, right, left_of, left_of))
            top = np.column_stack((top2, above, below, above, below, above, below))
            width, height = self.view_size()
            inside = (left < width) & (left + w[:, None] > 0) & (top < height) & (top + h[:, None] > 0)
            rects = np.stack((left, top, left + w[:, None], top + h[:, None]), axis=-1).reshape(-1, 4)
            reserved = getattr(self.unit_labels, "reserved", np.zeros((0, 4)))
            if len(reserved):  # under the scale bar or the weather chip is out of view
                inside &= ~covered(rects, reserved, width, height).reshape(left.shape)
            allowed = inside.copy()
            # no name over the dot of another of these places (Changsha's over Langli's …)
            dots = np.column_stack((px[chosen] - 4, py[chosen] - 4, px[chosen] + 4, py[chosen] + 4))
            obstacles = [dots]
            units = self.units
            if units is not None and units.sheet is not None:
                boxes = units.screen_boxes(t).copy()
                boxes[:, 1] -= ECHELON_MARK_PX
                obstacles.append(boxes)
            allowed &= ~covered(rects, np.concatenate(obstacles), width, height).reshape(left.shape)
            # key places, then those of the current events, then those the phase names
            position = np.empty(len(places._order), np.int64)
            position[places._order] = np.arange(len(places._order))  # by kind (cities first), then as listed
            order = sorted(
                chosen.tolist(), key=lambda i: (not places.key[i], not places.of_events[i], int(position[i]))
            )
            # the key places and those of the current events first, named even where every place
            # is over a symbol (the first place in view that no other of these names covers);
            # the places the phase names then where room is left
            forced = places.key | places.of_events
            first_order = [i for i in order if forced[i]]
            found = dict(place_labels(left, top, w, h, first_order, allowed))
            missing = [i for i in first_order if i not in found and inside[i].any()]
            if missing:
                kept = np.zeros_like(inside)
                for i, k in found.items():
                    kept[i, k] = True  # the names already placed stay where they are
                free_of_dots = ~covered(rects, dots, width, height).reshape(left.shape)
                kept[missing] = inside[missing] & free_of_dots[missing]
                # each at the place where it hides the least of the symbols
                symbols = obstacles[-1] if len(obstacles) > 1 else dots
                positions = left.shape[1]
                order_k = np.tile(np.arange(positions), (len(left), 1))
                mine = rects.reshape(len(left), positions, 4)[missing].reshape(-1, 4)
                hidden = _overlap(mine, symbols).reshape(len(missing), positions)
                order_k[missing] = np.argsort(hidden, axis=1, kind="stable")
                rows = np.arange(len(left))[:, None]
                chosen_k = dict(
                    place_labels(left[rows, order_k], top[rows, order_k], w, h, [*found, *missing], kept[rows, order_k])
                )
                found = {i: int(order_k[i, k]) for i, k in chosen_k.items()}
            rest = [i for i in order if not forced[i]]
            if rest:
                kept = np.zeros_like(inside)
                for i, k in found.items():
                    kept[i, k] = True
                kept[rest] = allowed[rest]
                found = dict(place_labels(left, top, w, h, [*found, *rest], kept))
            placed = [(i, float(left[i, k]), float(top[i, k]), float(w[i]), float(h[i])) for i, k in found.items()]
        rects = np.array([(x, y, x + w_, y + h_) for _i, x, y, w_, h_ in placed], dtype=float).reshape(-1, 4)
        self._placed = (key, placed, rects)
        self._hidden_then = self._hidden(t, rects)
        return placed, rects

    def _hidden(self, t: QTransform, rects: np.ndarray) -> int:
        """How many of the names in ``rects`` lie over a unit's symbol."""
        units = self.units
        if not len(rects) or units is None or units.sheet is None:
            return 0
        boxes = units.screen_boxes(t).copy()
        boxes[:, 1] -= ECHELON_MARK_PX
        width, height = self.view_size()
        return int(covered(rects, boxes, width, height).sum())

    def paint(self, p: QPainter, *args) -> None:
        t = p.transform()
        placed = self.placement(t)
        p.resetTransform()
        for i, x0, y0, _w, _h in placed:
            p.drawPixmap(QPointF(x0, y0), self.places.pixmap(i))
        self.last_rects = [(x0, y0, w, h) for _i, x0, y0, w, h in placed]


class BasemapItem(OverlayItem):
    """The static layers drawn, in order, into one opaque image a little larger than the
    viewport. The image is kept until the zoom, the device or a layer changes
    (:meth:`invalidate`); panning (and following a unit) within the margin only moves it.
    After a zoom the image covers the viewport alone; the first pan draws it with the margin."""

    MARGIN = 256  # px drawn beyond each edge of the viewport

    def __init__(self, layers: Sequence[StaticLayer]) -> None:
        super().__init__()
        self.layers = list(layers)
        self._image: QImage | None = None
        self._key: tuple | None = None
        self._origin = (0.0, 0.0)  # the transform's translation when the image was drawn
        self._margin = 0  # px drawn beyond each edge of the viewport in the current image
        self._version = 0
        self.renders = 0  # how many times the image was drawn (for checks)

    def invalidate(self) -> None:
        """A layer changed: draw the image again at the next paint."""
        self._version += 1
        self.update()

    def paint(self, p: QPainter, *args) -> None:
        device = p.device()
        view_w, view_h = self.view_size()
        if device is None or view_w <= 0:
            return
        t = p.transform()
        dpr = device.devicePixelRatio()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), view_w, view_h, dpr, self._version)
        shift_x, shift_y = round(t.dx() - self._origin[0]), round(t.dy() - self._origin[1])
        fresh = key != self._key or self._image is None
        if fresh or abs(shift_x) > self._margin or abs(shift_y) > self._margin:
            # A new zoom (or the first paint) draws the viewport alone, a third of the pixels;
            # the margin that lets panning only move the image comes with the first pan.
            m = self._margin = 0 if fresh else self.MARGIN
            width, height = view_w + 2 * m, view_h + 2 * m
            image = QImage(round(width * dpr), round(height * dpr), QImage.Format.Format_RGB32)
            image.setDevicePixelRatio(dpr)
            image.fill(style.PAPER)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            shifted = t * QTransform.fromTranslate(m, m)
            painter.setTransform(shifted)
            for layer in self.layers:
                if layer.visible:
                    layer.draw(painter, shifted)
            painter.end()
            self._image, self._key, self._origin = image, key, (t.dx(), t.dy())
            shift_x = shift_y = 0
            self.renders += 1
        p.save()
        p.resetTransform()
        p.drawImage(QPointF(shift_x - self._margin, shift_y - self._margin), self._image)
        p.restore()
