"""Painting helpers shared by the layers: sprite atlases and batched pixmap fragments."""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap

FRAGMENT_FIELDS = 10  # x, y, sourceLeft, sourceTop, width, height, scaleX, scaleY, rotation, opacity


class Fragments:
    """A reusable C array of ``QPainter.PixmapFragment`` seen as an (n, 10) numpy array.

    Fill rows with numpy, then :meth:`draw` paints all of them with one
    ``QPainter.drawPixmapFragments`` call (the loop runs in C++).
    """

    def __init__(self) -> None:
        self._array = np.zeros((0, FRAGMENT_FIELDS))
        self.count = 0

    def resize(self, count: int) -> np.ndarray:
        """Rows for ``count`` fragments (contents undefined until written)."""
        if count > len(self._array):
            self._array = np.zeros((max(count, int(len(self._array) * 1.5), 64), FRAGMENT_FIELDS))
        self.count = count
        return self._array[:count]

    def draw(self, painter: QPainter, pixmap: QPixmap) -> None:
        if self.count:
            first = shiboken6.wrapInstance(self._array.ctypes.data, QPainter.PixmapFragment)
            painter.drawPixmapFragments(first, self.count, pixmap)


def new_image(width: float, height: float, dpr: float) -> QImage:
    """A transparent ARGB image of a logical size at a device pixel ratio."""
    image = QImage(
        max(1, math.ceil(width * dpr)), max(1, math.ceil(height * dpr)), QImage.Format.Format_ARGB32_Premultiplied
    )
    image.fill(Qt.GlobalColor.transparent)
    image.setDevicePixelRatio(dpr)
    return image


class AtlasBuilder:
    """Packs sprite images into one pixmap (shelves of rows); remembers each sprite's source rect."""

    PAD = 2  # transparent device pixels around each sprite: no bleeding when scaled

    def __init__(self, dpr: float, max_width: int = 2048) -> None:
        self.dpr = dpr
        self.max_width = max_width
        self._images: list[tuple[Hashable, QImage]] = []

    def add(self, key: Hashable, image: QImage) -> None:
        self._images.append((key, image))

    def build(self) -> tuple[QPixmap, dict[Hashable, tuple[float, float, float, float]]]:
        """The atlas pixmap and, per key, (left, top, width, height) in device pixels."""
        pad = self.PAD
        x = y = row_height = width = 0
        places: list[tuple[int, int]] = []
        for _key, image in sorted(self._images, key=lambda kv: -kv[1].height()):
            w, h = image.width() + 2 * pad, image.height() + 2 * pad
            if x + w > self.max_width and x > 0:
                x, y, row_height = 0, y + row_height, 0
            places.append((x, y))
            x += w
            row_height = max(row_height, h)
            width = max(width, x)
        ordered = sorted(self._images, key=lambda kv: -kv[1].height())
        sheet = QImage(max(width, 1), max(y + row_height, 1), QImage.Format.Format_ARGB32_Premultiplied)
        sheet.fill(Qt.GlobalColor.transparent)
        rects: dict[Hashable, tuple[float, float, float, float]] = {}
        painter = QPainter(sheet)
        for (key, image), (px, py) in zip(ordered, places):
            image.setDevicePixelRatio(1.0)
            painter.drawImage(QPointF(px + pad, py + pad), image)
            image.setDevicePixelRatio(self.dpr)
            rects[key] = (px + pad, py + pad, image.width(), image.height())
        painter.end()
        return QPixmap.fromImage(sheet), rects


def content_box(image: QImage, dpr: float) -> tuple[int, int, int, int] | None:
    """Device-pixel box (left, top, right, bottom) of an image's non-transparent pixels, widened
    to whole logical pixels; None when there is nothing to crop (a fractional ``dpr``, or no content).
    """
    step = int(dpr) if float(dpr).is_integer() else 0
    if step == 0 or image.isNull():
        return None
    image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    w, h = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    alpha = raw.reshape(h, image.bytesPerLine())[:, : 4 * w].reshape(h, w, 4)[:, :, 3]
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if not len(rows):
        return None
    x0, x1 = cols[0] // step * step, -(-(cols[-1] + 1) // step) * step
    y0, y1 = rows[0] // step * step, -(-(rows[-1] + 1) // step) * step
    return int(x0), int(y0), int(x1), int(y1)


def crop(image: QImage, box: tuple[int, int, int, int] | None, dpr: float) -> tuple[QImage, float, float]:
    """The image cropped to a :func:`content_box`, and the crop's centre offset from the original
    centre in logical pixels (``box`` None: the image itself, no offset)."""
    if box is None:
        return image, 0.0, 0.0
    x0, y0, x1, y1 = box
    cropped = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied).copy(x0, y0, x1 - x0, y1 - y0)
    cropped.setDevicePixelRatio(dpr)
    dx = ((x0 + x1) / 2 - image.width() / 2) / dpr
    dy = ((y0 + y1) / 2 - image.height() / 2) / dpr
    return cropped, dx, dy


def crop_to_content(image: QImage, dpr: float) -> tuple[QImage, float, float]:
    """The image cropped to its non-transparent pixels, and the crop's centre offset from the
    original centre in logical pixels (so it can still be drawn centred on the same point).

    The crop keeps whole logical pixels, so a sprite placed at a whole pixel stays crisp.
    """
    return crop(image, content_box(image, dpr), dpr)
