"""The scale bar: a screen overlay (a small child widget) in a corner of the map."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from .fonts import label_font
from .geo import nice_length

CHIP_BG = QColor(255, 253, 248, 225)
CHIP_EDGE = QColor(120, 113, 108, 150)
INK = QColor(41, 37, 36)


class CachedOverlay(QWidget):
    """A small widget over the map, drawn into a pixmap only when its content changes: the map
    repaints beneath it on every frame, and the overlay is then a blit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._pixmap: QPixmap | None = None

    def refresh(self) -> None:
        """The content changed: draw it again."""
        self._pixmap = None
        self.update()

    def draw(self, p: QPainter) -> None:
        """Paint the content (antialiased painter on a transparent pixmap of the widget's size)."""

    def paintEvent(self, event: QPaintEvent) -> None:
        dpr = self.devicePixelRatioF()
        if self._pixmap is None or self._pixmap.size() != self.size() * dpr:
            self._pixmap = QPixmap(self.size() * dpr)
            self._pixmap.setDevicePixelRatio(dpr)
            self._pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(self._pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.draw(painter)
            painter.end()
        p = QPainter(self)
        p.drawPixmap(0, 0, self._pixmap)
        p.end()


class ScaleBar(CachedOverlay):
    """A bar of a round length in km (1, 2 or 5 × 10ⁿ) that follows the zoom."""

    MAX_PX = 150.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.km_per_px = 0.0
        self.length_km = 0.0
        self.length_px = 0.0
        self._font = label_font(11)
        self.resize(self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(int(self.MAX_PX) + 60, 34)

    def set_scale(self, km_per_px: float) -> None:
        if km_per_px == self.km_per_px:
            return
        self.km_per_px = km_per_px
        self.length_km = nice_length(self.MAX_PX * km_per_px) if km_per_px > 0 else 0.0
        self.length_px = self.length_km / km_per_px if km_per_px > 0 else 0.0
        self.refresh()

    @property
    def text(self) -> str:
        km = self.length_km
        if km >= 1:
            return f"{km:g} km"
        return f"{km * 1000:g} m"

    def draw(self, p: QPainter) -> None:
        if self.length_px <= 0:
            return
        metrics = QFontMetricsF(self._font)
        text_w = metrics.horizontalAdvance(self.text)
        width = self.length_px + text_w + 26
        p.setPen(QPen(CHIP_EDGE, 1))
        p.setBrush(CHIP_BG)
        p.drawRoundedRect(QRectF(0.5, 0.5, width, self.height() - 1), 5, 5)
        x0, y0, h = 10.0, self.height() / 2 - 3, 6.0
        segments = 4 if self.length_px >= 80 else 2
        seg = self.length_px / segments
        for k in range(segments):
            p.setPen(QPen(INK, 1))
            p.setBrush(INK if k % 2 == 0 else QColor(255, 255, 255))
            p.drawRect(QRectF(x0 + k * seg, y0, seg, h))
        p.setFont(self._font)
        p.setPen(INK)
        p.drawText(QPointF(x0 + self.length_px + 8, y0 + h / 2 + metrics.ascent() / 2 - 1), self.text)
