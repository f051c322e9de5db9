"""APP-6 unit symbols (milsymbol) rendered once into one atlas, with the status and strength sprites.

Each distinct SIDC is rendered once with QtSvg into a cell whose centre is the symbol's
anchor (the frame centre; the foot of the staff for a headquarters), so a fragment drawn at a
unit's screen position puts the symbol where it belongs whatever its amplifiers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QImage, QPainter, QPen, QPixmap

from .fonts import label_font
from .painting import AtlasBuilder, content_box, crop, crop_to_content, new_image
from .symbol_cache import SymbolCache

SYMBOL_SIZE = 24  # milsymbol size: a friendly frame is 36 × 24 px, a hostile diamond 35 px across
COMPACT_SIZE = 13  # SMALL symbols of a crowded view (no strength bar, no echelon marks)
HALO_COLOUR = QColor(255, 196, 0)
RING_COLOUR = QColor(194, 65, 12)
CROSS_COLOUR = QColor(127, 29, 29)
BAR_WIDTH = 32.0  # inner width of the strength bar, logical px
BAR_HEIGHT = 4.0
BAR_GAP = 3.0  # between the frame and the bar
BAR_EDGE = QColor(55, 65, 81, 230)
BAR_EMPTY = QColor(243, 244, 246, 235)
BADGE_FILL = QColor(55, 65, 81)
BADGE_TEXT = QColor(255, 255, 255)
BADGE_EDGE = QColor(255, 255, 255, 230)
BADGE_MAX = 99  # counts above are shown as "99+"
PIN_COLOUR = QColor(55, 65, 81, 200)  # the true position of a unit whose symbol is nudged aside
PIN_SIZE = 5.0

# (sidc, size, dpr) → (image, anchor x, anchor y, frame rect relative to the anchor): symbols are
# rendered once per process, not once per scenario.
_rendered: dict[tuple[str, int, float], tuple[QImage, tuple[float, float, float, float]]] = {}


FULL, SMALL, DOT = 0, 1, 2  # drawing styles of a unit, from a readable map to a crowded one
DOT_SIZE = 6.0


@dataclass(frozen=True, eq=False)
class SymbolSheet:
    """The atlas and lookup tables of where each sprite is in it.

    A unit's sprite depends on its style (``FULL``: symbol and strength bar, pre-drawn for
    every whole pixel of bar fill; ``SMALL``: a small symbol without echelon marks; ``DOT``:
    a dot in its side's colour) and its look, a (symbol, side) pair. Source rects are
    (left, top, width, height) in atlas device pixels; offsets and frames are logical pixels
    relative to the unit's anchor (sprites are cropped to their content).
    """

    sidcs: tuple[str, ...]
    looks: tuple[tuple[int, int], ...]  # (symbol index, side index)
    pixmap: QPixmap
    dpr: float
    levels: int  # strength levels of FULL sprites
    sprite_src: np.ndarray  # (3, looks, levels, 4) by [style, look, level]
    sprite_offset: np.ndarray  # (3, looks, 2): sprite centre relative to the anchor
    sprite_area: np.ndarray  # (3, looks): px² on screen
    frames: np.ndarray  # (3, symbols, 4): frame (left, top, right, bottom) by [style, symbol]
    boxes: np.ndarray  # (3, symbols, 4): frame and strength bar
    mark_offset: np.ndarray  # (3, symbols, 2): whole-pixel frame centre, where markers go
    halo_src: np.ndarray  # (symbols, 4): selection glow of a FULL symbol
    ring_src: np.ndarray  # (3, 4): encircled marker by style (DOT: none)
    cross_src: np.ndarray  # (3, 4): destroyed marker by style (DOT: none)
    badge_src: np.ndarray  # (BADGE_MAX + 2, 4): "+n" badge by count (row 0 unused, the last "99+")
    badge_size: np.ndarray  # (BADGE_MAX + 2, 2): its logical width and height
    pin_src: np.ndarray  # (4,): the dot where a nudged symbol's leader line starts


def _svg_symbol(sidc: str, size: int) -> tuple[str, float, float, float, float, tuple[float, float, float, float]]:
    """SVG text, anchor (x, y), size (w, h) and frame rect relative to the anchor, from milsymbol."""
    import milsymbol  # imported lazily: its first use loads its data (≈ 0.4 s)

    symbol = milsymbol.Symbol(sidc, size=size)
    svg = symbol.as_svg()
    anchor, box = symbol.get_anchor(), symbol.get_size()
    ax, ay, w, h = float(anchor["x"]), float(anchor["y"]), float(box["width"]), float(box["height"])
    frame = (-ax, -ay, w - ax, h - ay)  # the whole symbol when the frame is unknown
    frame_box = getattr(symbol, "_get_frame_bbox", None)
    view_box = svg.split('viewBox="', 1)[1].split('"', 1)[0].split() if 'viewBox="' in svg else None
    if callable(frame_box) and view_box and len(view_box) == 4:
        fb = frame_box()
        vx, vy, vw, _vh = (float(v) for v in view_box)
        scale = w / vw
        frame = (
            (fb["x1"] - vx) * scale - ax,
            (fb["y1"] - vy) * scale - ay,
            (fb["x2"] - vx) * scale - ax,
            (fb["y2"] - vy) * scale - ay,
        )
    return svg, ax, ay, w, h, frame


def _fallback_symbol(size: int) -> tuple[str, float, float, float, float, tuple[float, float, float, float]]:
    """A plain question-mark frame for a SIDC milsymbol cannot draw."""
    w, h = 1.5 * size, float(size)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 150 100">'
        '<rect x="2" y="2" width="146" height="96" fill="#e5e7eb" stroke="black" stroke-width="4"/>'
        '<text x="75" y="72" text-anchor="middle" font-size="60" font-weight="bold">?</text></svg>'
    )
    return svg, w / 2, h / 2, w, h, (-w / 2, -h / 2, w / 2, h / 2)


@functools.cache
def _symbol_cache() -> SymbolCache:
    """milsymbol's SVGs kept in the user's cache folder (one cache for the whole application)."""
    return SymbolCache.default()


def render_symbol(sidc: str, size: int, dpr: float) -> tuple[QImage, tuple[float, float, float, float]]:
    """Image of a symbol with its anchor at the image centre, and its frame rect relative to the anchor."""
    key = (sidc, size, dpr)
    if key not in _rendered:
        try:
            svg, ax, ay, w, h, frame = _symbol_cache().get(sidc, size, _svg_symbol)
        except Exception:  # an unknown or malformed SIDC: draw a placeholder, never fail the map
            svg, ax, ay, w, h, frame = _fallback_symbol(size)
        half_w = math.ceil(max(ax, w - ax)) + 1
        half_h = math.ceil(max(ay, h - ay)) + 1
        image = new_image(2 * half_w, 2 * half_h, dpr)
        from PySide6.QtSvg import QSvgRenderer  # here: with the sheet cached, a start draws no SVG

        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(half_w - ax, half_h - ay, w, h))
        painter.end()
        _rendered[key] = (image, frame)
    return _rendered[key]


def compact_sidc(sidc: str) -> str:
    """The SIDC without headquarters staff and echelon marks (for the small symbols of a crowded view)."""
    if len(sidc) == 20 and sidc.isdigit():
        return sidc[:7] + "000" + sidc[10:]
    if len(sidc) == 15:
        return sidc[:10] + "--" + sidc[12:]
    return sidc


def _silhouette(image: QImage, colour: QColor) -> QImage:
    out = image.copy()
    painter = QPainter(out)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(out.rect(), colour)
    painter.end()
    return out


def _halo(image: QImage, dpr: float, radius: float = 4.0) -> QImage:
    """A glow following the symbol's outline (the selection highlight)."""
    r = math.ceil(radius)
    w, h = image.width() / dpr + 2 * r, image.height() / dpr + 2 * r
    out = new_image(w, h, dpr)
    shape = _silhouette(image, HALO_COLOUR)
    painter = QPainter(out)
    for ring, alpha in ((radius, 0.55), (radius * 0.55, 1.0)):
        painter.setOpacity(alpha)
        for k in range(16):
            a = 2 * math.pi * k / 16
            painter.drawImage(QPointF(r + ring * math.cos(a), r + ring * math.sin(a)), shape)
    painter.end()
    return out


