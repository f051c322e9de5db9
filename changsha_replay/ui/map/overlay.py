"""Base class of the layers drawn in screen pixels over map positions (units, labels, events)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF


class OverlayItem(pg.GraphicsObject):
    """An item whose bounds are the visible map: it paints in device pixels at map positions.

    Its bounding rect follows the view (set when the view transform changes), so moving
    what it draws never changes its geometry: an update is just a repaint.
    """

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self.view_rect = QRectF()  # the visible map in data coordinates

    def viewTransformChanged(self) -> None:  # called by pyqtgraph when the view moves or resizes
        super().viewTransformChanged()
        view = self.getViewBox()
        if view is None:
            return
        rect = view.viewRect()
        self.view_rect = rect
        grown = rect.adjusted(-rect.width() * 0.05, -rect.height() * 0.05, rect.width() * 0.05, rect.height() * 0.05)
        if grown != self._rect:
            self.prepareGeometryChange()
            self._rect = grown

    def boundingRect(self) -> QRectF:
        return self._rect

    def view_size(self) -> tuple[float, float]:
        """Width and height of the map on screen, in logical pixels."""
        view = self.getViewBox()
        if view is None:
            return 0.0, 0.0
        size = view.size()
        return float(size.width()), float(size.height())

    def pixel_size(self) -> float:
        """Map units per screen pixel (0 before the view is shown)."""
        view = self.getViewBox()
        if view is None:
            return 0.0
        px, _py = view.viewPixelSize()
        return float(px)
