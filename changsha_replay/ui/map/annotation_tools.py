"""Drawing gestures of the annotation tools, in plot coordinates: no widgets, no model changes.

A gesture takes presses, moves, releases and double-clicks (positions in plot coordinates, and
in screen pixels for the size thresholds) and says whether it goes on, is done or was cancelled.
While it goes on, ``points`` is what to preview; when done, ``points`` is the finished shape.

- arrow and line: press-drag-release draws a straight one; a click instead starts a bent one,
  each click adds a corner and a double-click (or Enter) ends it;
- area: clicks add corners, a double-click (or Enter) closes it (three corners at least);
- rectangle, circle, freehand: press, drag, release;
- note and label: a click.
"""

from __future__ import annotations

import math
from enum import Enum

Point = tuple[float, float]

#: Tool name → annotation kind drawn, its single-key shortcut and its menu label.
TOOLS: dict[str, tuple[str, str]] = {
    "select": ("V", "Select"),
    "arrow": ("A", "Arrow"),
    "line": ("", "Line"),
    "area": ("P", "Area (Polygon)"),
    "circle": ("C", "Circle"),
    "rectangle": ("R", "Rectangle"),
    "note": ("N", "Note"),
    "label": ("T", "Text Label"),
    "freehand": ("H", "Freehand"),
}

DRAG_PX = 5.0  # a press that moves less than this is a click
FREEHAND_STEP_PX = 3.0  # freehand keeps a point every few pixels


class Status(Enum):
    GOING = "going"
    DONE = "done"
    CANCELLED = "cancelled"


class Gesture:
    """One drawing in progress with a tool (``kind`` is the annotation kind it makes)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.points: list[Point] = []
        self._pixels: list[Point] = []
        self._down: Point | None = None  # pixel position of the press while the button is held
        self._dragged = False
        self._clicking = False  # a bent arrow/line or an area: clicks add corners

    @property
    def started(self) -> bool:
        return bool(self.points)

    # -- events --------------------------------------------------------------------------
    def press(self, p: Point, px: Point) -> Status:
        if self.kind in ("note", "label"):
            self.points = [p]
            return Status.DONE
        self._down, self._dragged = px, False
        if self._clicking:
            self._set_last(p, px)  # the rubber band becomes a corner
            self._add(p, px)  # and a new rubber band starts there
            return Status.GOING
        self.points, self._pixels = [p, p], [px, px]
        return Status.GOING

    def move(self, p: Point, px: Point) -> Status:
        if not self.points:
            return Status.GOING
        if self._down is not None and _dist(px, self._down) >= DRAG_PX:
            self._dragged = True
        if self.kind == "freehand" and self._down is not None:
            if _dist(px, self._pixels[-2]) >= FREEHAND_STEP_PX:
                self._add(p, px)
            else:
                self._set_last(p, px)
            return Status.GOING
        self._set_last(p, px)
        return Status.GOING

    def release(self, p: Point, px: Point) -> Status:
        if not self.points:
            return Status.GOING
        down, self._down = self._down, None
        if self._clicking:
            return Status.GOING
        dragged = self._dragged or (down is not None and _dist(px, down) >= DRAG_PX)
        self._set_last(p, px)
        if self.kind in ("rectangle", "circle", "freehand"):
            return Status.DONE if dragged else self.cancel()
        if self.kind in ("arrow", "line") and dragged:
            return Status.DONE
        self._clicking = True  # a click: corners follow, one per click
        return Status.GOING

    def double_click(self, p: Point, px: Point) -> Status:
        return self.finish()

    def finish(self) -> Status:
        """End a bent arrow, a line or an area (double-click or Enter)."""
        if not self._clicking:
            return Status.GOING
        # the double-click's own press added a corner on top of the last one; so did the rubber band
        while len(self._pixels) >= 2 and _dist(self._pixels[-1], self._pixels[-2]) < DRAG_PX:
            self.points.pop()
            self._pixels.pop()
        needed = 3 if self.kind == "area" else 2
        return Status.DONE if len(self.points) >= needed else self.cancel()

    def undo_corner(self) -> Status:
        """Backspace: take back the last corner of a bent line or an area."""
        if self._clicking and len(self.points) > 2:
            del self.points[-2], self._pixels[-2]
        return Status.GOING

    def cancel(self) -> Status:
        self.points, self._pixels = [], []
        self._clicking = False
        return Status.CANCELLED

    # -- the shape -----------------------------------------------------------------------
    def shape(self) -> list[Point]:
        """The points of the shape drawn so far (a rectangle's four corners, a polygon closed)."""
        pts = self.points
        if self.kind == "rectangle" and len(pts) >= 2:
            (x0, y0), (x1, y1) = pts[0], pts[-1]
            return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        if self.kind == "area" and len(pts) >= 3:
            return [*pts, pts[0]]
        if self.kind == "circle" and pts:
            return [pts[0], pts[-1]]  # centre and a point on the rim
        return list(pts)

    def _add(self, p: Point, px: Point) -> None:
        self.points.append(p)
        self._pixels.append(px)

    def _set_last(self, p: Point, px: Point) -> None:
        self.points[-1] = p
        self._pixels[-1] = px


def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])