def _ring(radius: float, dpr: float) -> QImage:
    """Encircled: a hatched disc in a ring with inward teeth (drawn beneath the symbol)."""
    size = 2 * radius + 8
    image = new_image(size, size, dpr)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    c = size / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(RING_COLOUR.red(), RING_COLOUR.green(), RING_COLOUR.blue(), 45))
    painter.drawEllipse(QPointF(c, c), radius, radius)
    painter.setBrush(
        QBrush(QColor(RING_COLOUR.red(), RING_COLOUR.green(), RING_COLOUR.blue(), 150), Qt.BrushStyle.BDiagPattern)
    )
    painter.drawEllipse(QPointF(c, c), radius, radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(255, 255, 255, 220), 5.0))
    painter.drawEllipse(QPointF(c, c), radius, radius)
    painter.setPen(QPen(RING_COLOUR, 2.4))
    painter.drawEllipse(QPointF(c, c), radius, radius)
    for k in range(16):
        a = 2 * math.pi * k / 16
        painter.drawLine(
            QPointF(c + radius * math.cos(a), c + radius * math.sin(a)),
            QPointF(c + (radius - 4.5) * math.cos(a), c + (radius - 4.5) * math.sin(a)),
        )
    painter.end()
    return image


def _cross(size: float, dpr: float) -> QImage:
    """Destroyed: a cross over the symbol."""
    image = new_image(size + 6, size + 6, dpr)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for colour, width in ((QColor(255, 255, 255, 220), 6.0), (CROSS_COLOUR, 3.0)):
        pen = QPen(colour, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(QPointF(3, 3), QPointF(size + 3, size + 3))
        painter.drawLine(QPointF(size + 3, 3), QPointF(3, size + 3))
    painter.end()
    return image


def _unit_sprite(image: QImage, frame: tuple[float, float, float, float], dpr: float) -> tuple[QImage, QRectF]:
    """A symbol with its empty strength bar beneath, centred on the anchor, and the inside of the
    bar (logical px), where the strength is filled in."""
    x0, _y0, x1, y1 = frame
    mid = round((x0 + x1) / 2)
    bar_left = mid - (BAR_WIDTH + 2) / 2
    bar_top = round(y1 + BAR_GAP)
    sym_hw, sym_hh = image.width() / dpr / 2, image.height() / dpr / 2
    hw = math.ceil(max(sym_hw, abs(bar_left), abs(bar_left + BAR_WIDTH + 2)))
    hh = math.ceil(max(sym_hh, abs(bar_top + BAR_HEIGHT + 2)))
    out = new_image(2 * hw, 2 * hh, dpr)
    painter = QPainter(out)
    painter.drawImage(QPointF(hw - sym_hw, hh - sym_hh), image)
    left, top = hw + bar_left, hh + bar_top
    painter.fillRect(QRectF(left, top, BAR_WIDTH + 2, BAR_HEIGHT + 2), BAR_EDGE)
    painter.fillRect(QRectF(left + 1, top + 1, BAR_WIDTH, BAR_HEIGHT), BAR_EMPTY)
    painter.end()
    return out, QRectF(left + 1, top + 1, BAR_WIDTH, BAR_HEIGHT)


def _strength_sprites(
    image: QImage, frame: tuple[float, float, float, float], colour: QColor, levels: int, dpr: float
) -> tuple[list[QImage], float, float]:
    """A look's sprite at each strength level (the bar filled in proportion), cropped to its
    content, and the crop's offset from the anchor.

    The bar's edge is drawn at every level, so all levels share one content box: the empty
    sprite is drawn and cropped once, and each level fills its bar into a copy.
    """
    empty, bar = _unit_sprite(image, frame, dpr)
    box = content_box(empty, dpr)
    base, dx, dy = crop(empty, box, dpr)
    if box is not None:
        bar.translate(-box[0] / dpr, -box[1] / dpr)  # whole logical pixels: the crop keeps them
    sprites = []
    for level in range(levels):
        fill = round(level * BAR_WIDTH / (levels - 1))
        sprite = base.copy()
        sprite.setDevicePixelRatio(dpr)
        if fill > 0:
            painter = QPainter(sprite)
            painter.fillRect(QRectF(bar.left(), bar.top(), fill, bar.height()), colour)
            painter.end()
        sprites.append(sprite)
    return sprites, dx, dy


def _dot(colour: QColor, dpr: float) -> QImage:
    """A unit of a very crowded view: a dot in its side's colour."""
    image = new_image(DOT_SIZE + 1, DOT_SIZE + 1, dpr)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(31, 41, 55, 200), 1.0))
    painter.setBrush(colour)
    painter.drawEllipse(QRectF(0.5, 0.5, DOT_SIZE, DOT_SIZE))
    painter.end()
    return image


