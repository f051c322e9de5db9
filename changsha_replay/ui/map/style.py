"""Colours and sizes of the map, in one place."""

from __future__ import annotations

from PySide6.QtGui import QColor

PAPER = QColor(244, 241, 234)  # land
WATER = QColor(168, 203, 226)  # lake fill
WATER_EDGE = QColor(110, 160, 200)
RIVER = QColor(86, 142, 190)
RIVER_LABEL = QColor(52, 104, 150)
PLACE_TEXT = QColor(87, 83, 78)
CITY_TEXT = QColor(41, 37, 36)
PLACE_DOT = QColor(68, 64, 60)
REGION_TEXT = QColor(140, 130, 118)
NEUTRAL_FEATURE = QColor(90, 90, 110)


def darker(colour: QColor | str, factor: float = 0.55) -> QColor:
    """A darker shade of a colour (for text in a side's colour)."""
    c = QColor(colour)
    return QColor(int(c.red() * factor), int(c.green() * factor), int(c.blue() * factor))


def with_alpha(colour: QColor | str, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c
