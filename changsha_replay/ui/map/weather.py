"""The weather of the moment: a chip with an icon and the latest weather event's title."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from .fonts import label_font
from .scale_bar import CHIP_BG, CHIP_EDGE, INK, CachedOverlay


def weather_kind(title_en: str) -> str:
    """Kind of weather a weather event's title describes: snow, rain, sleet, clear, fog or cloud."""
    t = title_en.lower()
    snow, rain = "snow" in t or "blizzard" in t or "cold wave" in t, "rain" in t or "storm" in t
    if snow and rain:
        return "sleet"
    if snow:
        return "snow"
    if rain:
        return "rain"
    if any(w in t for w in ("clear", "fine", "sun", "fair")):
        return "clear"
    if "fog" in t or "mist" in t:
        return "fog"
    return "cloud"


def _snowflake(p: QPainter, c: QPointF, r: float, colour: QColor) -> None:
    p.setPen(QPen(colour, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    for k in range(3):
        a = math.pi * k / 3 + math.pi / 2
        dx, dy = r * math.cos(a), r * math.sin(a)
        p.drawLine(QPointF(c.x() - dx, c.y() - dy), QPointF(c.x() + dx, c.y() + dy))
        for s in (1, -1):
            tip = QPointF(c.x() + s * dx * 0.62, c.y() + s * dy * 0.62)
            for b in (0.6, -0.6):
                ba = a + b + (0 if s > 0 else math.pi)
                p.drawLine(tip, QPointF(tip.x() + 0.3 * r * math.cos(ba), tip.y() + 0.3 * r * math.sin(ba)))


def _cloud(p: QPainter, c: QPointF, r: float, fill: QColor) -> None:
    path = QPainterPath()
    path.addEllipse(QPointF(c.x() - r * 0.45, c.y() + r * 0.05), r * 0.42, r * 0.38)
    path.addEllipse(QPointF(c.x() + r * 0.05, c.y() - r * 0.2), r * 0.5, r * 0.48)
    path.addEllipse(QPointF(c.x() + r * 0.5, c.y() + r * 0.08), r * 0.38, r * 0.34)
    path.addRoundedRect(QRectF(c.x() - r * 0.85, c.y() + r * 0.0, r * 1.7, r * 0.42), r * 0.2, r * 0.2)
    p.setPen(QPen(QColor(100, 116, 139), 1.1))
    p.setBrush(fill)
    p.drawPath(path.simplified())


def draw_weather_icon(p: QPainter, kind: str, c: QPointF, r: float) -> None:
    """A small pictogram of a weather kind."""
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if kind == "snow":
        _snowflake(p, c, r, QColor(37, 99, 235))
    elif kind == "clear":
        p.setPen(QPen(QColor(217, 119, 6), 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for k in range(8):
            a = math.pi * k / 4
            p.drawLine(
                QPointF(c.x() + 0.62 * r * math.cos(a), c.y() + 0.62 * r * math.sin(a)),
                QPointF(c.x() + r * math.cos(a), c.y() + r * math.sin(a)),
            )
        p.setBrush(QColor(251, 191, 36))
        p.drawEllipse(c, r * 0.42, r * 0.42)
    else:
        _cloud(p, QPointF(c.x(), c.y() - r * 0.25), r, QColor(226, 232, 240))
        drops = kind in ("rain", "sleet")
        p.setPen(QPen(QColor(37, 99, 235), 1.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for k, dx in enumerate((-0.45, 0.0, 0.45)):
            x, y = c.x() + dx * r, c.y() + r * 0.55
            if (kind == "sleet" and k == 1) or kind == "snow":
                p.drawPoint(QPointF(x, y + r * 0.2))
                p.drawLine(QPointF(x - r * 0.12, y + r * 0.2), QPointF(x + r * 0.12, y + r * 0.2))
                p.drawLine(QPointF(x, y + r * 0.08), QPointF(x, y + r * 0.32))
            elif drops:
                p.drawLine(QPointF(x + r * 0.08, y), QPointF(x - r * 0.08, y + r * 0.35))


class WeatherChip(CachedOverlay):
    """The weather of the moment: an icon and the latest weather event's title, in a corner; only
    the icon (the title in its tooltip) while the whole chip would cover units."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.text = ""
        self.compact = False
        self._font = label_font(12)
        self.hide()

    def full_width(self) -> int:
        return int(QFontMetricsF(self._font).horizontalAdvance(self.text) + 52)

    def set_compact(self, on: bool) -> bool:
        """Show the icon alone (True) or the icon and the title; True if that changed."""
        if on == self.compact:
            return False
        self.compact = on
        self._fit()
        return True

    def _fit(self) -> None:
        self.resize(40 if self.compact else self.full_width(), 34)
        self.setToolTip(self.text if self.compact else "")
        self.refresh()

    def set_weather(self, kind: str, text: str) -> bool:
        """Show a weather (empty text hides the chip); True if it changed."""
        if (kind, text) == (self.kind, self.text):
            return False
        self.kind, self.text = kind, text
        self._fit()
        self.setVisible(bool(text) and not self.property("layer_hidden"))
        return True

    def draw(self, p: QPainter) -> None:
        if not self.text:
            return
        p.setPen(QPen(CHIP_EDGE, 1))
        p.setBrush(CHIP_BG)
        p.drawRoundedRect(QRectF(0.5, 0.5, self.width() - 1, self.height() - 1), 6, 6)
        draw_weather_icon(p, self.kind, QPointF(20, self.height() / 2), 11)
        if self.compact:
            return
        p.setFont(self._font)
        p.setPen(INK)
        metrics = QFontMetricsF(self._font)
        p.drawText(QPointF(38, self.height() / 2 + metrics.ascent() / 2 - 1.5), self.text)