def _pin(dpr: float) -> QImage:
    """A small dark dot: the true position of a unit whose symbol is nudged clear of others."""
    image = new_image(PIN_SIZE + 2, PIN_SIZE + 2, dpr)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(255, 255, 255, 200), 1.0))
    painter.setBrush(PIN_COLOUR)
    painter.drawEllipse(QRectF(1, 1, PIN_SIZE, PIN_SIZE))
    painter.end()
    return image


def badge_text(count: int) -> str:
    return f"+{count}" if count <= BADGE_MAX else f"{BADGE_MAX}+"


_badges: dict[float, list[QImage]] = {}


def badge_images(dpr: float) -> list[QImage]:
    """Pills reading "+1" … "+99" and "99+" (index = count; 0 is empty): a superior's folded subordinates."""
    if dpr not in _badges:
        font = label_font(10, bold=True)
        metrics = QFontMetricsF(font)
        images = [new_image(1, 1, dpr)]
        for count in range(1, BADGE_MAX + 2):
            text = badge_text(count)
            h = math.ceil(metrics.height()) + 1
            w = max(h, math.ceil(metrics.horizontalAdvance(text)) + 7)
            image = new_image(w, h, dpr)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            painter.setPen(QPen(BADGE_EDGE, 1.2))
            painter.setBrush(BADGE_FILL)
            painter.drawRoundedRect(QRectF(0.6, 0.6, w - 1.2, h - 1.2), (h - 1.2) / 2, (h - 1.2) / 2)
            painter.setFont(font)
            painter.setPen(BADGE_TEXT)
            painter.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter, text)
            painter.end()
            images.append(image)
        _badges[dpr] = images
    return _badges[dpr]


