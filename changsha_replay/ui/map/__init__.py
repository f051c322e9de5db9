"""The map view: a pyqtgraph canvas of the scenario's basemap, units, labels and events."""

import PySide6.QtCore  # noqa: F401  (first, so that pyqtgraph binds to PySide6)

from .canvas import LAYER_NAMES, MapCanvas
from .fonts import ensure_fonts

__all__ = ["LAYER_NAMES", "MapCanvas", "ensure_fonts"]