def strength_levels(looks: int) -> int:
    """Sprites per look: one per pixel of bar fill, fewer when a scenario has very many looks."""
    return int(BAR_WIDTH) + 1 if looks <= 64 else int(BAR_WIDTH) // 2 + 1 if looks <= 256 else int(BAR_WIDTH) // 4 + 1


def build_sheet(
    sidcs: Sequence[str],
    looks: Sequence[tuple[int, int]],
    side_colours: Sequence[str],
    dpr: float,
    size: int = SYMBOL_SIZE,
) -> SymbolSheet:
    """Render every distinct symbol once, each look in every style and strength level, and the
    markers, into one atlas."""
    atlas = AtlasBuilder(dpr)
    k, n_looks = len(sidcs), len(looks)
    levels = strength_levels(n_looks)
    colours = [QColor(c) for c in side_colours] or [QColor("#6b7280")]
    frames = np.zeros((3, k, 4))
    images, small_offset = [], np.zeros((k, 2))
    small_area = np.zeros(k)
    for i, sidc in enumerate(sidcs):
        image, frame = render_symbol(sidc, size, dpr)
        images.append(image)
        frames[FULL, i] = frame
        atlas.add(("halo", i), _halo(image, dpr))
        small, frames[SMALL, i] = render_symbol(compact_sidc(sidc), COMPACT_SIZE, dpr)
        small, *offset = crop_to_content(small, dpr)
        small_offset[i] = offset
        small_area[i] = small.width() * small.height() / dpr**2
        atlas.add(("small", i), small)
    frames[DOT] = (-DOT_SIZE / 2, -DOT_SIZE / 2, DOT_SIZE / 2, DOT_SIZE / 2)
    offset, area = np.zeros((3, n_looks, 2)), np.zeros((3, n_looks))
    for j, (symbol, side) in enumerate(looks):
        colour = colours[side % len(colours)]
        # transparent margins cost as much to blend as the symbol: keep only the content
        sprites, dx, dy = _strength_sprites(images[symbol], frames[FULL, symbol], colour, levels, dpr)
        for level, sprite in enumerate(sprites):
            atlas.add(("unit", j, level), sprite)
        offset[FULL, j] = (dx, dy)
        area[FULL, j] = sprites[0].width() * sprites[0].height() / dpr**2
        offset[SMALL, j], area[SMALL, j] = small_offset[symbol], small_area[symbol]
        atlas.add(("dot", j), _dot(colour, dpr))
        area[DOT, j] = (DOT_SIZE + 1) ** 2
    for style, scale in ((FULL, size), (SMALL, COMPACT_SIZE)):
        atlas.add(("ring", style), _ring(scale * 1.05, dpr))
        atlas.add(("cross", style), _cross(scale * 1.05, dpr))
    badges = badge_images(dpr)
    atlas.add("pin", _pin(dpr))
    for count, image in enumerate(badges[1:], start=1):
        atlas.add(("badge", count), image)
    pixmap, rects = atlas.build()

    def rect(key) -> tuple[float, float, float, float]:
        return rects.get(key, (0.0, 0.0, 0.0, 0.0))

    src = np.zeros((3, n_looks, levels, 4))
    for j, (symbol, _side) in enumerate(looks):
        src[FULL, j] = [rect(("unit", j, level)) for level in range(levels)]
        src[SMALL, j] = rect(("small", symbol))
        src[DOT, j] = rect(("dot", j))
    _symbol_cache().save()  # new symbols drawn: the next start needs no milsymbol tables
    boxes = frames.copy()
    boxes[FULL, :, 3] = np.round(frames[FULL, :, 3] + BAR_GAP) + BAR_HEIGHT + 2
    centres = np.round(
        np.stack(((frames[..., 0] + frames[..., 2]) / 2, (frames[..., 1] + frames[..., 3]) / 2), axis=-1)
    )
    return SymbolSheet(
        sidcs=tuple(sidcs),
        looks=tuple(looks),
        pixmap=pixmap,
        dpr=dpr,
        levels=levels,
        sprite_src=src,
        sprite_offset=offset,
        sprite_area=area,
        frames=frames,
        boxes=boxes,
        mark_offset=centres,
        halo_src=np.array([rect(("halo", i)) for i in range(k)], dtype=float).reshape(-1, 4),
        ring_src=np.array([rect(("ring", style)) for style in (FULL, SMALL, DOT)], dtype=float),
        cross_src=np.array([rect(("cross", style)) for style in (FULL, SMALL, DOT)], dtype=float),
        badge_src=np.array([rect(("badge", c)) for c in range(len(badges))], dtype=float),
        badge_size=np.array([(b.width() / dpr, b.height() / dpr) for b in badges], dtype=float),
        pin_src=np.array(rect("pin"), dtype=float),
    )
